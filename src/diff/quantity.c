/* Resource quantity canonicalisation: the text a quantity reads back as on the API server. */
#include "diff/quantity.h"

#include <string.h>

typedef __int128 i128;

/* The largest magnitude kept exactly: far beyond any real quantity (2^63 * 10^9). */
#define MANTISSA_LIMIT ((i128)1 << 100)

enum fmt { FMT_DECIMAL_SI, FMT_BINARY_SI, FMT_DECIMAL_EXP };

static const struct {
	const char *suffix;
	int base2; /* power of 1024 for binary suffixes */
	int exp10; /* power of 10 for decimal suffixes */
	enum fmt fmt;
} suffixes[] = {
    {"Ki", 1, 0, FMT_BINARY_SI},  {"Mi", 2, 0, FMT_BINARY_SI},	{"Gi", 3, 0, FMT_BINARY_SI},
    {"Ti", 4, 0, FMT_BINARY_SI},  {"Pi", 5, 0, FMT_BINARY_SI},	{"Ei", 6, 0, FMT_BINARY_SI},
    {"n", 0, -9, FMT_DECIMAL_SI}, {"u", 0, -6, FMT_DECIMAL_SI}, {"m", 0, -3, FMT_DECIMAL_SI},
    {"", 0, 0, FMT_DECIMAL_SI},	  {"k", 0, 3, FMT_DECIMAL_SI},	{"M", 0, 6, FMT_DECIMAL_SI},
    {"G", 0, 9, FMT_DECIMAL_SI},  {"T", 0, 12, FMT_DECIMAL_SI}, {"P", 0, 15, FMT_DECIMAL_SI},
    {"E", 0, 18, FMT_DECIMAL_SI},
};

static const char *decimal_suffix(int exp10)
{
	static const char *const names[] = {"n", "u", "m", "", "k", "M", "G", "T", "P", "E"};
	return names[(exp10 + 9) / 3];
}

static void put_i128(cap_buf *out, i128 v)
{
	char tmp[48];
	size_t n = 0;
	bool neg = v < 0;
	if (neg)
		v = -v;
	do {
		tmp[n++] = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v);
	if (neg)
		cap_buf_putc(out, '-');
	while (n)
		cap_buf_putc(out, tmp[--n]);
}

/* mant * 10^exp with mant free of trailing zeros (mant 0 gives exp 0). */
static void strip_zeros(i128 *mant, int *exp)
{
	if (*mant == 0) {
		*exp = 0;
		return;
	}
	while (*mant % 10 == 0) {
		*mant /= 10;
		(*exp)++;
	}
}

/* Writes mant*10^exp with an exponent that is a multiple of 3, the mantissa an integer. */
static void put_decimal(cap_buf *out, i128 mant, int exp, enum fmt fmt)
{
	int e3 = exp >= 0 ? exp / 3 * 3 : -((-exp + 2) / 3) * 3;
	if (fmt == FMT_DECIMAL_SI) {
		if (e3 < -9)
			e3 = -9;
		if (e3 > 18)
			e3 = 18;
	}
	for (int i = e3; i < exp; i++)
		mant *= 10;
	put_i128(out, mant);
	if (fmt == FMT_DECIMAL_EXP) {
		if (e3 != 0)
			cap_buf_printf(out, "e%d", e3);
	} else {
		cap_buf_puts(out, decimal_suffix(e3));
	}
}

bool cap_quantity_canonical(cap_buf *out, const char *text, size_t len)
{
	size_t i = 0;
	bool neg = false, digits = false;
	i128 mant = 0;
	int exp = 0;

	if (i < len && (text[i] == '+' || text[i] == '-'))
		neg = text[i++] == '-';
	for (; i < len && text[i] >= '0' && text[i] <= '9'; i++, digits = true) {
		if (mant > MANTISSA_LIMIT)
			return false;
		mant = mant * 10 + (text[i] - '0');
	}
	if (i < len && text[i] == '.') {
		for (i++; i < len && text[i] >= '0' && text[i] <= '9'; i++, digits = true) {
			if (mant > MANTISSA_LIMIT)
				return false;
			mant = mant * 10 + (text[i] - '0');
			exp--;
		}
	}
	if (!digits)
		return false;

	enum fmt fmt = FMT_DECIMAL_SI;
	int base2 = 0;
	const char *rest = text + i;
	size_t rest_len = len - i;
	if (rest_len > 1 && (rest[0] == 'e' || rest[0] == 'E')) {
		size_t j = 1;
		bool eneg = false;
		long e = 0;
		if (j < rest_len && (rest[j] == '+' || rest[j] == '-'))
			eneg = rest[j++] == '-';
		if (j == rest_len)
			return false;
		for (; j < rest_len; j++) {
			if (rest[j] < '0' || rest[j] > '9' || e > 1000)
				return false;
			e = e * 10 + (rest[j] - '0');
		}
		exp += (int)(eneg ? -e : e);
		fmt = FMT_DECIMAL_EXP;
	} else {
		size_t k;
		for (k = 0; k < sizeof(suffixes) / sizeof(suffixes[0]); k++)
			if (strlen(suffixes[k].suffix) == rest_len &&
			    !memcmp(suffixes[k].suffix, rest, rest_len))
				break;
		if (k == sizeof(suffixes) / sizeof(suffixes[0]))
			return false;
		fmt = suffixes[k].fmt;
		base2 = suffixes[k].base2;
		exp += suffixes[k].exp10;
	}
	if (exp > 60 || exp < -60)
		return false;
	if (neg)
		mant = -mant;

	/* Binary suffixes: multiply out, and keep the binary form only for whole values >= 1024. */
	if (base2) {
		for (int b = 0; b < base2; b++) {
			if (mant > MANTISSA_LIMIT || mant < -MANTISSA_LIMIT)
				return false;
			mant *= 1024;
		}
		strip_zeros(&mant, &exp);
	}
	strip_zeros(&mant, &exp);
	/* Round up (away from zero for positives, as Kubernetes' ceiling) to nano units. */
	while (exp < -9) {
		i128 q = mant / 10;
		if (mant % 10 > 0)
			q++;
		mant = q;
		exp++;
	}
	strip_zeros(&mant, &exp);

	if (fmt == FMT_BINARY_SI) {
		i128 whole = mant;
		bool integral = exp >= 0;
		for (int e = 0; integral && e < exp; e++) {
			if (whole > MANTISSA_LIMIT || whole < -MANTISSA_LIMIT)
				return false;
			whole *= 10;
		}
		if (integral && (whole >= 1024 || whole <= -1024)) {
			static const char *const bin[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
			int k = 0;
			while (k < 6 && whole % 1024 == 0) {
				whole /= 1024;
				k++;
			}
			put_i128(out, whole);
			cap_buf_puts(out, bin[k]);
			return true;
		}
		fmt = FMT_DECIMAL_SI;
	}
	put_decimal(out, mant, exp, fmt);
	return true;
}
