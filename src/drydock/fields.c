/* Unknown-field detection against the built-in OpenAPI schema, and managedFields bookkeeping. */
#include "drydock/fields.h"

#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/time.h"
#include "schema/schema.h"

static void walk_unknown(const cap_schema_type *ty, const cap_value *v, cap_buf *path,
			 cap_strvec *out)
{
	if (!ty || ty->preserve_unknown_fields)
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

void dd_fields_track(const dd_rtype *t, cap_value *next, const cap_value *old, const char *manager,
		     const char *operation, const char *subresource)
{
	(void)t;
	(void)next;
	(void)old;
	(void)manager;
	(void)operation;
	(void)subresource;
}
