/* Unknown-field detection against the built-in OpenAPI schema, and managedFields bookkeeping. */
#include "drydock/fields.h"

#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/time.h"
#include "base/alloc.h"
#include "patch/ssa.h"
#include "schema/schema.h"
#include "schema/smd.h"

static void walk_unknown(const cap_schema_type *ty, const cap_value *v, cap_buf *path,
			 cap_strvec *out)
{
	if (!ty || ty->preserve_unknown_fields)
		return;
	/* opaque payloads: managedFields sets and embedded raw objects */
	if (ty->name && (strstr(ty->name, "FieldsV1") || strstr(ty->name, "RawExtension") ||
			 strstr(ty->name, "JSONSchemaProps") || strstr(ty->name, ".JSON")))
		return;
	size_t mark = path->len;
	if (cap_value_is_object(v) && ty->kind == CAP_SCHEMA_OBJECT) {
		const char *k;
		cap_value *child;
		CAP_VALUE_OBJECT_FOREACH(v, k, child)
		{
			const cap_schema_type *ct = cap_schema_field(ty, k, strlen(k));
			cap_buf_truncate(path, mark);
			cap_buf_printf(path, ".%s", k);
			if (!ct) {
				cap_strvec_push(out, path->ptr);
				continue;
			}
			walk_unknown(ct, child, path, out);
		}
	} else if (cap_value_is_array(v) && ty->kind == CAP_SCHEMA_ARRAY) {
		const cap_schema_type *it = cap_schema_items(ty);
		size_t i;
		cap_value *child;
		CAP_VALUE_ARRAY_FOREACH(v, i, child)
		{
			cap_buf_truncate(path, mark);
			cap_buf_printf(path, "[%zu]", i);
			walk_unknown(it, child, path, out);
		}
	}
	cap_buf_truncate(path, mark);
}

void dd_fields_unknown(const dd_rtype *t, const cap_value *obj, cap_strvec *out)
{
	const cap_schema *s;
	if (cap_schema_default(&s) < 0)
		return;
	char av[256];
	if (*t->group)
		snprintf(av, sizeof(av), "%s/%s", t->group, t->version);
	else
		snprintf(av, sizeof(av), "%s", t->version);
	const cap_schema_type *ty = cap_schema_lookup(s, av, t->kind);
	if (!ty)
		return;
	cap_buf path = CAP_BUF_INIT;
	walk_unknown(ty, obj, &path, out);
	cap_buf_release(&path);
}

struct cap_smd_schema *dd_fields_smd(dd_cluster *c)
{
	if (c->smd || c->smd_failed)
		return c->smd;
	cap_smd_schema *s = cap_calloc(1, sizeof(*s));
	*s = (cap_smd_schema)CAP_SMD_SCHEMA_INIT;
	char path[4096];
	snprintf(path, sizeof(path), "%s/smd-schema.yaml", c->data_dir);
	if (cap_smd_schema_load_file(s, path) < 0) {
		cap_smd_schema_release(s);
		free(s);
		c->smd_failed = true;
		return NULL;
	}
	for (size_t i = 0; i < c->reg.types.len; i++) {
		(void)i; /* CRDs admitted before the first load are added by the CRD code */
	}
	c->smd = s;
	return s;
}

void dd_fields_track(dd_cluster *c, const dd_rtype *t, cap_value *next, const cap_value *old,
		     const char *manager, const char *operation, const char *subresource)
{
	if (operation && strcmp(operation, "Apply") == 0)
		return;
	cap_smd_schema *s = dd_fields_smd(c);
	char ts[CAP_RFC3339_LEN];
	cap_time_format_rfc3339(ts, cap_time_wall_s());
	cap_ssa_options o = {
	    .manager = manager && *manager ? manager : "unknown",
	    .subresource = subresource && *subresource ? subresource : NULL,
	    .time = ts,
	};
	cap_value *out = NULL;
	if (cap_ssa_update(&out, s, old, next, &o) < 0)
		return;
	cap_value *meta = cap_value_object_get(next, "metadata");
	cap_value *mf = cap_value_dig(out, "metadata", "managedFields", NULL);
	if (cap_value_is_object(meta)) {
		if (mf)
			cap_value_object_set(meta, "managedFields", cap_value_ref(mf));
		else if (cap_value_object_get(meta, "managedFields"))
			cap_value_object_del(meta, "managedFields");
	}
	cap_value_free(out);
	(void)t;
}
