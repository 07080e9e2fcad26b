/* Server-side diff: the structured-merge schema, webhook mutations and trusted field managers. */
#include "diff/ssd.h"

#include "base/buf.h"
#include "base/error.h"
#include "diff/diff.h"
#include "patch/managed_fields.h"
#include "patch/ssa_walk.h"
#include "value/json.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pthread_mutex_t smd_lock = PTHREAD_MUTEX_INITIALIZER;
static cap_smd_schema smd_default = CAP_SMD_SCHEMA_INIT;
static bool smd_loaded;

int cap_diff_smd_default(const cap_smd_schema **out)
{
	pthread_mutex_lock(&smd_lock);
	if (!smd_loaded) {
		cap_buf tried = CAP_BUF_INIT, path = CAP_BUF_INIT;
		const char *env;
		for (int i = 0; i < 4 && !smd_loaded; i++) {
			cap_buf_clear(&path);
			if (i == 0 && (env = getenv("CAPSTAN_SMD_SCHEMA")))
				cap_buf_puts(&path, env);
			else if (i == 1 && (env = getenv("CAP_SHARED_DATA")))
				cap_buf_printf(&path, "%s/kubernetes/smd-schema.yaml", env);
			else if (i == 2)
				cap_buf_printf(&path, "%s/kubernetes/smd-schema.yaml",
					       (env = getenv("CAPSTAN_DATA_DIR"))
						   ? env
						   : "/usr/share/capstan");
			else if (i == 3)
				cap_buf_puts(&path, CAP_SOURCE_DIR
					     "/../shared/data/kubernetes/smd-schema.yaml");
			if (!path.len)
				continue;
			cap_buf_printf(&tried, "%s'%s'", tried.len ? ", " : "", path.ptr);
			if (access(path.ptr, R_OK) == 0 &&
			    cap_smd_schema_load_file(&smd_default, path.ptr) == 0)
				smd_loaded = true;
		}
		if (!smd_loaded)
			cap_error_set(CAP_ENOTFOUND, "no structured-merge schema found (tried %s)",
				      tried.ptr);
		cap_buf_release(&tried);
		cap_buf_release(&path);
	}
	bool ok = smd_loaded;
	pthread_mutex_unlock(&smd_lock);
	if (!ok)
		return CAP_ENOTFOUND;
	*out = &smd_default;
	return 0;
}

/* The value of key field name in item, or the schema's default for it. */
static const cap_value *key_value(const cap_value *item, const char *name, const cap_smd_type *et)
{
	const cap_value *v = cap_value_object_get(item, name);
	if (v)
		return v;
	const cap_smd_field *f = cap_smd_field_of(et, name, strlen(name));
	return f ? f->default_value : NULL;
}

/* The item of list a named by element ("k:{…}", "v:…", "i:N"), or NULL. */
static const cap_value *find_item(const cap_value *a, const char *element, const cap_smd_type *et)
{
	cap_value *want = NULL;
	const cap_value *found = NULL;
	size_t n = cap_value_array_len(a);
	if (!strncmp(element, "i:", 2)) {
		char *end;
		unsigned long i = strtoul(element + 2, &end, 10);
		return *end || i >= n ? NULL : cap_value_array_get(a, i);
	}
	if (strncmp(element, "k:", 2) && strncmp(element, "v:", 2))
		return NULL;
	if (cap_json_parse(&want, element + 2, strlen(element + 2), "element", NULL)) {
		cap_error_clear();
		return NULL;
	}
	for (size_t i = 0; i < n && !found; i++) {
		const cap_value *item = cap_value_array_get(a, i);
		if (element[0] == 'v') {
			if (cap_value_equal(item, want))
				found = item;
			continue;
		}
		bool match = cap_value_is_object(item);
		const char *k;
		cap_value *kv;
		CAP_VALUE_OBJECT_FOREACH(want, k, kv)
		if (match && !cap_value_equal(key_value(item, k, et), kv))
			match = false;
		if (match)
			found = item;
	}
	cap_value_free(want);
	return found;
}

cap_value *cap_diff_extract(const cap_value *v, const cap_fieldset *set, const cap_smd_type *t)
{
	if (!set || !v)
		return NULL;
	if (set->member)
		return cap_value_deep_copy(v);
	cap_value *out = NULL;
	if (cap_value_is_object(v)) {
		for (size_t i = 0; i < set->len; i++) {
			const char *el = set->kids[i].element;
			if (strncmp(el, "f:", 2))
				continue;
			const cap_value *child = cap_value_object_get(v, el + 2);
			cap_value *sub =
			    cap_diff_extract(child, set->kids[i].set,
					     cap_smd_member_type(t, el + 2, strlen(el + 2), NULL));
			if (!sub)
				continue;
			if (!out)
				out = cap_value_object();
			cap_value_object_set(out, el + 2, sub);
		}
	} else if (cap_value_is_array(v)) {
		const cap_smd_type *et = t ? t->list_element : NULL;
		for (size_t i = 0; i < set->len; i++) {
			const char *el = set->kids[i].element;
			const cap_value *item = find_item(v, el, et);
			cap_value *sub = cap_diff_extract(item, set->kids[i].set, et);
			if (!sub)
				continue;
			if (el[0] == 'k' && cap_value_is_object(sub) && t) {
				for (size_t k = 0; k < t->list_keys.len; k++) {
					const char *name = t->list_keys.items[k];
					const cap_value *kv = cap_value_object_get(item, name);
					if (kv && !cap_value_object_get(sub, name))
						cap_value_object_set(sub, name,
								     cap_value_deep_copy(kv));
				}
			}
			if (!out)
				out = cap_value_array();
			cap_value_array_append(out, sub);
		}
	}
	return out;
}

int cap_diff_remove_webhook_mutation(cap_value **out, const cap_value *pred, const cap_value *live,
				     const cap_smd_type *t)
{
	const cap_value *entries = cap_value_dig(pred, "metadata", "managedFields", NULL);
	if (cap_value_array_len(entries) == 0)
		return cap_error_set(CAP_EINVALID,
				     "predicted live for '%s' must have managedFields",
				     cap_value_dig_string(pred, "metadata", "name", NULL) ?: "");
	cap_managed_fields mf = CAP_MANAGED_FIELDS_INIT;
	int rc = cap_managed_fields_decode(&mf, entries);
	if (rc)
		return rc;
	cap_fieldset *added = cap_fieldset_new(), *modified = cap_fieldset_new(),
		     *removed = cap_fieldset_new();
	cap_ssa_walk_compare(added, modified, removed, live, pred, t);
	for (size_t i = 0; i < mf.len; i++) {
		cap_fieldset_subtract(added, mf.items[i].set);
		cap_fieldset_subtract(modified, mf.items[i].set);
		cap_fieldset_subtract(removed, mf.items[i].set);
	}
	cap_managed_fields_release(&mf);

	cap_value *result = cap_value_deep_copy(pred);
	if (!cap_fieldset_empty(added)) {
		cap_value *next = cap_ssa_walk_remove(result, added, t);
		cap_value_free(result);
		result = next;
	}
	/* Removals stay: a field gone from the answer is the apply's own deletion. */
	if (!cap_fieldset_empty(modified)) {
		cap_value *back = cap_diff_extract(live, modified, t);
		if (back) {
			cap_value *next = cap_ssa_walk_merge(result, back, t);
			cap_value_free(result);
			cap_value_free(back);
			result = next;
		}
	}
	cap_fieldset_free(added);
	cap_fieldset_free(modified);
	cap_fieldset_free(removed);
	*out = result;
	return 0;
}

/* Makes dst (an object) hold src's members. */
static void replace_members(cap_value *dst, cap_value *src)
{
	cap_value_object_clear(dst);
	const char *k;
	cap_value *v;
	CAP_VALUE_OBJECT_FOREACH(src, k, v)
	cap_value_object_setn(dst, k, cap_value_object_iter_key_len(cap__it), cap_value_ref(v));
}

void cap_diff_trust_managers(cap_value *live, cap_value *config, const char *const *managers,
			     const cap_smd_type *t)
{
	if (!live || !config || !managers || !managers[0])
		return;
	cap_managed_fields mf = CAP_MANAGED_FIELDS_INIT;
	if (cap_managed_fields_decode(&mf,
				      cap_value_dig(live, "metadata", "managedFields", NULL))) {
		cap_error_clear();
		return;
	}
	cap_fieldset *added = cap_fieldset_new(), *modified = cap_fieldset_new(),
		     *removed = cap_fieldset_new();
	cap_ssa_walk_compare(added, modified, removed, live, config, t);
	cap_fieldset *drop = cap_fieldset_new();
	for (size_t i = 0; i < mf.len; i++) {
		bool trusted = false;
		for (size_t m = 0; managers[m] && !trusted; m++)
			trusted = !strcmp(managers[m], mf.items[i].manager);
		if (!trusted)
			continue;
		cap_fieldset *inter = cap_fieldset_intersect(modified, mf.items[i].set);
		cap_fieldset_union(drop, inter);
		cap_fieldset_free(inter);
	}
	if (!cap_fieldset_empty(drop)) {
		cap_value *l = cap_ssa_walk_remove(live, drop, t);
		cap_value *c = cap_ssa_walk_remove(config, drop, t);
		replace_members(live, l);
		replace_members(config, c);
		cap_value_free(l);
		cap_value_free(c);
	}
	cap_fieldset_free(drop);
	cap_fieldset_free(added);
	cap_fieldset_free(modified);
	cap_fieldset_free(removed);
	cap_managed_fields_release(&mf);
}
