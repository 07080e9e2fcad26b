/* A small protobuf wire-format reader driven by tables of the field numbers of the kinds kubectl's
 * typed commands create. */
#include "drydock/protobuf.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "base/base64.h"
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
	if (!varint(r, &key))
		goto bad;
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

/* How a field's bytes become JSON. */
typedef enum kind {
	STR, /* string */
	INT, /* int32/int64 varint */
	BOOL,
	BYTES,	 /* bytes: base64 text */
	MSG,	 /* a nested message */
	MAP_STR, /* map<string,string> */
	MAP_B64, /* map<string,bytes> */
	MAP_QTY, /* map<string,Quantity>: Quantity is {1: string} */
	RSTR,	 /* repeated string */
	RMSG,	 /* repeated message */
	INTSTR,	 /* IntOrString: {1: type, 2: intVal, 3: strVal} */
} pb_kind;

typedef struct msg msg;
typedef struct fdesc {
	uint32_t num;
	const char *name;
	pb_kind kind;
	const msg *type;
} fdesc;
struct msg {
	const fdesc *fields;
};

#define M(x) (&(const msg){x})

static const fdesc owner_ref[] = {{1, "kind", STR, NULL},
				  {3, "name", STR, NULL},
				  {4, "uid", STR, NULL},
				  {5, "apiVersion", STR, NULL},
				  {6, "controller", BOOL, NULL},
				  {7, "blockOwnerDeletion", BOOL, NULL},
				  {0}};
static const fdesc object_meta[] = {{1, "name", STR, NULL},
				    {2, "generateName", STR, NULL},
				    {3, "namespace", STR, NULL},
				    {6, "resourceVersion", STR, NULL},
				    {11, "labels", MAP_STR, NULL},
				    {12, "annotations", MAP_STR, NULL},
				    {13, "ownerReferences", RMSG, M(owner_ref)},
				    {14, "finalizers", RSTR, NULL},
				    {0}};
static const fdesc label_req[] = {
    {1, "key", STR, NULL}, {2, "operator", STR, NULL}, {3, "values", RSTR, NULL}, {0}};
static const fdesc label_selector[] = {
    {1, "matchLabels", MAP_STR, NULL}, {2, "matchExpressions", RMSG, M(label_req)}, {0}};
static const fdesc container_port[] = {{1, "name", STR, NULL},		{2, "hostPort", INT, NULL},
				       {3, "containerPort", INT, NULL}, {4, "protocol", STR, NULL},
				       {5, "hostIP", STR, NULL},	{0}};
static const fdesc env_var[] = {{1, "name", STR, NULL}, {2, "value", STR, NULL}, {0}};
static const fdesc resources[] = {
    {1, "limits", MAP_QTY, NULL}, {2, "requests", MAP_QTY, NULL}, {0}};
static const fdesc volume_mount[] = {{1, "name", STR, NULL},
				     {2, "readOnly", BOOL, NULL},
				     {3, "mountPath", STR, NULL},
				     {4, "subPath", STR, NULL},
				     {0}};
static const fdesc container[] = {{1, "name", STR, NULL},
				  {2, "image", STR, NULL},
				  {3, "command", RSTR, NULL},
				  {4, "args", RSTR, NULL},
				  {5, "workingDir", STR, NULL},
				  {6, "ports", RMSG, M(container_port)},
				  {7, "env", RMSG, M(env_var)},
				  {8, "resources", MSG, M(resources)},
				  {9, "volumeMounts", RMSG, M(volume_mount)},
				  {14, "imagePullPolicy", STR, NULL},
				  {0}};
static const fdesc pod_spec[] = {{2, "containers", RMSG, M(container)},
				 {3, "restartPolicy", STR, NULL},
				 {4, "terminationGracePeriodSeconds", INT, NULL},
				 {6, "dnsPolicy", STR, NULL},
				 {7, "nodeSelector", MAP_STR, NULL},
				 {8, "serviceAccountName", STR, NULL},
				 {20, "initContainers", RMSG, M(container)},
				 {0}};
static const fdesc pod_template[] = {
    {1, "metadata", MSG, M(object_meta)}, {2, "spec", MSG, M(pod_spec)}, {0}};
static const fdesc rolling_update[] = {
    {1, "maxUnavailable", INTSTR, NULL}, {2, "maxSurge", INTSTR, NULL}, {0}};
static const fdesc strategy[] = {
    {1, "type", STR, NULL}, {2, "rollingUpdate", MSG, M(rolling_update)}, {0}};
static const fdesc deployment_spec[] = {{1, "replicas", INT, NULL},
					{2, "selector", MSG, M(label_selector)},
					{3, "template", MSG, M(pod_template)},
					{4, "strategy", MSG, M(strategy)},
					{5, "minReadySeconds", INT, NULL},
					{6, "revisionHistoryLimit", INT, NULL},
					{7, "paused", BOOL, NULL},
					{9, "progressDeadlineSeconds", INT, NULL},
					{0}};
static const fdesc ns_spec[] = {{1, "finalizers", RSTR, NULL}, {0}};

static const fdesc deployment[] = {
    {1, "metadata", MSG, M(object_meta)}, {2, "spec", MSG, M(deployment_spec)}, {0}};
static const fdesc configmap[] = {{1, "metadata", MSG, M(object_meta)},
				  {2, "data", MAP_STR, NULL},
				  {3, "binaryData", MAP_B64, NULL},
				  {4, "immutable", BOOL, NULL},
				  {0}};
static const fdesc secret[] = {
    {1, "metadata", MSG, M(object_meta)}, {2, "data", MAP_B64, NULL},	{3, "type", STR, NULL},
    {4, "stringData", MAP_STR, NULL},	  {5, "immutable", BOOL, NULL}, {0}};
static const fdesc namespace_[] = {
    {1, "metadata", MSG, M(object_meta)}, {2, "spec", MSG, M(ns_spec)}, {0}};
static const fdesc service_account[] = {
    {1, "metadata", MSG, M(object_meta)}, {4, "automountServiceAccountToken", BOOL, NULL}, {0}};

static const struct {
	const char *kind;
	const fdesc *fields;
} kinds[] = {
    {"ConfigMap", configmap},	{"Secret", secret},
    {"Namespace", namespace_},	{"ServiceAccount", service_account},
    {"Deployment", deployment},
};

static cap_value *str(const pb_field *f)
{
	return cap_value_stringn((const char *)f->data, f->len);
}

/* A bytes field as JSON shows it: standard base64 text. */
static cap_value *b64(const unsigned char *s, size_t len)
{
	cap_buf b = CAP_BUF_INIT;
	cap_base64_encode(&b, s, len);
	cap_value *out = cap_value_stringn(b.ptr, b.len);
	cap_buf_release(&b);
	return out;
}

static bool decode(cap_value *obj, const fdesc *fields, const unsigned char *d, size_t n,
		   int depth);

/* The value of one map entry message {1: key, 2: value}. */
static bool map_entry(cap_value *map, const pb_field *f, pb_kind k)
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
			if (k == MAP_B64) {
				val = b64(e.data, e.len);
			} else if (k == MAP_QTY) {
				pb q = {e.data, e.data + e.len};
				pb_field g;
				val = NULL;
				while (next(&q, &g, &err))
					if (g.num == 1 && g.wire == 2) {
						cap_value_free(val);
						val = str(&g);
					}
			} else {
				val = str(&e);
			}
		}
	}
	if (err || !key) {
		cap_value_free(key);
		cap_value_free(val);
		return false;
	}
	cap_value_object_set(map, cap_value_get_string(key), val ? val : cap_value_string(""));
	cap_value_free(key);
	return true;
}

static cap_value *member(cap_value *o, const char *key, bool array)
{
	cap_value *m = cap_value_object_get(o, key);
	if (!m) {
		m = array ? cap_value_array() : cap_value_object();
		cap_value_object_set(o, key, m);
	}
	return m;
}

static bool int_or_string(cap_value *obj, const char *name, const pb_field *f)
{
	pb r = {f->data, f->data + f->len};
	pb_field g;
	bool err = false;
	uint64_t type = 0, iv = 0;
	cap_value *sv = NULL;
	while (next(&r, &g, &err)) {
		if (g.num == 1 && g.wire == 0)
			type = g.varint;
		else if (g.num == 2 && g.wire == 0)
			iv = g.varint;
		else if (g.num == 3 && g.wire == 2) {
			cap_value_free(sv);
			sv = str(&g);
		}
	}
	if (type == 1)
		cap_value_object_set(obj, name, sv ? sv : cap_value_string(""));
	else {
		cap_value_free(sv);
		cap_value_object_set(obj, name, cap_value_int((int32_t)iv));
	}
	return !err;
}

static bool pointer_int(const char *name)
{
	static const char *const names[] = {"replicas", "revisionHistoryLimit",
					    "progressDeadlineSeconds",
					    "terminationGracePeriodSeconds", NULL};
	for (const char *const *n = names; *n; n++)
		if (strcmp(*n, name) == 0)
			return true;
	return false;
}

static bool decode(cap_value *obj, const fdesc *fields, const unsigned char *d, size_t n, int depth)
{
	if (depth > 16)
		return false;
	pb r = {d, d + n};
	pb_field f;
	bool err = false;
	while (next(&r, &f, &err)) {
		const fdesc *fd = NULL;
		for (const fdesc *x = fields; x->name; x++)
			if (x->num == f.num)
				fd = x;
		if (!fd)
			continue;
		bool varint_kind = fd->kind == INT || fd->kind == BOOL;
		if (varint_kind != (f.wire == 0))
			return false;
		/* Go's encoder writes zero values of plain fields, which JSON omits; pointer
		 * fields (replicas and friends) are written only when set, zero included */
		switch (fd->kind) {
		case STR:
			if (f.len)
				cap_value_object_set(obj, fd->name, str(&f));
			break;
		case INT:
			if (f.varint || pointer_int(fd->name))
				cap_value_object_set(obj, fd->name,
						     cap_value_int((int64_t)f.varint));
			break;
		case BOOL:
			if (f.varint)
				cap_value_object_set(obj, fd->name, cap_value_bool(true));
			break;
		case BYTES:
			cap_value_object_set(obj, fd->name, b64(f.data, f.len));
			break;
		case MSG:
			if (!decode(member(obj, fd->name, false), fd->type->fields, f.data, f.len,
				    depth + 1))
				return false;
			break;
		case MAP_STR:
		case MAP_B64:
		case MAP_QTY:
			if (!map_entry(member(obj, fd->name, false), &f, fd->kind))
				return false;
			break;
		case RSTR:
			cap_value_array_append(member(obj, fd->name, true), str(&f));
			break;
		case RMSG: {
			cap_value *item = cap_value_object();
			cap_value_array_append(member(obj, fd->name, true), item);
			if (!decode(item, fd->type->fields, f.data, f.len, depth + 1))
				return false;
			break;
		}
		case INTSTR:
			if (!int_or_string(obj, fd->name, &f))
				return false;
			break;
		}
	}
	return !err;
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
	const fdesc *fields = NULL;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i].kind, cap_value_get_string(kind)) == 0)
			fields = kinds[i].fields;
	if (!fields) {
		rc = cap_error_set(CAP_EUNSUPPORTED, "protobuf bodies of kind '%s'",
				   cap_value_get_string(kind));
		goto done;
	}
	cap_value *obj = cap_value_object();
	cap_value_object_set(obj, "apiVersion", api ? cap_value_ref(api) : cap_value_string("v1"));
	cap_value_object_set(obj, "kind", cap_value_ref(kind));
	if (!decode(obj, fields, raw, raw_len, 0)) {
		cap_value_free(obj);
		rc = cap_error_set(CAP_EINVALID, "malformed protobuf body");
		goto done;
	}
	*out = obj;
done:
	cap_value_free(api);
	cap_value_free(kind);
	return rc;
}
