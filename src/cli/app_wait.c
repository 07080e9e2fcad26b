/* Polling an Application until its sync, health or operation reach what the user waits for. */
#include "cli/app_wait.h"

#include "app/application.h"
#include "app/status.h"
#include "base/error.h"
#include "base/strvec.h"
#include "base/time.h"
#include "cli/app_print.h"

#include <stdio.h>
#include <string.h>

static bool str_is(const cap_value *v, const char *want)
{
	const char *s = cap_value_get_string(v);
	return s && !strcmp(s, want);
}

static bool operation_done(const cap_value *obj)
{
	if (cap_value_object_get(obj, "operation") &&
	    !cap_value_is_null(cap_value_object_get(obj, "operation")))
		return false;
	const cap_value *st = cap_value_dig(obj, "status", "operationState", NULL);
	return !st || cap_app_phase_completed(cap_value_dig_string(st, "phase", NULL));
}

static bool satisfied(const cap_value *obj, const cap_app_wait_options *o)
{
	if (o->sync && !str_is(cap_value_dig(obj, "status", "sync", "status", NULL), "Synced"))
		return false;
	const cap_value *h = cap_value_dig(obj, "status", "health", "status", NULL);
	if (o->health && !o->suspended && !o->degraded && !str_is(h, "Healthy"))
		return false;
	if ((o->suspended || o->degraded) &&
	    !((o->suspended && str_is(h, "Suspended")) || (o->degraded && str_is(h, "Degraded"))))
		return false;
	if (o->operation && !operation_done(obj))
		return false;
	return true;
}

/* The health of an object in status.resources, or "". */
static const char *health_of(const cap_value *obj, const cap_value *r)
{
	const cap_value *res = cap_value_dig(obj, "status", "resources", NULL);
	for (size_t i = 0; i < cap_value_array_len(res); i++) {
		const cap_value *e = cap_value_array_get(res, i);
		const char *keys[] = {"group", "kind", "namespace", "name"};
		bool same = true;
		for (size_t k = 0; k < 4 && same; k++)
			same = !strcmp(cap_value_dig_string(e, keys[k], NULL) ?: "",
				       cap_value_dig_string(r, keys[k], NULL) ?: "");
		if (same)
			return cap_value_dig_string(e, "health", "status", NULL) ?: "";
	}
	return "";
}

#define PROGRESS_FMT "%-20s  %-12s  %-14s  %-12s  %-24s  %-10s  %-11s  %-8s  %s\n"

/* Prints the sync result rows that are new or changed since the last poll. */
static void progress(const cap_value *obj, cap_strvec *seen)
{
	const cap_value *rs =
	    cap_value_dig(obj, "status", "operationState", "syncResult", "resources", NULL);
	for (size_t i = 0; i < cap_value_array_len(rs); i++) {
		const cap_value *r = cap_value_array_get(rs, i);
		const char *health = health_of(obj, r);
		cap_buf line = CAP_BUF_INIT;
		cap_buf_printf(&line, "%s|%s|%s|%s|%s|%s|%s|%s",
			       cap_value_dig_string(r, "group", NULL) ?: "",
			       cap_value_dig_string(r, "kind", NULL) ?: "",
			       cap_value_dig_string(r, "namespace", NULL) ?: "",
			       cap_value_dig_string(r, "name", NULL) ?: "",
			       cap_value_dig_string(r, "status", NULL) ?: "", health,
			       cap_value_dig_string(r, "hookType", NULL) ?: "",
			       cap_value_dig_string(r, "message", NULL) ?: "");
		if (!cap_strvec_contains(seen, line.ptr)) {
			char now[CAP_RFC3339_LEN];
			if (!seen->len)
				printf(PROGRESS_FMT, "TIMESTAMP", "GROUP", "KIND", "NAMESPACE",
				       "NAME", "STATUS", "HEALTH", "HOOK", "MESSAGE");
			printf(PROGRESS_FMT, cap_time_format_rfc3339(now, cap_time_wall_s()),
			       cap_value_dig_string(r, "group", NULL) ?: "",
			       cap_value_dig_string(r, "kind", NULL) ?: "",
			       cap_value_dig_string(r, "namespace", NULL) ?: "",
			       cap_value_dig_string(r, "name", NULL) ?: "",
			       cap_value_dig_string(r, "status", NULL) ?: "", health,
			       cap_value_dig_string(r, "hookType", NULL) ?: "",
			       cap_value_dig_string(r, "message", NULL) ?: "");
			fflush(stdout);
			cap_strvec_push(seen, line.ptr);
		}
		cap_buf_release(&line);
	}
}

int cap_app_wait(cap_app_cli *cli, cap_value **out, const char *name, const cap_app_wait_options *o)
{
	cap_deadline d =
	    o->timeout_s ? cap_deadline_in_ms((uint64_t)o->timeout_s * 1000) : CAP_DEADLINE_NEVER;
	cap_strvec seen = CAP_STRVEC_INIT;
	int rc;
	for (;;) {
		cap_value *obj = NULL;
		if ((rc = cap_app_cli_get(cli, &obj, name)))
			break;
		if (o->progress)
			progress(obj, &seen);
		if (satisfied(obj, o)) {
			*out = obj;
			break;
		}
		cap_value_free(obj);
		if (cap_deadline_expired(d)) {
			fprintf(stderr,
				"capstan: timed out (%us) waiting for app \"%s\" match desired "
				"state\n",
				o->timeout_s, name);
			rc = CAP_ETIMEOUT;
			break;
		}
		cap_time_sleep_ms(250);
	}
	cap_strvec_release(&seen);
	return rc;
}

int cap_app_report_operation(const cap_value *obj)
{
	cap_app app;
	if (cap_app_parse(&app, (cap_value *)obj))
		return cap_app_cli_error();
	putchar('\n');
	cap_app_print_summary(stdout, &app, NULL);
	putchar('\n');
	cap_app_print_operation(stdout, &app);
	cap_app_print_resources(stdout, &app);
	const char *phase = cap_value_dig_string(app.status, "operationState", "phase", NULL);
	int rc = 0;
	if (phase && strcmp(phase, "Succeeded")) {
		const char *msg =
		    cap_value_dig_string(app.status, "operationState", "message", NULL);
		fprintf(stderr, "capstan: operation has completed with phase: %s%s%s\n", phase,
			msg && *msg ? ": " : "", msg ? msg : "");
		rc = 1;
	}
	cap_app_release(&app);
	return rc;
}

/* Writes operation into the Application read as obj, on condition that obj is still current. */
static int write_operation(cap_app_cli *cli, const char *name, const cap_value *obj,
			   const cap_value *operation)
{
	cap_value *patch = cap_value_object();
	cap_value *md = cap_value_object();
	cap_value_object_set(
	    md, "resourceVersion",
	    cap_value_ref(cap_value_dig(obj, "metadata", "resourceVersion", NULL)));
	cap_value_object_set(patch, "metadata", md);
	cap_value_object_set(patch, "operation", cap_value_deep_copy(operation));
	cap_kube_key key = CAP_KUBE_KEY_INIT;
	cap_app_cli_key(&key, cli, name);
	int rc = cap_kube_patch(cli->client, NULL, &key, CAP_KUBE_PATCH_MERGE, patch, NULL);
	cap_kube_key_release(&key);
	cap_value_free(patch);
	return rc;
}

int cap_app_start_operation(cap_app_cli *cli, const char *name, const cap_value *operation)
{
	/*
	 * Conditional on the version read, so two users cannot both start one; the controller's
	 * status writes also change the version, so a conflict reads the app again and retries.
	 */
	for (int attempt = 0;; attempt++) {
		cap_value *obj = NULL;
		if (cap_app_cli_get(cli, &obj, name))
			return 1;
		const cap_value *op = cap_value_object_get(obj, "operation");
		const char *phase =
		    cap_value_dig_string(obj, "status", "operationState", "phase", NULL);
		if ((op && !cap_value_is_null(op)) ||
		    (phase && (!strcmp(phase, "Running") || !strcmp(phase, "Terminating")))) {
			fprintf(stderr, "capstan: another operation is already in progress\n");
			cap_value_free(obj);
			return 1;
		}
		int rc = write_operation(cli, name, obj, operation);
		cap_value_free(obj);
		if (!rc)
			return 0;
		if (rc != CAP_ECONFLICT || attempt == 9) {
			cap_app_cli_error();
			return 1;
		}
	}
}
