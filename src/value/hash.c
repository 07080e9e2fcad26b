/* cap_value_hash: a stable 64-bit structural hash, independent of object key order. */
#include "value/value.h"

#include <string.h>

/*
 * The algorithm, fixed so that hashes stored in caches stay valid across releases:
 *
 *   mix(x)     = the splitmix64 finalizer: x ^= x >> 30; x *= 0xbf58476d1ce4e5b9;
 *                x ^= x >> 27; x *= 0x94d049bb133111eb; x ^= x >> 31.
 *   bytes(t,s) = h = mix(t ^ (len(s) * G)), with G = 0x9e3779b97f4a7c15; then for each 8-byte
 *                block of s read little-endian, h = mix(h ^ block); a final partial block is
 *                zero-padded (the length is already in h) and folded the same way.
 *
 *   absent (NULL)  mix(0), which is 0
 *   null           mix(1)
 *   boolean b      mix(2 * G + b)
 *   number         mix(3 * G ^ bits(d)), where d is the value as a double (an integer is
 *                  converted, -0.0 becomes 0.0) and bits(d) its IEEE 754 binary64 pattern:
 *                  every pair of numbers cap_value_equal calls equal has the same d, so 1 and
 *                  1.0 hash alike
 *   string s       bytes(4, s)
 *   array          h = mix(5 * G ^ n); for each element e in order, h = mix(h ^ hash(e)) + G
 *   object         s = wrapping sum over members of mix(bytes(6, key) ^ (hash(value) * G));
 *                  mix(6 * G ^ n ^ s): the sum makes the order of keys irrelevant
 *
 * where n is the element or member count. Hashing stops at nothing: a value shared by several
 * parents is simply hashed at each place it appears.
 */

#define GOLDEN UINT64_C(0x9e3779b97f4a7c15)

static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= UINT64_C(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64_C(0x94d049bb133111eb);
	x ^= x >> 31;
	return x;
}

static uint64_t load_le64(const unsigned char *p)
{
	uint64_t w;
	memcpy(&w, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	w = __builtin_bswap64(w);
#endif
	return w;
}

static uint64_t hash_bytes(uint64_t tag, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	uint64_t h = mix(tag ^ ((uint64_t)len * GOLDEN));
	for (; len >= 8; p += 8, len -= 8)
		h = mix(h ^ load_le64(p));
	if (len) {
		uint64_t w = 0;
		for (size_t i = 0; i < len; i++)
			w |= (uint64_t)p[i] << (8 * i);
		h = mix(h ^ w);
	}
	return h;
}

uint64_t cap_value_hash(const cap_value *v)
{
	if (!v)
		return mix(0);
	switch (cap_value_kind_of(v)) {
	case CAP_VALUE_NULL:
		return mix(1);
	case CAP_VALUE_BOOL:
		return mix(2 * GOLDEN + (cap_value_get_bool(v) ? 1 : 0));
	case CAP_VALUE_INT:
	case CAP_VALUE_REAL: {
		double d = cap_value_get_real(v);
		uint64_t bits;
		if (d == 0)
			d = 0.0;
		memcpy(&bits, &d, sizeof(bits));
		return mix(3 * GOLDEN ^ bits);
	}
	case CAP_VALUE_STRING:
		return hash_bytes(4, cap_value_get_string(v), cap_value_string_len(v));
	case CAP_VALUE_ARRAY: {
		size_t n = cap_value_array_len(v);
		uint64_t h = mix(5 * GOLDEN ^ (uint64_t)n);
		for (size_t i = 0; i < n; i++)
			h = mix(h ^ cap_value_hash(cap_value_array_get(v, i))) + GOLDEN;
		return h;
	}
	case CAP_VALUE_OBJECT: {
		uint64_t sum = 0;
		for (void *it = cap_value_object_iter(v); it;
		     it = cap_value_object_iter_next(v, it)) {
			uint64_t key = hash_bytes(6, cap_value_object_iter_key(it),
						  cap_value_object_iter_key_len(it));
			sum +=
			    mix(key ^ (cap_value_hash(cap_value_object_iter_value(it)) * GOLDEN));
		}
		return mix(6 * GOLDEN ^ (uint64_t)cap_value_object_len(v) ^ sum);
	}
	}
	return mix(0);
}
