/* rs-fault-proxy.c: an HTTP proxy on 127.0.0.1 that injects network faults per request.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Usage: rs-fault-proxy --target PORT [--seed N] [--fault-rate R] [--faults LIST]
 *                       [--stall-ms MS] [--log FILE]
 * Prints the port it listens on, then serves until stdin closes. Each request is read whole,
 * a fault is drawn, and the request is forwarded on a fresh upstream connection:
 *   pass          forward, return the answer
 *   drop-before   close the client connection; the server never sees the request
 *   drop-after    forward, wait for the server's whole answer (it has committed), then close
 *   truncate      forward, return the first half of the answer, close
 *   500, 503      answer it ourselves (503 with Retry-After: 1)
 *   stall         hold the connection for --stall-ms, then close
 *   throttle      forward and answer at 2 KB/s
 *   portal        answer 200 with a Wi-Fi login page */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_HEAD (64 * 1024)
#define MAX_BODY (16 * 1024 * 1024)
#define THROTTLE_CHUNK 200          /* bytes per 100 ms = 2 KB/s */
#define IO_TIMEOUT_MS 10000

typedef enum
{
  FAULT_PASS,
  FAULT_DROP_BEFORE,
  FAULT_DROP_AFTER,
  FAULT_TRUNCATE,
  FAULT_500,
  FAULT_503,
  FAULT_STALL,
  FAULT_THROTTLE,
  FAULT_PORTAL,
  N_FAULTS
} Fault;

static const char *const fault_names[N_FAULTS] = {
  "pass", "drop-before", "drop-after", "truncate", "500", "503", "stall", "throttle", "portal",
};

static int target_port;
static double fault_rate = 0.3;
static int stall_ms = 3000;
static Fault enabled[N_FAULTS];
static guint n_enabled;
static GRand *rng;
static GMutex lock;
static FILE *log_file;

static gboolean
write_all (int         fd,
           const char *data,
           gsize       len,
           gboolean    throttle)
{
  while (len > 0)
    {
      gsize chunk = throttle ? MIN (len, THROTTLE_CHUNK) : len;
      ssize_t n = send (fd, data, chunk, MSG_NOSIGNAL);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return FALSE;
      data += n;
      len -= (gsize) n;
      if (throttle && len > 0)
        g_usleep (100 * 1000);
    }
  return TRUE;
}

/* Reads with a timeout; returns bytes read, 0 on EOF, -1 on error or timeout. */
static ssize_t
read_some (int    fd,
           char  *buf,
           gsize  size)
{
  struct pollfd p = { fd, POLLIN, 0 };
  int r;

  do
    r = poll (&p, 1, IO_TIMEOUT_MS);
  while (r < 0 && errno == EINTR);
  if (r <= 0)
    return -1;
  return recv (fd, buf, size, 0);
}

static gssize
find_head_end (GByteArray *buf)
{
  for (guint i = 3; i < buf->len; i++)
    {
      if (buf->data[i - 3] == '\r' && buf->data[i - 2] == '\n' && buf->data[i - 1] == '\r'
          && buf->data[i] == '\n')
        return i + 1;
    }
  return -1;
}

/* Reads one request (head + Content-Length body) into @out; @pending keeps pipelined bytes. */
static gboolean
read_request (int         fd,
              GByteArray *pending,
              GByteArray *out,
              char      **method)
{
  char buf[16384];
  gssize head_end;
  gsize content_length = 0;
  g_autofree char *head = NULL;
  g_auto(GStrv) lines = NULL;

  while ((head_end = find_head_end (pending)) < 0)
    {
      ssize_t n;

      if (pending->len > MAX_HEAD)
        return FALSE;
      n = read_some (fd, buf, sizeof buf);
      if (n <= 0)
        return FALSE;
      g_byte_array_append (pending, (guint8 *) buf, (guint) n);
    }

  head = g_strndup ((const char *) pending->data, (gsize) head_end);
  lines = g_strsplit (head, "\r\n", -1);
  *method = g_strndup (lines[0], strcspn (lines[0], " "));
  for (guint i = 1; lines[i] != NULL; i++)
    {
      if (g_ascii_strncasecmp (lines[i], "Content-Length:", 15) == 0)
        content_length = (gsize) g_ascii_strtoull (lines[i] + 15, NULL, 10);
    }
  if (content_length > MAX_BODY)
    return FALSE;

  while (pending->len < (gsize) head_end + content_length)
    {
      ssize_t n = read_some (fd, buf, sizeof buf);

      if (n <= 0)
        return FALSE;
      g_byte_array_append (pending, (guint8 *) buf, (guint) n);
    }

  /* Rewrite the head so the upstream connection closes after the answer (read to EOF). */
  g_byte_array_set_size (out, 0);
  for (guint i = 0; lines[i] != NULL && *lines[i] != '\0'; i++)
    {
      if (i > 0 && g_ascii_strncasecmp (lines[i], "Connection:", 11) == 0)
        continue;
      g_byte_array_append (out, (guint8 *) lines[i], (guint) strlen (lines[i]));
      g_byte_array_append (out, (guint8 *) "\r\n", 2);
    }
  g_byte_array_append (out, (guint8 *) "Connection: close\r\n\r\n", 21);
  g_byte_array_append (out, pending->data + head_end, (guint) content_length);
  g_byte_array_remove_range (pending, 0, (guint) (head_end + content_length));
  return TRUE;
}

static int
connect_upstream (void)
{
  struct sockaddr_in addr = { 0, };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  addr.sin_family = AF_INET;
  addr.sin_port = htons ((guint16) target_port);
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (fd < 0 || connect (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    {
      if (fd >= 0)
        close (fd);
      return -1;
    }
  return fd;
}

/* Forwards @request and reads the whole answer (until the server closes). */
static GByteArray *
exchange (GByteArray *request,
          gboolean    throttle)
{
  int fd = connect_upstream ();
  GByteArray *response;
  char buf[16384];
  ssize_t n;

  if (fd < 0)
    return NULL;
  if (!write_all (fd, (const char *) request->data, request->len, throttle))
    {
      close (fd);
      return NULL;
    }
  response = g_byte_array_new ();
  while ((n = read_some (fd, buf, sizeof buf)) > 0)
    g_byte_array_append (response, (guint8 *) buf, (guint) n);
  close (fd);
  if (n < 0 || response->len == 0)
    {
      g_byte_array_unref (response);
      return NULL;
    }
  return response;
}

static Fault
draw_fault (void)
{
  Fault fault = FAULT_PASS;

  g_mutex_lock (&lock);
  if (n_enabled > 0 && g_rand_double (rng) < fault_rate)
    fault = enabled[g_rand_int_range (rng, 0, (gint32) n_enabled)];
  g_mutex_unlock (&lock);
  return fault;
}

static void
log_line (const char *method,
          Fault       fault,
          const char *outcome)
{
  g_mutex_lock (&lock);
  if (log_file != NULL)
    {
      fprintf (log_file, "%s %s %s\n", method, fault_names[fault], outcome);
      fflush (log_file);
    }
  g_mutex_unlock (&lock);
}

static gboolean
answer_locally (int         fd,
                guint       status,
                const char *extra,
                const char *body)
{
  g_autofree char *text = g_strdup_printf ("HTTP/1.1 %u Fault\r\nContent-Type: text/html\r\n"
                                           "Content-Length: %zu\r\n%sConnection: close\r\n\r\n%s",
                                           status, strlen (body), extra, body);

  return write_all (fd, text, strlen (text), FALSE);
}

/* One request per client connection: answers carry "Connection: close" (ours and, since the
 * forwarded request asks for it, the server's), so the client opens a new one for the next. */
static gpointer
serve_client (gpointer data)
{
  int fd = GPOINTER_TO_INT (data);
  g_autoptr(GByteArray) pending = g_byte_array_new ();
  g_autoptr(GByteArray) request = g_byte_array_new ();
  g_autoptr(GByteArray) response = NULL;
  g_autofree char *method = NULL;
  Fault fault;

  if (!read_request (fd, pending, request, &method))
    {
      close (fd);
      return NULL;
    }
  fault = draw_fault ();
  switch (fault)
    {
    case FAULT_DROP_BEFORE:
      break;
    case FAULT_500:
      answer_locally (fd, 500, "", "<html>Internal Server Error</html>");
      break;
    case FAULT_503:
      answer_locally (fd, 503, "Retry-After: 1\r\n", "<html>Service Unavailable</html>");
      break;
    case FAULT_PORTAL:
      answer_locally (fd, 200, "",
                      "<html><head><title>Wi-Fi</title></head><body><form>Đăng nhập Wi-Fi"
                      "</form></body></html>");
      break;
    case FAULT_STALL:
      g_usleep ((gulong) stall_ms * 1000);
      break;
    case FAULT_DROP_AFTER:
    case FAULT_TRUNCATE:
    case FAULT_THROTTLE:
    case FAULT_PASS:
    default:
      response = exchange (request, fault == FAULT_THROTTLE);
      if (response == NULL || fault == FAULT_DROP_AFTER)
        break;
      if (fault == FAULT_TRUNCATE)
        write_all (fd, (const char *) response->data, response->len / 2, FALSE);
      else
        write_all (fd, (const char *) response->data, response->len, fault == FAULT_THROTTLE);
      break;
    }
  log_line (method, fault, response != NULL ? "upstream" : "local");
  shutdown (fd, SHUT_RDWR);
  close (fd);
  return NULL;
}

static gpointer
accept_loop (gpointer data)
{
  int listener = GPOINTER_TO_INT (data);

  for (;;)
    {
      int fd = accept4 (listener, NULL, NULL, SOCK_CLOEXEC);
      GThread *thread;

      if (fd < 0)
        {
          if (errno == EINTR || errno == ECONNABORTED)
            continue;
          break;
        }
      thread = g_thread_new ("proxy-client", serve_client, GINT_TO_POINTER (fd));
      g_thread_unref (thread);
    }
  return NULL;
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *faults = NULL;
  g_autofree char *log_path = NULL;
  gint64 seed = 1;
  GOptionEntry entries[] = {
    { "target", 0, 0, G_OPTION_ARG_INT, &target_port, "Server port on 127.0.0.1", "PORT" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Random seed", "N" },
    { "fault-rate", 0, 0, G_OPTION_ARG_DOUBLE, &fault_rate, "Share of faulty requests", "R" },
    { "faults", 0, 0, G_OPTION_ARG_STRING, &faults, "Comma-separated faults", "LIST" },
    { "stall-ms", 0, 0, G_OPTION_ARG_INT, &stall_ms, "How long a stall lasts", "MS" },
    { "log", 0, 0, G_OPTION_ARG_FILENAME, &log_path, "Log one line per request", "FILE" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new (NULL);
  g_autoptr(GError) error = NULL;
  struct sockaddr_in addr = { 0, };
  socklen_t len = sizeof addr;
  int listener;
  int one = 1;
  char buf[64];

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || target_port <= 0)
    {
      fprintf (stderr, "rs-fault-proxy: %s\n", error != NULL ? error->message : "--target needed");
      return 2;
    }
  rng = g_rand_new_with_seed ((guint32) seed);
  if (faults == NULL)
    faults = g_strdup ("drop-before,drop-after,truncate,500,503,stall,throttle,portal");
  {
    g_auto(GStrv) names = g_strsplit (faults, ",", -1);

    for (guint i = 0; names[i] != NULL; i++)
      for (guint f = 0; f < N_FAULTS; f++)
        if (g_str_equal (g_strstrip (names[i]), fault_names[f]))
          enabled[n_enabled++] = (Fault) f;
  }
  if (log_path != NULL)
    log_file = fopen (log_path, "a");

  listener = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  setsockopt (listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (bind (listener, (struct sockaddr *) &addr, sizeof addr) < 0 || listen (listener, 64) < 0
      || getsockname (listener, (struct sockaddr *) &addr, &len) < 0)
    {
      perror ("rs-fault-proxy");
      return 1;
    }
  printf ("%u\n", ntohs (addr.sin_port));
  fflush (stdout);

  g_thread_unref (g_thread_new ("accept", accept_loop, GINT_TO_POINTER (listener)));
  /* Lives as long as its parent keeps stdin open, so it never outlives a crashed test. */
  while (read (STDIN_FILENO, buf, sizeof buf) > 0)
    ;
  if (log_file != NULL)
    fclose (log_file);
  return 0;
}
