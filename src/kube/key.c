/* Object keys: parsing from objects, formatting, ordering and hashing. */
#include "kube/key.h"

#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/error.h"
#include "base/hashmap.h"

char cap_kube_key__empty[1];

void cap_kube_key_init(cap_kube_key *key)
{
	*key = (cap_kube_key)CAP_KUBE_KEY_INIT;
}

static void member_free(char *s)
{
	if (s != cap_kube_key__empty)
		free(s);
}

void cap_kube_key_release(cap_kube_key *key)
{
	if (!key)
		return;
	member_free(key->group);
	member_free(key->version);
	member_free(key->kind);
	member_free(key->resource);
	member_free(key->namespace);
	member_free(key->name);
	cap_kube_key_init(key);
}

static char *member_dupn(const char *s, size_t len)
{
	return s && len ? cap_strndup(s, len) : cap_kube_key__empty;
}

void cap_kube_key_set_member(char **member, const char *value)
{
	char *old = *member;
	*member = member_dupn(value, value ? strlen(value) : 0);
	member_free(old);
}

void cap_kube_api_version_split(const char *api_version, const char **group, size_t *group_len,
				const char **version, size_t *version_len)
{
	if (!api_version)
		api_version = "";
	const char *slash = strchr(api_version, '/');
	if (slash) {
		*group = api_version;
		*group_len = (size_t)(slash - api_version);
		*version = slash + 1;
	} else {
		*group = api_version;
		*group_len = 0;
		*version = api_version;
	}
	*version_len = strlen(*version);
}

void cap_kube_key_set(cap_kube_key *out, const char *api_version, const char *kind,
		      const char *namespace, const char *name)
{
	const char *g, *v;
	size_t gl, vl;
	cap_kube_api_version_split(api_version, &g, &gl, &v, &vl);
	cap_kube_key k = CAP_KUBE_KEY_INIT;
	k.group = member_dupn(g, gl);
	k.version = member_dupn(v, vl);
	k.kind = member_dupn(kind, kind ? strlen(kind) : 0);
	k.namespace = member_dupn(namespace, namespace ? strlen(namespace) : 0);
	k.name = member_dupn(name, name ? strlen(name) : 0);
	cap_kube_key_release(out);
	*out = k;
}

void cap_kube_key_copy(cap_kube_key *out, const cap_kube_key *src)
{
	cap_kube_key k = CAP_KUBE_KEY_INIT;
	cap_kube_key_set_member(&k.group, src->group);
	cap_kube_key_set_member(&k.version, src->version);
	cap_kube_key_set_member(&k.kind, src->kind);
	cap_kube_key_set_member(&k.resource, src->resource);
	cap_kube_key_set_member(&k.namespace, src->namespace);
	cap_kube_key_set_member(&k.name, src->name);
	cap_kube_key_release(out);
	*out = k;
}

int cap_kube_key_from_object(cap_kube_key *out, const cap_value *obj)
{
	if (!cap_value_is_object(obj))
		return cap_error_set(CAP_EINVALID, "object is not a JSON object");
	const char *api_version = cap_value_get_string(cap_value_object_get(obj, "apiVersion"));
	const char *kind = cap_value_get_string(cap_value_object_get(obj, "kind"));
	if (!api_version || !*api_version)
		return cap_error_set(CAP_EINVALID, "object has no 'apiVersion'");
	if (!kind || !*kind)
		return cap_error_set(CAP_EINVALID, "object has no 'kind'");
	cap_value *meta = cap_value_object_get(obj, "metadata");
	cap_kube_key_set(out, api_version, kind,
			 cap_value_get_string(cap_value_object_get(meta, "namespace")),
			 cap_value_get_string(cap_value_object_get(meta, "name")));
	return 0;
}

void cap_kube_key_api_version(const cap_kube_key *key, cap_buf *out)
{
	if (key->group[0])
		cap_buf_printf(out, "%s/%s", key->group, key->version);
	else
		cap_buf_puts(out, key->version);
}

void cap_kube_key_format(const cap_kube_key *key, cap_buf *out)
{
	if (key->group[0])
		cap_buf_printf(out, "%s/", key->group);
	cap_buf_printf(out, "%s ", key->kind);
	if (key->namespace[0])
		cap_buf_printf(out, "%s/", key->namespace);
	cap_buf_puts(out, key->name);
}

int cap_kube_key_compare(const cap_kube_key *a, const cap_kube_key *b)
{
	int c = strcmp(a->group, b->group);
	if (!c)
		c = strcmp(a->kind, b->kind);
	if (!c)
		c = strcmp(a->namespace, b->namespace);
	if (!c)
		c = strcmp(a->name, b->name);
	return c < 0 ? -1 : c > 0;
}

bool cap_kube_key_equal(const cap_kube_key *a, const cap_kube_key *b)
{
	return cap_kube_key_compare(a, b) == 0;
}

uint64_t cap_kube_key_hash(const cap_kube_key *key)
{
	/* Members joined with a byte no name contains, so ("a","bc") and ("ab","c") differ. */
	const char *parts[] = {key->group, key->kind, key->namespace, key->name};
	char stack[512];
	size_t len = 0;
	for (size_t i = 0; i < CAP_ARRAY_SIZE(parts); i++)
		len += strlen(parts[i]) + 1;
	char *buf = len <= sizeof(stack) ? stack : cap_malloc(len);
	size_t at = 0;
	for (size_t i = 0; i < CAP_ARRAY_SIZE(parts); i++) {
		size_t n = strlen(parts[i]);
		memcpy(buf + at, parts[i], n);
		at += n;
		buf[at++] = '\x01';
	}
	uint64_t h = cap_hash_bytes(buf, at);
	if (buf != stack)
		free(buf);
	return h;
}
