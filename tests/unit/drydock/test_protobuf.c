/* Tests for decoding the protobuf bodies of kubectl's typed commands. */
#include "cap_test.h"

#include <string.h>

#include "base/error.h"
#include "drydock/protobuf.h"

/* Appends a length-delimited field. */
static size_t field(unsigned char *out, unsigned num, const void *data, size_t len)
{
	size_t n = 0;
	out[n++] = (unsigned char)(num << 3 | 2);
	out[n++] = (unsigned char)len; /* tests keep fields under 128 bytes */
	memcpy(out + n, data, len);
	return n + len;
}

static void configmap_with_metadata_and_data(void **state)
{
	unsigned char meta[64], entry[32], obj[160], tm[48], env[256];
	size_t m = field(meta, 1, "cfg", 3);
	m += field(meta + m, 3, "team", 4);
	size_t e = field(entry, 1, "mode", 4);
	e += field(entry + e, 2, "prod", 4);
	size_t o = field(obj, 1, meta, m);
	o += field(obj + o, 2, entry, e);
	size_t t = field(tm, 1, "v1", 2);
	t += field(tm + t, 2, "ConfigMap", 9);
	memcpy(env, "k8s\0", 4);
	size_t n = 4 + field(env + 4, 1, tm, t);
	n += field(env + n, 2, obj, o);
	cap_value *v;
	assert_int_equal(dd_protobuf_decode(&v, env, n), 0);
	assert_string_equal(cap_value_dig_string(v, "kind", NULL), "ConfigMap");
	assert_string_equal(cap_value_dig_string(v, "metadata", "name", NULL), "cfg");
	assert_string_equal(cap_value_dig_string(v, "metadata", "namespace", NULL), "team");
	assert_string_equal(cap_value_dig_string(v, "data", "mode", NULL), "prod");
	cap_value_free(v);
}

static void other_kinds_are_unsupported(void **state)
{
	unsigned char tm[48], env[128];
	size_t t = field(tm, 1, "apps/v1", 7);
	t += field(tm + t, 2, "StatefulSet", 11);
	memcpy(env, "k8s\0", 4);
	size_t n = 4 + field(env + 4, 1, tm, t);
	n += field(env + n, 2, "", 0);
	cap_value *v;
	assert_int_equal(dd_protobuf_decode(&v, env, n), CAP_EUNSUPPORTED);
}

static void truncated_input_is_invalid(void **state)
{
	cap_value *v;
	const unsigned char bad[] = {'k', '8', 's', 0, 0x0a, 0x50, 0x01};
	assert_int_equal(dd_protobuf_decode(&v, bad, sizeof(bad)), CAP_EINVALID);
	assert_int_equal(dd_protobuf_decode(&v, (const unsigned char *)"json", 4), CAP_EINVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(configmap_with_metadata_and_data),
	    cmocka_unit_test(other_kinds_are_unsupported),
	    cmocka_unit_test(truncated_input_is_invalid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
