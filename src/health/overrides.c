/* argocd-cm health customisations: both key forms, wildcard lookup. */
#include "health/overrides.h"

#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/error.h"
#include "base/vec.h"
#include "base/wildcard.h"
#include "value/yaml.h"

#define PREFIX "resource.customizations"

typedef CAP_VEC_OF(cap_health_override) override_vec;

static cap_health_override *get_or_add(override_vec *v, const char *key)
{
	for (size_t i = 0; i < v->len; i++)
		if (strcmp(v->items[i].key, key) == 0)
			return &v->items[i];
	CAP_VEC_PUSH(v, ((cap_health_override){cap_strdup(key), NULL, false}));
	return &v->items[v->len - 1];
}

static void set_script(cap_health_override *o, const char *script)
{
	free(o->health_lua);
	o->health_lua = script && *script ? cap_strdup(script) : NULL;
}

/* Go's strconv.ParseBool spellings. */
static int parse_bool(bool *out, const char *s)
{
	static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
	static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};
	for (size_t i = 0; i < 6; i++) {
		if (strcmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return CAP_EINVALID;
}

/* The older form: one YAML document mapping "group/Kind" to its customisations. */
static int read_old_form(override_vec *v, const char *text)
{
	cap_value *doc = NULL;
	int rc = cap_yaml_parse(&doc, text, strlen(text), PREFIX, NULL);
	if (rc)
		return rc;
	if (!cap_value_is_null(doc) && !cap_value_is_object(doc)) {
		cap_value_free(doc);
		return cap_error_set(CAP_EINVALID, "'%s' must map group/kind keys to settings",
				     PREFIX);
	}
	const char *key;
	cap_value *entry;
	CAP_VALUE_OBJECT_FOREACH(doc, key, entry)
	{
		if (!cap_value_is_object(entry))
			continue;
		const cap_value *script = cap_value_object_get(entry, "health.lua");
		const cap_value *open = cap_value_object_get(entry, "health.lua.useOpenLibs");
		if (script && !cap_value_is_string(script)) {
			cap_value_free(doc);
			return cap_error_set(CAP_EINVALID,
					     "'%s' key '%s': health.lua must be a string", PREFIX,
					     key);
		}
		cap_health_override *o = get_or_add(v, key);
		set_script(o, cap_value_get_string(script));
		o->use_open_libs = cap_value_get_bool(open);
	}
	cap_value_free(doc);
	return 0;
}

/* "group_Kind" → "group/Kind", "Kind" stays, "all" → every kind. */
static int override_key(cap_buf *out, const char *cm_key, const char *group_kind)
{
	const char *us = strchr(group_kind, '_');
	if (!*group_kind || (us && strchr(us + 1, '_')))
		return cap_error_set(CAP_EINVALID,
				     "cannot read '%s': group kind should be in format "
				     "resource.customizations.<type>.<group_kind> or "
				     "resource.customizations.<type>.<kind>",
				     cm_key);
	cap_buf_clear(out);
	if (strcmp(group_kind, "all") == 0) {
		cap_buf_puts(out, "*/*");
	} else if (us) {
		cap_buf_put(out, group_kind, (size_t)(us - group_kind));
		cap_buf_putc(out, '/');
		cap_buf_puts(out, us + 1);
	} else {
		cap_buf_puts(out, group_kind);
	}
	return 0;
}

static int read_split_key(override_vec *v, const char *cm_key, const char *value)
{
	const char *rest = cm_key + strlen(PREFIX ".");
	const char *dot = strchr(rest, '.');
	if (!dot)
		return 0; /* not a per-type key */
	size_t type_len = (size_t)(dot - rest);
	cap_buf key = CAP_BUF_INIT;
	int rc = override_key(&key, cm_key, dot + 1);
	if (rc)
		goto done;
	if (type_len == 6 && memcmp(rest, "health", 6) == 0) {
		set_script(get_or_add(v, key.ptr), value);
	} else if (type_len == 11 && memcmp(rest, "useOpenLibs", 11) == 0) {
		bool b;
		if (parse_bool(&b, value) != 0) {
			rc = cap_error_set(CAP_EINVALID, "cannot read '%s': '%s' is not a boolean",
					   cm_key, value);
			goto done;
		}
		get_or_add(v, key.ptr)->use_open_libs = b;
	} else if (!((type_len == 7 && memcmp(rest, "actions", 7) == 0) ||
		     (type_len == 17 && memcmp(rest, "ignoreDifferences", 17) == 0) ||
		     (type_len == 21 && memcmp(rest, "ignoreResourceUpdates", 21) == 0) ||
		     (type_len == 15 && memcmp(rest, "knownTypeFields", 15) == 0))) {
		rc = cap_error_set(CAP_EINVALID, "resource customization type '%.*s' not supported",
				   (int)type_len, rest);
	}
done:
	cap_buf_release(&key);
	return rc;
}

static void free_items(override_vec *v)
{
	for (size_t i = 0; i < v->len; i++) {
		free(v->items[i].key);
		free(v->items[i].health_lua);
	}
	CAP_VEC_RELEASE(v);
}

int cap_health_overrides_from_configmap(cap_health_overrides **out, const cap_value *cm)
{
	const cap_value *data = cm;
	if (cap_value_object_get(cm, "kind") || cap_value_object_get(cm, "apiVersion") ||
	    cap_value_object_get(cm, "metadata") ||
	    cap_value_is_object(cap_value_object_get(cm, "data")))
		data = cap_value_object_get(cm, "data");
	override_vec v = CAP_VEC_INIT;
	int rc = 0;
	const cap_value *old = cap_value_object_get(data, PREFIX);
	if (old) {
		if (!cap_value_is_string(old))
			rc = cap_error_set(CAP_EINVALID, "'%s' must be a string", PREFIX);
		else
			rc = read_old_form(&v, cap_value_get_string(old));
	}
	const char *key;
	cap_value *value;
	if (rc == 0 && cap_value_is_object(data)) {
		CAP_VALUE_OBJECT_FOREACH(data, key, value)
		{
			if (strncmp(key, PREFIX ".", strlen(PREFIX ".")) != 0)
				continue;
			if (!cap_value_is_string(value)) {
				rc = cap_error_set(CAP_EINVALID,
						   "argocd-cm key '%s' must be a string", key);
				break;
			}
			rc = read_split_key(&v, key, cap_value_get_string(value));
			if (rc)
				break;
		}
	}
	if (rc) {
		free_items(&v);
		return rc;
	}
	cap_health_overrides *ov = cap_calloc(1, sizeof(*ov));
	ov->items = v.items;
	ov->len = v.len;
	*out = ov;
	return 0;
}

int cap_health_overrides_load_file(cap_health_overrides **out, const char *path)
{
	cap_value *docs = NULL;
	int rc = cap_yaml_parse_file(&docs, path, NULL);
	if (rc)
		return rc;
	const cap_value *cm = cap_value_array_get(docs, 0);
	if (!cap_value_is_object(cm)) {
		cap_value_free(docs);
		return cap_error_set(CAP_EINVALID, "'%s' does not hold a ConfigMap", path);
	}
	rc = cap_health_overrides_from_configmap(out, cm);
	if (rc)
		cap_error_prefix("cannot read '%s': ", path);
	cap_value_free(docs);
	return rc;
}

void cap_health_overrides_free(cap_health_overrides *ov)
{
	if (!ov)
		return;
	override_vec v = {ov->items, ov->len, ov->len};
	free_items(&v);
	free(ov);
}

const cap_health_override *cap_health_overrides_find(const cap_health_overrides *ov,
						     const char *group, const char *kind)
{
	if (!ov)
		return NULL;
	cap_buf key = CAP_BUF_INIT;
	if (*group)
		cap_buf_printf(&key, "%s/%s", group, kind);
	else
		cap_buf_puts(&key, kind);
	const cap_health_override *found = NULL;
	for (size_t i = 0; i < ov->len && !found; i++)
		if (ov->items[i].health_lua && strcmp(ov->items[i].key, key.ptr) == 0)
			found = &ov->items[i];
	for (size_t i = 0; i < ov->len && !found; i++)
		if (ov->items[i].health_lua && cap_wildcard_match(ov->items[i].key, key.ptr))
			found = &ov->items[i];
	cap_buf_release(&key);
	return found;
}
