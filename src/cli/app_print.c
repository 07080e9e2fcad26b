/* Printing Applications as argocd does: tabwriter tables, the summary, resources and operation. */
#include "cli/app_print.h"

#include "base/buf.h"
#include "base/time.h"

#include <stdlib.h>
#include <string.h>

#define FMT "%-20s%s\n"

void cap_app_table_init(cap_app_table *t, size_t ncols)
{
	t->ncols = ncols;
	cap_strvec_init(&t->cells);
}

void cap_app_table_row(cap_app_table *t, const char *const *cells)
{
	for (size_t i = 0; i < t->ncols; i++)
		cap_strvec_push(&t->cells, cells[i] ? cells[i] : "");
}

void cap_app_table_print(const cap_app_table *t, FILE *to)
{
	size_t *w = calloc(t->ncols, sizeof(size_t));
	for (size_t i = 0; i < t->cells.len; i++) {
		size_t l = strlen(t->cells.items[i]);
		if (l > w[i % t->ncols])
			w[i % t->ncols] = l;
	}
	for (size_t i = 0; i < t->cells.len; i++) {
		size_t c = i % t->ncols;
		if (c + 1 == t->ncols)
			fprintf(to, "%s\n", t->cells.items[i]);
		else
			fprintf(to, "%-*s", (int)(w[c] + 2), t->cells.items[i]);
	}
	free(w);
}

void cap_app_table_release(cap_app_table *t)
{
	cap_strvec_release(&t->cells);
}

const char *cap_app_sync_policy_short(const cap_app *app)
{
	if (!app->sync_policy.automated)
		return "Manual";
	return app->sync_policy.prune ? "Auto-Prune" : "Auto";
}

static const char *target_revision(const cap_app *app)
{
	const char *t = cap_value_dig_string(cap_app_source_at(app, 0), "targetRevision", NULL);
	return t && *t ? t : "HEAD";
}

void cap_app_sync_status_text(cap_buf *out, const cap_app *app)
{
	const char *st = cap_value_dig_string(app->status, "sync", "status", NULL);
	if (!st || !*st)
		st = "Unknown";
	cap_buf_printf(out, "%s %s %s", st, !strcmp(st, "OutOfSync") ? "from" : "to",
		       target_revision(app));
	const char *rev = cap_value_dig_string(app->status, "sync", "revision", NULL);
	if (rev && *rev)
		cap_buf_printf(out, " (%.7s)", rev);
}

void cap_app_print_summary(FILE *to, const cap_app *app, const char *url_base)
{
	cap_buf b = CAP_BUF_INIT;
	cap_buf_printf(&b, "%s/%s", app->namespace ? app->namespace : "", app->name);
	fprintf(to, FMT, "Name:", b.ptr);
	fprintf(to, FMT, "Project:", app->project);
	fprintf(to, FMT, "Server:",
		app->destination.server ? app->destination.server
		: app->destination.name ? app->destination.name
					: "");
	fprintf(to, FMT,
		"Namespace:", app->destination.namespace ? app->destination.namespace : "");
	cap_buf_clear(&b);
	if (url_base && *url_base)
		cap_buf_printf(&b, "%s/applications/%s", url_base, app->name);
	fprintf(to, FMT, "URL:", b.ptr);
	size_t n = cap_app_source_count(app);
	for (size_t i = 0; i < n; i++) {
		cap_value *s = cap_app_source_at(app, i);
		const char *t = cap_value_dig_string(s, "targetRevision", NULL);
		if (n > 1)
			fprintf(to, "%s\n", i == 0 ? "Sources:" : "");
		fprintf(to, FMT, "Repo:", cap_value_dig_string(s, "repoURL", NULL) ?: "");
		fprintf(to, FMT, "Target:", t ? t : "");
		const char *chart = cap_value_dig_string(s, "chart", NULL);
		if (chart)
			fprintf(to, FMT, "Chart:", chart);
		else
			fprintf(to, FMT, "Path:", cap_value_dig_string(s, "path", NULL) ?: "");
	}
	fprintf(to, FMT, "SyncWindow:", "Sync Allowed");
	const char *policy = "Manual";
	if (app->sync_policy.automated)
		policy = app->sync_policy.prune ? "Automated (Prune)" : "Automated";
	fprintf(to, FMT, "Sync Policy:", policy);
	cap_buf_clear(&b);
	cap_app_sync_status_text(&b, app);
	fprintf(to, FMT, "Sync Status:", b.ptr);
	const char *h = cap_value_dig_string(app->status, "health", "status", NULL);
	fprintf(to, FMT, "Health Status:", h && *h ? h : "Unknown");
	cap_buf_release(&b);
}

void cap_app_print_conditions(FILE *to, const cap_app *app)
{
	const cap_value *conds = cap_value_object_get(app->status, "conditions");
	if (!cap_value_array_len(conds))
		return;
	cap_app_table t;
	cap_app_table_init(&t, 3);
	const char *head[] = {"CONDITION", "MESSAGE", "LAST TRANSITION"};
	cap_app_table_row(&t, head);
	for (size_t i = 0; i < cap_value_array_len(conds); i++) {
		const cap_value *c = cap_value_array_get(conds, i);
		const char *row[] = {cap_value_dig_string(c, "type", NULL),
				     cap_value_dig_string(c, "message", NULL),
				     cap_value_dig_string(c, "lastTransitionTime", NULL)};
		cap_app_table_row(&t, row);
	}
	fputc('\n', to);
	cap_app_table_print(&t, to);
	cap_app_table_release(&t);
}

static bool same(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

/* The sync result entry of the last operation for that object, or NULL. */
static const cap_value *result_for(const cap_app *app, const cap_value *r)
{
	const cap_value *rs =
	    cap_value_dig(app->status, "operationState", "syncResult", "resources", NULL);
	for (size_t i = 0; i < cap_value_array_len(rs); i++) {
		const cap_value *x = cap_value_array_get(rs, i);
		if (same(cap_value_dig_string(x, "group", NULL),
			 cap_value_dig_string(r, "group", NULL)) &&
		    same(cap_value_dig_string(x, "kind", NULL),
			 cap_value_dig_string(r, "kind", NULL)) &&
		    same(cap_value_dig_string(x, "namespace", NULL),
			 cap_value_dig_string(r, "namespace", NULL)) &&
		    same(cap_value_dig_string(x, "name", NULL),
			 cap_value_dig_string(r, "name", NULL)))
			return x;
	}
	return NULL;
}

void cap_app_print_resources(FILE *to, const cap_app *app)
{
	const cap_value *res = cap_value_object_get(app->status, "resources");
	cap_app_table t;
	cap_app_table_init(&t, 8);
	const char *head[] = {"GROUP",	"KIND",	  "NAMESPACE", "NAME",
			      "STATUS", "HEALTH", "HOOK",      "MESSAGE"};
	cap_app_table_row(&t, head);
	for (size_t i = 0; i < cap_value_array_len(res); i++) {
		const cap_value *r = cap_value_array_get(res, i);
		const cap_value *x = result_for(app, r);
		const char *row[] = {cap_value_dig_string(r, "group", NULL),
				     cap_value_dig_string(r, "kind", NULL),
				     cap_value_dig_string(r, "namespace", NULL),
				     cap_value_dig_string(r, "name", NULL),
				     cap_value_dig_string(r, "status", NULL),
				     cap_value_dig_string(r, "health", "status", NULL),
				     cap_value_dig_string(x, "hookType", NULL),
				     cap_value_dig_string(x, "message", NULL)};
		cap_app_table_row(&t, row);
	}
	/* hooks are not in status.resources; they show from the sync result */
	const cap_value *rs =
	    cap_value_dig(app->status, "operationState", "syncResult", "resources", NULL);
	for (size_t i = 0; i < cap_value_array_len(rs); i++) {
		const cap_value *x = cap_value_array_get(rs, i);
		if (!cap_value_dig_string(x, "hookType", NULL))
			continue;
		const char *row[] = {cap_value_dig_string(x, "group", NULL),
				     cap_value_dig_string(x, "kind", NULL),
				     cap_value_dig_string(x, "namespace", NULL),
				     cap_value_dig_string(x, "name", NULL),
				     cap_value_dig_string(x, "hookPhase", NULL),
				     NULL,
				     cap_value_dig_string(x, "hookType", NULL),
				     cap_value_dig_string(x, "message", NULL)};
		cap_app_table_row(&t, row);
	}
	fputc('\n', to);
	cap_app_table_print(&t, to);
	cap_app_table_release(&t);
}

void cap_app_print_operation(FILE *to, const cap_app *app)
{
	const cap_value *st = cap_value_object_get(app->status, "operationState");
	if (!st)
		return;
	fprintf(to, FMT, "Operation:", "Sync");
	const char *rev = cap_value_dig_string(st, "syncResult", "revision", NULL);
	if (!rev)
		rev = cap_value_dig_string(st, "operation", "sync", "revision", NULL);
	fprintf(to, FMT, "Sync Revision:", rev ? rev : "");
	fprintf(to, FMT, "Phase:", cap_value_dig_string(st, "phase", NULL) ?: "");
	const char *start = cap_value_dig_string(st, "startedAt", NULL);
	const char *fin = cap_value_dig_string(st, "finishedAt", NULL);
	fprintf(to, FMT, "Start:", start ? start : "");
	fprintf(to, FMT, "Finished:", fin ? fin : "");
	int64_t a, b;
	if (start && fin && !cap_time_parse_rfc3339(&a, start) &&
	    !cap_time_parse_rfc3339(&b, fin)) {
		char d[32];
		snprintf(d, sizeof(d), "%llds", (long long)(b - a));
		fprintf(to, FMT, "Duration:", d);
	}
	fprintf(to, FMT, "Message:", cap_value_dig_string(st, "message", NULL) ?: "");
}
