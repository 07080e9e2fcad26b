/* Sync waves: reading the sync-wave annotation with Helm's hook-weight as the fallback. */
#include "sync/wave.h"

#include <errno.h>
#include <stdlib.h>

#include "base/buf.h"
#include "base/error.h"
#include "kube/key.h"
#include "sync/hook.h"
#include "sync/sync.h"

/* Go's strconv.Atoi: optional sign, decimal digits, nothing else. */
static int parse_int(int64_t *out, const char *s)
{
	const char *p = s;
	if (*p == '+' || *p == '-')
		p++;
	if (*p < '0' || *p > '9')
		return -1;
	for (const char *q = p; *q; q++)
		if (*q < '0' || *q > '9')
			return -1;
	errno = 0;
	long long v = strtoll(s, NULL, 10);
	if (errno)
		return -1;
	*out = v;
	return 0;
}

int cap_sync_wave_of(int64_t *out, const cap_value *obj)
{
	const char *wave =
	    cap_value_dig_string(obj, "metadata", "annotations", CAP_SYNC_WAVE_ANNOTATION, NULL);
	int64_t v = 0;
	if (wave) {
		if (parse_int(&v, wave)) {
			cap_kube_key k = CAP_KUBE_KEY_INIT;
			cap_buf name = CAP_BUF_INIT;
			if (!cap_kube_key_from_object(&k, obj))
				cap_kube_key_format(&k, &name);
			cap_error_set(CAP_EINVALID, "invalid sync wave '%s' on '%s'", wave,
				      name.ptr);
			cap_buf_release(&name);
			cap_kube_key_release(&k);
			return CAP_EINVALID;
		}
		*out = v;
		return 0;
	}
	const char *weight = cap_value_dig_string(obj, "metadata", "annotations",
						  CAP_SYNC_HELM_HOOK_WEIGHT_ANNOTATION, NULL);
	if (!weight || parse_int(&v, weight))
		v = 0;
	*out = v;
	return 0;
}
