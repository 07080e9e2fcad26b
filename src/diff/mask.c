/* HideSecretData: consistent '+' masks for Secret values on every side of a diff. */
#include "diff/mask.h"

#include "base/alloc.h"
#include "base/buf.h"
#include "base/error.h"
#include "base/hashmap.h"
#include "base/strvec.h"
#include "diff/diff.h"
#include "diff/normalize.h"
#include "value/json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

bool cap_diff_is_secret(const cap_value *obj)
{
	const char *av = cap_value_dig_string(obj, "apiVersion", NULL);
	const char *kind = cap_value_dig_string(obj, "kind", NULL);
	return av && kind && !strchr(av, '/') && !strcmp(kind, "Secret");
}

/* The map at data (or metadata.annotations) of obj; NULL when absent. */
static cap_value *section(cap_value *obj, bool annotations)
{
	if (!obj)
		return NULL;
	cap_value *m = annotations ? cap_value_dig(obj, "metadata", "annotations", NULL)
				   : cap_value_object_get(obj, "data");
	return cap_value_is_object(m) ? m : NULL;
}

/* Masks key in each of objs' sections; equal texts share a mask. */
static void hide_key(cap_value *objs[3], const char *key, bool annotations)
{
	cap_hashmap masks = CAP_HASHMAP_INIT; /* value text -> mask length */
	size_t next = 8;
	for (int i = 0; i < 3; i++) {
		cap_value *m = section(objs[i], annotations);
		cap_value *v = m ? cap_value_object_get(m, key) : NULL;
		if (!v)
			continue;
		char *text = cap_value_is_string(v) ? cap_strdup(cap_value_get_string(v))
						    : cap_json_to_string(v, CAP_JSON_SORT_KEYS);
		void *len;
		if (!cap_hashmap_find(&masks, text, strlen(text), &len)) {
			len = (void *)(uintptr_t)next;
			next += 4;
			cap_hashmap_put(&masks, text, len);
		}
		free(text);
		size_t n = (size_t)(uintptr_t)len;
		char *mask = cap_malloc(n + 1);
		memset(mask, '+', n);
		mask[n] = '\0';
		cap_value_object_set(m, key, cap_value_string(mask));
		free(mask);
	}
	cap_hashmap_release(&masks, NULL);
}

static void collect_keys(cap_strvec *keys, cap_value *objs[3])
{
	for (int i = 0; i < 3; i++) {
		cap_value *m = section(objs[i], false);
		const char *k;
		cap_value *v;
		CAP_VALUE_OBJECT_FOREACH(m, k, v)
		if (v && !cap_strvec_contains(keys, k))
			cap_strvec_push(keys, k);
	}
}

void cap_diff_hide_secret_data(cap_value *target, cap_value *live,
			       const char *const *hide_annotations)
{
	if (!cap_diff_is_secret(target) && !cap_diff_is_secret(live))
		return;
	cap_value *orig = NULL;
	const char *text =
	    cap_value_dig_string(live, "metadata", "annotations", CAP_DIFF_LAST_APPLIED, NULL);
	if (text && cap_json_parse(&orig, text, strlen(text), CAP_DIFF_LAST_APPLIED, NULL)) {
		cap_error_clear();
		orig = NULL;
	}
	if (orig && !cap_value_is_object(orig)) {
		cap_value_free(orig);
		orig = NULL;
	}
	cap_value *objs[3] = {target, live, orig};
	for (int i = 0; i < 3; i++)
		if (objs[i])
			cap_diff_normalize_kind(objs[i], false);

	cap_strvec keys = CAP_STRVEC_INIT;
	collect_keys(&keys, objs);
	for (size_t i = 0; i < keys.len; i++)
		hide_key(objs, keys.items[i], false);
	for (size_t i = 0; hide_annotations && hide_annotations[i]; i++)
		hide_key(objs, hide_annotations[i], true);
	cap_strvec_release(&keys);

	if (orig) {
		cap_value *ann = section(live, true);
		if (ann) {
			char *masked = cap_json_to_string(orig, CAP_JSON_COMPACT);
			cap_value_object_set(ann, CAP_DIFF_LAST_APPLIED, cap_value_string(masked));
			free(masked);
		}
		cap_value_free(orig);
	}
}

void cap_diff_result_hide_secrets(cap_diff_result *r)
{
	if (r)
		cap_diff_hide_secret_data(r->predicted_live, r->normalized_live, NULL);
}
