# Two commands for a newcomer: `make run` (the app with a local demo server) and `make test`.
# SPDX-License-Identifier: GPL-3.0-or-later
BUILDDIR ?= _build
MESON_OPTS ?=

.PHONY: all deps build test run clean

all: build

deps:
	@./packaging/setup-deps

$(BUILDDIR)/build.ninja:
	meson setup $(BUILDDIR) $(MESON_OPTS)

build: deps $(BUILDDIR)/build.ninja
	meson compile -C $(BUILDDIR)

test: build
	meson test -C $(BUILDDIR) --print-errorlogs $(TEST_ARGS)

run: build
	./packaging/run-demo $(BUILDDIR)

clean:
	rm -rf $(BUILDDIR)
