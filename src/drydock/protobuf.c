/* A small protobuf wire-format reader and the field numbers of ObjectMeta, ConfigMap, Secret, Namespace and ServiceAccount. */
#include "drydock/protobuf.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "base/buf.h"
#include "base/error.h"

typedef struct pb {
	const unsigned char *p, *end;
} pb;

typedef struct pb_field {
	uint32_t num;
	uint32_t wire;
	uint64_t varint;
	const unsigned char *data;
	size_t len;
} pb_field;

static bool varint(pb *r, uint64_t *out)
{
	uint64_t v = 0;
	for (int shift = 0; shift < 64 && r->p < r->end; shift += 7) {
		unsigned char b = *r->p++;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*out = v;
			return true;
		}
	}
	return false;
}

/* Reads the next field; false at the end, *err set on malformed input. */
static bool next(pb *r, pb_field *f, bool *err)
{
	if (r->p >= r->end)
		return false;
	uint64_t key;
	if (!varint(r, &key)) {
		*err = true;
		return false;
	}
	f->num = (uint32_t)(key >> 3);
	f->wire = (uint32_t)(key & 7);
	switch (f->wire) {
	case 0:
		if (!varint(r, &f->varint))
			goto bad;
		return true;
	case 1:
		if (r->end - r->p < 8)
			goto bad;
		r->p += 8;
		return true;
	case 5:
		if (r->end - r->p < 4)
			goto bad;
		r->p += 4;
		return true;
	case 2: {
		uint64_t n;
		if (!varint(r, &n) || n > (uint64_t)(r->end - r->p))
			goto bad;
		f->data = r->p;
		f->len = (size_t)n;
		r->p += n;
		return true;
	}
	default:
		goto bad;
	}
bad:
	*err = true;
	return false;
}

static cap_value *str(const pb_field *f)
{
	return cap_value_stringn((const char *)f->data, f->len);
}

static cap_value *b64(const pb_field *f)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	cap_buf b = CAP_BUF_INIT;
	const unsigned char *s = f->data;
	size_t len = f->len;
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)s[i] << 16;
		if (i + 1 < len)
			v |= (unsigned)s[i + 1] << 8;
		if (i + 2 < len)
			v |= s[i + 2];
		cap_buf_putc(&b, t[(v >> 18) & 63]);
		cap_buf_putc(&b, t[(v >> 12) & 63]);
		cap_buf_putc(&b, i + 1 < len ? t[(v >> 6) & 63] : '=');
		cap_buf_putc(&b, i + 2 < len ? t[v & 63] : '=');
	}
	cap_value *out = cap_value_stringn(b.ptr, b.len);
	cap_buf_release(&b);
	return out;
}

/* A map<string,string|bytes> entry into obj. */
static bool map_entry(cap_value *obj, const pb_field *f, bool bytes)
{
	pb r = {f->data, f->data + f->len};
	pb_field e;
	bool err = false;
	cap_value *key = NULL, *val = NULL;
	while (next(&r, &e, &err)) {
		if (e.wire != 2)
			continue;
		if (e.num == 1) {
			cap_value_free(key);
			key = str(&e);
		} else if (e.num == 2) {
			cap_value_free(val);
			val = bytes ? b64(&e) : str(&e);
		}
	}
	if (err || !key) {
		cap_value_free(key);
		cap_value_free(val);
		return false;
	}
	cap_value_object_set(obj, cap_value_get_string(key), val ? val : cap_value_string(""));
	cap_value_free(key);
	return true;
}

static cap_value *map_member(cap_value *o, const char *key)
{
	cap_value *m = cap_value_object_get(o, key);
	if (!m) {
		m = cap_value_object();
		cap_value_object_set(o, key, m);
	}
	return m;
}

static cap_value *array_member(cap_value *o, const char *key)
{
	cap_value *m = cap_value_object_get(o, key);
	if (!m) {
		m = cap_value_array();
		cap_value_object_set(o, key, m);
	}
	return m;
}

static bool object_meta(cap_value *meta, const unsigned char *d, size_t n)
{
	pb r = {d, d + n};
	pb_field f;
	bool err = false;
	while (next(&r, &f, &err)) {
		if (f.wire == 2 && f.num == 1)
			cap_value_object_set(meta, "name", str(&f));
		else if (f.wire == 2 && f.num == 2)
			cap_value_object_set(meta, "generateName", str(&f));
		else if (f.wire == 2 && f.num == 3)
			cap_value_object_set(meta, "namespace", str(&f));
		else if (f.wire == 2 && f.num == 6)
			cap_value_object_set(meta, "resourceVersion", str(&f));
		else if (f.wire == 2 && f.num == 11 && !map_entry(map_member(meta, "labels"), &f, false))
			return false;
		else if (f.wire == 2 && f.num == 12 &&
			 !map_entry(map_member(meta, "annotations"), &f, false))
			return false;
		else if (f.wire == 2 && f.num == 14)
			cap_value_array_append(array_member(meta, "finalizers"), str(&f));
	}
	return !err;
}

static int decode_object(cap_value *obj, const char *kind, const unsigned char *d, size_t n)
{
	pb r = {d, d + n};
	pb_field f;
	bool err = false;
	bool cm = strcmp(kind, "ConfigMap") == 0, secret = strcmp(kind, "Secret") == 0;
	bool ns = strcmp(kind, "Namespace") == 0, sa = strcmp(kind, "ServiceAccount") == 0;
	if (!cm && !secret && !ns && !sa)
		return cap_error_set(CAP_EUNSUPPORTED, "protobuf bodies of kind '%s'", kind);
	while (next(&r, &f, &err)) {
		if (f.num == 1 && f.wire == 2) {
			cap_value *meta = map_member(obj, "metadata");
			if (!object_meta(meta, f.data, f.len))
				return cap_error_set(CAP_EINVALID, "malformed object metadata");
		} else if (cm && f.wire == 2 && (f.num == 2 || f.num == 3)) {
			if (!map_entry(map_member(obj, f.num == 2 ? "data" : "binaryData"), &f,
				       f.num == 3))
				return cap_error_set(CAP_EINVALID, "malformed map entry");
		} else if (cm && f.num == 4 && f.wire == 0) {
			cap_value_object_set(obj, "immutable", cap_value_bool(f.varint != 0));
		} else if (secret && f.wire == 2 && (f.num == 2 || f.num == 4)) {
			if (!map_entry(map_member(obj, f.num == 2 ? "data" : "stringData"), &f,
				       f.num == 2))
				return cap_error_set(CAP_EINVALID, "malformed map entry");
		} else if (secret && f.num == 3 && f.wire == 2) {
			cap_value_object_set(obj, "type", str(&f));
		} else if (secret && f.num == 5 && f.wire == 0) {
			cap_value_object_set(obj, "immutable", cap_value_bool(f.varint != 0));
		} else if (ns && f.num == 2 && f.wire == 2) {
			cap_value *spec = map_member(obj, "spec");
			pb s = {f.data, f.data + f.len};
			pb_field g;
			while (next(&s, &g, &err))
				if (g.num == 1 && g.wire == 2)
					cap_value_array_append(array_member(spec, "finalizers"),
							       str(&g));
		} else if (sa && f.num == 4 && f.wire == 0) {
			cap_value_object_set(obj, "automountServiceAccountToken",
					     cap_value_bool(f.varint != 0));
		}
	}
	return err ? cap_error_set(CAP_EINVALID, "malformed protobuf body") : 0;
}

int dd_protobuf_decode(cap_value **out, const unsigned char *data, size_t len)
{
	if (len < 4 || memcmp(data, "k8s\0", 4) != 0)
		return cap_error_set(CAP_EINVALID, "missing the protobuf envelope");
	pb r = {data + 4, data + len};
	pb_field f;
	bool err = false;
	cap_value *api = NULL, *kind = NULL;
	const unsigned char *raw = NULL;
	size_t raw_len = 0;
	while (next(&r, &f, &err)) {
		if (f.num == 1 && f.wire == 2) {
			pb t = {f.data, f.data + f.len};
			pb_field g;
			while (next(&t, &g, &err)) {
				if (g.num == 1 && g.wire == 2) {
					cap_value_free(api);
					api = str(&g);
				} else if (g.num == 2 && g.wire == 2) {
					cap_value_free(kind);
					kind = str(&g);
				}
			}
		} else if (f.num == 2 && f.wire == 2) {
			raw = f.data;
			raw_len = f.len;
		}
	}
	int rc = 0;
	if (err || !kind || !raw) {
		rc = cap_error_set(CAP_EINVALID, "malformed protobuf envelope");
		goto done;
	}
	cap_value *obj = cap_value_object();
	cap_value_object_set(obj, "apiVersion", api ? cap_value_ref(api) : cap_value_string("v1"));
	cap_value_object_set(obj, "kind", cap_value_ref(kind));
	rc = decode_object(obj, cap_value_get_string(kind), raw, raw_len);
	if (rc < 0) {
		cap_value_free(obj);
		goto done;
	}
	*out = obj;
done:
	cap_value_free(api);
	cap_value_free(kind);
	return rc;
}
