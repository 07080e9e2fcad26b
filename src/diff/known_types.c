/* knownTypeFields: remarshalling embedded built-in types inside custom resources. */
#include "diff/known_types.h"

#include "base/alloc.h"
#include "base/buf.h"
#include "base/error.h"
#include "base/strvec.h"
#include "base/vec.h"
#include "diff/normalize.h"
#include "value/yaml.h"

#include <stdlib.h>
#include <string.h>

typedef struct known_field {
	char *group, *kind;
	cap_strvec path;
	const cap_schema_type *type;
} known_field;

struct cap_diff_known_types {
	const cap_schema *schema;
	CAP_VEC_OF(known_field) fields;
};

/* "core/v1/PodSpec" as an OpenAPI definition name ("io.k8s.api.core.v1.PodSpec"). */
static const cap_schema_type *resolve(const cap_schema *schema, const char *type)
{
	cap_strvec parts = CAP_STRVEC_INIT;
	cap_buf name = CAP_BUF_INIT;
	const cap_schema_type *t = NULL;
	cap_strvec_split(&parts, type, '/', false);
	if (parts.len == 3) {
		const char *group = parts.items[0];
		if (!strcmp(group, "meta"))
			cap_buf_printf(&name, "io.k8s.apimachinery.pkg.apis.meta.%s.%s",
				       parts.items[1], parts.items[2]);
		else if (!strcmp(group, "apiextensions.k8s.io"))
			cap_buf_printf(
			    &name, "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.%s.%s",
			    parts.items[1], parts.items[2]);
		else
			/* the package is the group's first label: rbac.authorization.k8s.io → rbac
			 */
			cap_buf_printf(&name, "io.k8s.api.%.*s.%s.%s", (int)strcspn(group, "."),
				       group, parts.items[1], parts.items[2]);
		t = cap_schema_definition(schema, name.ptr);
	}
	cap_strvec_release(&parts);
	cap_buf_release(&name);
	return t;
}

cap_diff_known_types *cap_diff_known_types_new(const cap_schema *schema)
{
	cap_diff_known_types *kt = cap_calloc(1, sizeof(*kt));
	if (!schema && cap_schema_default(&schema)) {
		cap_error_clear();
		schema = NULL;
	}
	kt->schema = schema;
	if (cap_diff_known_types_add(kt, "argoproj.io", "Rollout", "spec.template.spec",
				     "core/v1/PodSpec"))
		cap_error_clear(); /* no schema: nothing is known */
	return kt;
}

void cap_diff_known_types_free(cap_diff_known_types *kt)
{
	if (!kt)
		return;
	for (size_t i = 0; i < kt->fields.len; i++) {
		free(kt->fields.items[i].group);
		free(kt->fields.items[i].kind);
		cap_strvec_release(&kt->fields.items[i].path);
	}
	CAP_VEC_RELEASE(&kt->fields);
	free(kt);
}

int cap_diff_known_types_add(cap_diff_known_types *kt, const char *group, const char *kind,
			     const char *field, const char *type)
{
	const cap_schema_type *t = kt->schema ? resolve(kt->schema, type) : NULL;
	if (!t)
		return cap_error_set(CAP_ENOTFOUND, "unknown type '%s' for field '%s'", type,
				     field);
	known_field f = {cap_strdup(group ? group : ""), cap_strdup(kind), CAP_STRVEC_INIT, t};
	cap_strvec_split(&f.path, field, '.', true);
	CAP_VEC_PUSH(&kt->fields, f);
	return 0;
}

int cap_diff_known_types_add_argocd_cm(cap_diff_known_types *kt, const cap_value *configmap)
{
	static const char prefix[] = "resource.customizations.knownTypeFields.";
	const cap_value *data = cap_value_object_get(configmap, "data");
	if (!data)
		data = configmap;
	const char *key;
	cap_value *v;
	int rc = 0;
	CAP_VALUE_OBJECT_FOREACH(data, key, v)
	{
		if (strncmp(key, prefix, sizeof(prefix) - 1) || !cap_value_is_string(v))
			continue;
		const char *gk = key + sizeof(prefix) - 1, *sep = strrchr(gk, '_');
		char *group = sep ? cap_strndup(gk, (size_t)(sep - gk)) : cap_strdup("");
		cap_value *list = NULL;
		rc = cap_yaml_parse(&list, cap_value_get_string(v), cap_value_string_len(v), key,
				    NULL);
		for (size_t i = 0; !rc && i < cap_value_array_len(list); i++) {
			const cap_value *e = cap_value_array_get(list, i);
			const char *field = cap_value_dig_string(e, "field", NULL);
			const char *type = cap_value_dig_string(e, "type", NULL);
			rc = field && type
				 ? cap_diff_known_types_add(kt, group, sep ? sep + 1 : gk, field,
							    type)
				 : cap_error_set(CAP_EINVALID, "entry %zu needs field and type", i);
		}
		free(group);
		cap_value_free(list);
		if (rc)
			return cap_error_prefix("cannot read argocd-cm key '%s': ", key);
	}
	return 0;
}

static void remarshal_at(cap_value *v, const known_field *f, size_t depth)
{
	if (cap_value_is_array(v)) {
		cap_value *item;
		size_t i;
		CAP_VALUE_ARRAY_FOREACH(v, i, item)
		remarshal_at(item, f, depth);
		return;
	}
	if (depth == f->path.len) {
		cap_diff_remarshal(v, true, f->type);
		return;
	}
	remarshal_at(cap_value_object_get(v, f->path.items[depth]), f, depth + 1);
}

void cap_diff_known_types_apply(const cap_diff_known_types *kt, cap_value *obj)
{
	const char *av = cap_value_dig_string(obj, "apiVersion", NULL);
	const char *kind = cap_value_dig_string(obj, "kind", NULL);
	const char *slash = av ? strchr(av, '/') : NULL;
	size_t glen = slash ? (size_t)(slash - av) : 0;
	for (size_t i = 0; kt && kind && i < kt->fields.len; i++) {
		const known_field *f = &kt->fields.items[i];
		if (strcmp(f->kind, kind) || strlen(f->group) != glen ||
		    (glen && memcmp(f->group, av, glen)))
			continue;
		remarshal_at(obj, f, 0);
	}
}
