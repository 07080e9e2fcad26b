/* Apply as kubectl does: last-applied annotations, three-way patches, server-side apply, replace.
 */
#include "kube/apply.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/error.h"
#include "base/time.h"
#include "kube/discovery.h"
#include "patch/merge_patch.h"
#include "patch/strategic.h"
#include "value/json.h"

#define MAX_PATCH_RETRIES 5
#define RECREATE_WAIT_MS  60000

/*
 * Go's encoding/json (which kubectl's encoder uses) escapes <, > and & inside strings and ends
 * the document with a newline; these bytes only occur inside strings in compact JSON.
 */
static void go_json(cap_buf *out, const cap_value *v)
{
	cap_buf raw = CAP_BUF_INIT;
	cap_json_print(&raw, v, CAP_JSON_COMPACT | CAP_JSON_SORT_KEYS);
	for (size_t i = 0; i < raw.len; i++) {
		char c = raw.ptr[i];
		if (c == '<')
			cap_buf_puts(out, "\\u003c");
		else if (c == '>')
			cap_buf_puts(out, "\\u003e");
		else if (c == '&')
			cap_buf_puts(out, "\\u0026");
		else
			cap_buf_putc(out, c);
	}
	cap_buf_putc(out, '\n');
	cap_buf_release(&raw);
}

/* A copy of obj whose metadata.annotations exists; *ann points at it inside the copy. */
static cap_value *copy_with_annotations(const cap_value *obj, cap_value **ann)
{
	cap_value *copy = cap_value_deep_copy(obj);
	cap_value *meta = cap_value_object_get(copy, "metadata");
	if (!cap_value_is_object(meta)) {
		meta = cap_value_object();
		cap_value_object_set(copy, "metadata", meta);
	}
	*ann = cap_value_object_get(meta, "annotations");
	if (!cap_value_is_object(*ann)) {
		*ann = cap_value_object();
		cap_value_object_set(meta, "annotations", *ann);
	}
	return copy;
}

void cap_kube_last_applied(cap_buf *out, const cap_value *obj)
{
	/* kubectl drops the annotation, leaving annotations: {} when it was the only one */
	cap_value *ann = NULL;
	cap_value *copy = copy_with_annotations(obj, &ann);
	cap_value_object_del(ann, CAP_KUBE_LAST_APPLIED_ANNOTATION);
	go_json(out, copy);
	cap_value_free(copy);
}

/* A copy of obj carrying its own last-applied annotation (kubectl's "modified"). */
static cap_value *with_annotation(const cap_value *obj)
{
	cap_buf text = CAP_BUF_INIT;
	cap_kube_last_applied(&text, obj);
	cap_value *ann = NULL;
	cap_value *copy = copy_with_annotations(obj, &ann);
	cap_value_object_set(ann, CAP_KUBE_LAST_APPLIED_ANNOTATION,
			     cap_value_stringn(text.ptr, text.len));
	cap_buf_release(&text);
	return copy;
}

/* Keeps only the nulls of a merge patch (keep_null) or everything but them. */
static cap_value *filter_nulls(const cap_value *patch, bool keep_null)
{
	cap_value *out = cap_value_object();
	const char *key;
	cap_value *val;
	CAP_VALUE_OBJECT_FOREACH(patch, key, val)
	{
		if (cap_value_is_null(val)) {
			if (keep_null)
				cap_value_object_set(out, key, cap_value_null());
		} else if (cap_value_is_object(val)) {
			/* an explicitly empty map is a value, not an empty patch */
			if (cap_value_object_len(val) == 0) {
				if (!keep_null)
					cap_value_object_set(out, key, cap_value_object());
				continue;
			}
			cap_value *sub = filter_nulls(val, keep_null);
			if (cap_value_object_len(sub))
				cap_value_object_set(out, key, sub);
			else
				cap_value_free(sub);
		} else if (!keep_null) {
			cap_value_object_set(out, key, cap_value_ref(val));
		}
	}
	return out;
}

int cap_kube_three_way_merge_patch(cap_value **out, const cap_value *original,
				   const cap_value *modified, const cap_value *current)
{
	cap_value *empty = cap_value_object();
	if (!original)
		original = empty;
	if (!current)
		current = empty;
	cap_value *change = NULL, *del = NULL;
	int rc = cap_merge_patch_create(&change, current, modified);
	if (!rc)
		rc = cap_merge_patch_create(&del, original, modified);
	if (!rc && (!cap_value_is_object(change) || !cap_value_is_object(del)))
		rc = cap_error_set(CAP_EINVALID, "three-way merge patch needs JSON objects");
	if (!rc) {
		cap_value *adds = filter_nulls(change, false);
		cap_value *dels = filter_nulls(del, true);
		cap_value *patch = NULL;
		rc = cap_merge_patch_apply(&patch, dels, adds);
		/* applying removes nothing here (adds holds no null), so deletions stay */
		if (!rc)
			*out = patch;
		cap_value_free(adds);
		cap_value_free(dels);
	}
	cap_value_free(change);
	cap_value_free(del);
	cap_value_free(empty);
	return rc;
}

void cap_kube_apply_message(cap_buf *out, const cap_value *obj, cap_kube_apply_result result,
			    bool dry_run)
{
	static const char *const verbs[] = {"created", "configured", "unchanged",
					    "serverside-applied", "replaced"};
	const char *api_version = cap_value_get_string(cap_value_object_get(obj, "apiVersion"));
	const char *kind = cap_value_get_string(cap_value_object_get(obj, "kind"));
	const char *name = cap_value_dig_string(obj, "metadata", "name", NULL);
	for (const char *p = kind ? kind : ""; *p; p++)
		cap_buf_putc(out, (char)tolower((unsigned char)*p));
	const char *slash = api_version ? strchr(api_version, '/') : NULL;
	if (slash)
		cap_buf_printf(out, ".%.*s", (int)(slash - api_version), api_version);
	cap_buf_printf(out, "/%s %s", name ? name : "", verbs[result]);
	if (dry_run)
		cap_buf_puts(out, " (server dry run)");
}

typedef struct apply_ctx {
	cap_kube_client *c;
	const cap_kube_apply_options *o;
	cap_kube_key key;   /* resolved */
	cap_value *desired; /* obj with its namespace filled in */
	cap_kube_write_options wo;
} apply_ctx;

/* The desired object with metadata.namespace set for namespaced kinds, as kubectl sets it. */
static int prepare(apply_ctx *a, const cap_value *obj)
{
	int rc = cap_kube_key_from_object(&a->key, obj);
	if (rc)
		return rc;
	if (!a->key.name[0])
		return cap_error_set(CAP_EINVALID, "cannot apply a '%s' without metadata.name",
				     a->key.kind);
	if (!a->key.namespace[0])
		cap_kube_key_set_member(&a->key.namespace,
					a->o->namespace ? a->o->namespace
							: cap_kube_client_config(a->c)->namespace);
	rc = cap_kube_resolve(a->c, &a->key, NULL);
	if (rc)
		return rc;
	a->desired = cap_value_deep_copy(obj);
	if (a->key.namespace[0]) {
		cap_value *meta = cap_value_object_get(a->desired, "metadata");
		if (!cap_value_object_get(meta, "namespace"))
			cap_value_object_set(meta, "namespace", cap_value_string(a->key.namespace));
	}
	a->wo.dry_run = a->o->dry_run;
	a->wo.field_manager = a->o->field_manager;
	a->wo.field_validation = a->o->field_validation;
	return 0;
}

static int create_object(apply_ctx *a, cap_value **live, const cap_value *body)
{
	return cap_kube_create(a->c, live, body, &a->wo);
}

/* Deletes the live object and waits until it is gone (kubectl --force), then creates body. */
static int recreate(apply_ctx *a, cap_value **live, const cap_value *body)
{
	if (a->o->dry_run)
		return cap_kube_create(a->c, live, body,
				       &(cap_kube_write_options){.dry_run = true});
	cap_kube_delete_options d = {.propagation_policy = "Foreground"};
	int rc = cap_kube_delete(a->c, &a->key, &d);
	if (rc && rc != CAP_ENOTFOUND)
		return rc;
	cap_deadline dl = cap_deadline_in_ms(RECREATE_WAIT_MS);
	for (;;) {
		cap_value *v = NULL;
		rc = cap_kube_get(a->c, &v, &a->key);
		cap_value_free(v);
		if (rc == CAP_ENOTFOUND)
			break;
		if (rc)
			return rc;
		if (cap_deadline_expired(dl)) {
			cap_buf k = CAP_BUF_INIT;
			cap_kube_key_format(&a->key, &k);
			rc = cap_error_set(CAP_ETIMEOUT, "timed out waiting for '%s' to be deleted",
					   k.ptr);
			cap_buf_release(&k);
			return rc;
		}
		cap_time_sleep_ms(50);
	}
	cap_error_clear();
	return create_object(a, live, body);
}

static int client_side(apply_ctx *a, cap_value **live_out, cap_kube_apply_result *result)
{
	cap_value *modified = with_annotation(a->desired);
	const cap_schema *schema = a->o->schema;
	if (!schema && cap_schema_default(&schema) != 0) {
		schema = NULL;
		cap_error_clear();
	}
	const char *api_version =
	    cap_value_get_string(cap_value_object_get(a->desired, "apiVersion"));
	const cap_schema_type *type =
	    schema ? cap_schema_lookup(schema, api_version, a->key.kind) : NULL;
	int rc = 0;
	for (int attempt = 0; attempt < MAX_PATCH_RETRIES; attempt++) {
		cap_value *live = NULL;
		rc = cap_kube_get(a->c, &live, &a->key);
		if (rc == CAP_ENOTFOUND) {
			cap_error_clear();
			rc = create_object(a, live_out, modified);
			*result = CAP_KUBE_APPLY_CREATED;
			break;
		}
		if (rc)
			break;
		const char *last = cap_value_dig_string(live, "metadata", "annotations",
							CAP_KUBE_LAST_APPLIED_ANNOTATION, NULL);
		cap_value *original = NULL;
		if (last && *last &&
		    cap_json_parse(&original, last, strlen(last), NULL, NULL) != 0) {
			cap_error_clear();
			original =
			    NULL; /* kubectl fails here; an unreadable annotation is ignored */
		}
		cap_value *patch = NULL;
		cap_kube_patch_type ptype = CAP_KUBE_PATCH_STRATEGIC;
		rc = cap_strategic_create_three_way(&patch, original, modified, live, type);
		if (rc == CAP_EUNSUPPORTED) {
			cap_error_clear();
			ptype = CAP_KUBE_PATCH_MERGE;
			rc = cap_kube_three_way_merge_patch(&patch, original, modified, live);
		}
		cap_value_free(original);
		if (rc) {
			cap_value_free(live);
			break;
		}
		if (cap_value_object_len(patch) == 0) {
			*result = CAP_KUBE_APPLY_UNCHANGED;
			if (live_out)
				*live_out = cap_value_ref(live);
			cap_value_free(patch);
			cap_value_free(live);
			break;
		}
		cap_value_free(live);
		rc = cap_kube_patch(a->c, live_out, &a->key, ptype, patch, &a->wo);
		cap_value_free(patch);
		*result = CAP_KUBE_APPLY_CONFIGURED;
		if (rc == CAP_ECONFLICT)
			continue; /* someone wrote in between: read again and recompute */
		if (rc && a->o->force && (rc == CAP_EINVALID || rc == CAP_ECONFLICT)) {
			rc = recreate(a, live_out, modified);
			*result = CAP_KUBE_APPLY_REPLACED;
		}
		break;
	}
	cap_value_free(modified);
	return rc;
}

static int server_side(apply_ctx *a, cap_value **live_out, cap_kube_apply_result *result)
{
	a->wo.force = a->o->force;
	if (!a->wo.field_manager)
		a->wo.field_manager = CAP_KUBE_DEFAULT_FIELD_MANAGER;
	*result = CAP_KUBE_APPLY_SERVERSIDE;
	return cap_kube_patch(a->c, live_out, &a->key, CAP_KUBE_PATCH_APPLY, a->desired, &a->wo);
}

static int replace(apply_ctx *a, cap_value **live_out, cap_kube_apply_result *result)
{
	cap_value *live = NULL;
	int rc = cap_kube_get(a->c, &live, &a->key);
	if (rc == CAP_ENOTFOUND) {
		cap_error_clear();
		*result = CAP_KUBE_APPLY_CREATED;
		return create_object(a, live_out, a->desired);
	}
	if (rc)
		return rc;
	/* kubectl replace keeps an existing last-applied annotation up to date */
	bool annotated = cap_value_dig(live, "metadata", "annotations",
				       CAP_KUBE_LAST_APPLIED_ANNOTATION, NULL) != NULL;
	cap_value_free(live);
	cap_value *body = annotated ? with_annotation(a->desired) : cap_value_ref(a->desired);
	*result = CAP_KUBE_APPLY_REPLACED;
	if (a->o->force)
		rc = recreate(a, live_out, body);
	else
		rc = cap_kube_update(a->c, live_out, body, &a->wo);
	cap_value_free(body);
	return rc;
}

int cap_kube_apply(cap_kube_client *c, cap_value **out_live, cap_kube_apply_result *out_result,
		   const cap_value *obj, const cap_kube_apply_options *opts)
{
	static const cap_kube_apply_options none;
	apply_ctx a = {.c = c, .o = opts ? opts : &none, .key = CAP_KUBE_KEY_INIT};
	cap_value *live = NULL;
	cap_kube_apply_result result = CAP_KUBE_APPLY_UNCHANGED;
	int rc = prepare(&a, obj);
	if (!rc) {
		switch (a.o->mode) {
		case CAP_KUBE_APPLY_SERVER:
			rc = server_side(&a, &live, &result);
			break;
		case CAP_KUBE_APPLY_REPLACE:
			rc = replace(&a, &live, &result);
			break;
		default:
			rc = client_side(&a, &live, &result);
		}
	}
	if (!rc) {
		if (out_live)
			*out_live = live;
		else
			cap_value_free(live);
		if (out_result)
			*out_result = result;
	} else {
		cap_value_free(live);
	}
	cap_value_free(a.desired);
	cap_kube_key_release(&a.key);
	return rc;
}
