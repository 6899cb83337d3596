/* rs-format.h: what the app shows, as pure functions (money, dates, badges, live result, lists).
 * SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "rs-score.h"

G_BEGIN_DECLS

/* Where a household stands for the enumerator. */
typedef enum
{
  RS_DISPLAY_STATE_ASSIGNED,        /* on the list to visit, not started */
  RS_DISPLAY_STATE_DRAFT,           /* being reviewed */
  RS_DISPLAY_STATE_FINALIZED,       /* finished, waiting to be sent */
  RS_DISPLAY_STATE_SENT,            /* acknowledged by the server */
  RS_DISPLAY_STATE_NEEDS_ATTENTION, /* refused by the server or failing */
} RsDisplayState;

/* Numbers and money, the Vietnamese way. */
char             *rs_format_number              (gint64      value);
char             *rs_format_money               (gint64      vnd);
char             *rs_format_decimal             (double      value,
                                                 guint       max_fraction_digits);
gboolean          rs_parse_number               (const char *text,
                                                 gint64     *out_value);
gboolean          rs_parse_decimal              (const char *text,
                                                 double     *out_value);
char             *rs_format_grouped_input       (const char *text,
                                                 int         cursor,
                                                 int        *out_cursor);

/* Dates. */
char             *rs_format_date_iso            (const char *iso_date);
char             *rs_format_date                (GDateTime  *date_time);
char             *rs_format_date_time           (GDateTime  *date_time);
char             *rs_format_iso_date            (int         year,
                                                 int         month,
                                                 int         day);
gboolean          rs_parse_iso_date             (const char *iso_date,
                                                 int        *out_year,
                                                 int        *out_month,
                                                 int        *out_day);
int               rs_days_in_month              (int         year,
                                                 int         month);

/* Geopoints (a household's location), as ODK writes them: "lat lon altitude accuracy". */
typedef struct
{
  double   latitude;      /* degrees, -90..90 */
  double   longitude;     /* degrees, -180..180 */
  double   altitude;      /* metres above sea level; 0 when unknown */
  double   accuracy;      /* metres; 0 when unknown (entered by hand) */
} RsGeopoint;

gboolean          rs_geopoint_parse             (const char       *value,
                                                 RsGeopoint       *out_point);
char             *rs_geopoint_to_value          (const RsGeopoint *point);
char             *rs_format_geopoint            (const RsGeopoint *point);
char             *rs_format_accuracy            (double            metres);
char             *rs_format_location_progress   (gboolean          have_fix,
                                                 double            accuracy);
const char       *rs_check_geopoint_input       (const char       *latitude,
                                                 const char       *longitude,
                                                 RsGeopoint       *out_point);

/* Classification badges and record states. */
const char       *rs_badge_label       (RsClassification classification);
char             *rs_badge_text  (RsClassification classification,
                                                 gboolean         provisional);
const char       *rs_badge_style_class (RsClassification classification);
const char       *rs_display_state_label        (RsDisplayState   state);
const char       *rs_display_state_style_class  (RsDisplayState   state);

/* The live result bar: "Hộ nghèo (dự kiến) · 4/12 thiếu hụt · 1.250.000 đ/người/tháng ≤ …". */
char             *rs_format_live_result         (RsClassification classification,
                                                 gboolean         provisional,
                                                 int              deprivation_count,
                                                 int              indicator_count,
                                                 gboolean         income_known,
                                                 gint64           income_per_capita,
                                                 gint64           income_line);

/* The home page: counts line, member cards. */
char             *rs_format_home_counts         (guint       reviewed_today,
                                                 guint       waiting,
                                                 guint       needing_attention);
char             *rs_format_member_details      (int         age,
                                                 const char *relation_label);

/* One household on the home list. */
typedef struct
{
  char             *id;             /* instanceID of the record, or the assignment id */
  char             *head_name;
  char             *village;
  char             *household_code;
  RsDisplayState    state;
  RsClassification  classification;
  char             *search_key;     /* folded name, village and code */
  guint             version;        /* 2, 3… for an edit after sending; 0 or 1 for the first */
} RsHomeItem;

RsHomeItem *rs_home_item_new  (const char       *id,
                               const char       *head_name,
                               const char       *village,
                               const char       *household_code,
                               RsDisplayState    state,
                               RsClassification  classification);
void        rs_home_item_free (RsHomeItem       *item);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RsHomeItem, rs_home_item_free)

/* The households of one village, in the order the enumerator works through them. */
typedef struct
{
  char      *village;  /* empty for households with no village yet */
  GPtrArray *items;    /* (element-type RsHomeItem) borrowed from the input */
} RsVillageGroup;

void       rs_village_group_free  (RsVillageGroup *group);
GPtrArray *rs_home_group          (GPtrArray      *items,
                                   const char     *query);
gboolean   rs_home_item_matches   (const RsHomeItem *item,
                                   const char       *query);

/* The sync page. */
const char       *rs_format_sync_event          (const char  *event);
const char       *rs_format_refusal_advice      (int          http_status);

/* Versions of one household after edits after sending: each new version names the one it
 * replaces (meta/deprecatedID), the first is version 1. */
typedef struct
{
  const char *instance_id;
  const char *deprecated_id;  /* the version this one replaces, or NULL */
} RsVersionLink;

guint            *rs_version_order              (const RsVersionLink *links,
                                                 guint                n_links);
guint             rs_version_rows_to_show       (const RsVersionLink *rows,
                                                 guint                n_rows,
                                                 guint                limit);
char             *rs_format_version_line        (guint                version,
                                                 GDateTime           *edited_at,
                                                 guint                newer_version,
                                                 RsDisplayState       newer_state);
const char       *rs_format_version_tag         (guint                version,
                                                 guint                newer_version);

/* First-start setup. */
char            **rs_split_villages             (const char  *text);
char             *rs_join_villages              (const char * const *villages);
const char       *rs_check_commune_code         (const char  *code);
const char       *rs_check_server_address       (const char  *address);

G_END_DECLS
