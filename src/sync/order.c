/* The order of a full sync: mirrored prune waves, PruneLast, the sort, and dependency moves. */
#include "sync/order.h"

#include <stdlib.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "base/vec.h"
#include "sync/sync.h"

static int cmp_i64(const void *pa, const void *pb)
{
	int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
	return a < b ? -1 : a > b;
}

static void mirror_prune_waves(cap_sync_step *steps, size_t n)
{
	int64_t *waves = cap_calloc(n ? n : 1, sizeof(*waves));
	size_t nw = 0;
	for (size_t i = 0; i < n; i++)
		if (steps[i].prune)
			waves[nw++] = steps[i].wave;
	qsort(waves, nw, sizeof(*waves), cmp_i64);
	size_t u = 0;
	for (size_t i = 0; i < nw; i++)
		if (!u || waves[u - 1] != waves[i])
			waves[u++] = waves[i];
	for (size_t i = 0; i < n; i++) {
		if (!steps[i].prune)
			continue;
		int64_t *hit = bsearch(&steps[i].wave, waves, u, sizeof(*waves), cmp_i64);
		steps[i].wave = waves[u - 1 - (size_t)(hit - waves)];
	}
	free(waves);
}

static void prune_last(cap_sync_step *steps, size_t n, bool all)
{
	int64_t last = 0;
	for (size_t i = 0; i < n; i++)
		if (steps[i].phase == CAP_SYNC_PHASE_SYNC && steps[i].wave > last)
			last = steps[i].wave;
	for (size_t i = 0; i < n; i++)
		if (steps[i].prune && (all || steps[i].prune_last))
			steps[i].wave = last + 1;
}

static int step_cmp(const void *pa, const void *pb)
{
	const cap_sync_step *a = pa, *b = pb;
	if (a->phase != b->phase)
		return a->phase < b->phase ? -1 : 1;
	if (a->wave != b->wave)
		return a->wave < b->wave ? -1 : 1;
	if (a->prune != b->prune)
		return a->prune ? -1 : 1;
	int sign = a->prune ? -1 : 1;
	int ra = cap_sync_kind_rank(a->key->kind), rb = cap_sync_kind_rank(b->key->kind);
	if (ra != rb)
		return sign * (ra < rb ? -1 : 1);
	int d = strcmp(a->key->name, b->key->name);
	if (d)
		return d;
	return cap_kube_key_compare(a->key, b->key);
}

/* A dependency key ("" when none) and, for the referencing side, the first step using it. */
struct ref {
	char *key;
	size_t first;
};

typedef bool (*dep_fn)(const cap_sync_step *s, cap_buf *key);

static bool namespace_dep(const cap_sync_step *s, cap_buf *key)
{
	if (strcmp(s->key->kind, "Namespace") || s->key->group[0])
		return false;
	cap_buf_puts(key, s->key->name);
	return true;
}

static bool namespace_ref(const cap_sync_step *s, cap_buf *key)
{
	cap_buf_puts(key, s->key->namespace);
	return s->key->namespace[0] != '\0';
}

static bool crd_dep(const cap_sync_step *s, cap_buf *key)
{
	if (strcmp(s->key->kind, "CustomResourceDefinition") ||
	    strcmp(s->key->group, "apiextensions.k8s.io"))
		return false;
	const char *group = cap_value_dig_string(s->target, "spec", "group", NULL);
	const char *kind = cap_value_dig_string(s->target, "spec", "names", "kind", NULL);
	if (!group || !kind)
		return false;
	cap_buf_printf(key, "%s/%s", group, kind);
	return true;
}

static bool crd_ref(const cap_sync_step *s, cap_buf *key)
{
	cap_buf_printf(key, "%s/%s", s->key->group, s->key->kind);
	return true;
}

static void adjust_deps(cap_sync_step *steps, size_t n, dep_fn is_dep, dep_fn refers)
{
	CAP_VEC_OF(struct ref) refs = CAP_VEC_INIT;
	cap_buf key = CAP_BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		if (!steps[i].target)
			continue;
		cap_buf_clear(&key);
		bool dep = is_dep(&steps[i], &key);
		if (!dep) {
			cap_buf_clear(&key);
			if (!refers(&steps[i], &key))
				continue;
		}
		struct ref *hit = NULL;
		for (size_t r = 0; r < refs.len && !hit; r++)
			if (!strcmp(refs.items[r].key, key.ptr))
				hit = &refs.items[r];
		if (!dep) {
			if (!hit)
				CAP_VEC_PUSH(&refs, ((struct ref){cap_strdup(key.ptr), i}));
			continue;
		}
		if (!hit)
			continue;
		size_t to = hit->first;
		cap_sync_step moved = steps[i];
		moved.phase = steps[to].phase;
		moved.wave = steps[to].wave;
		memmove(&steps[to + 1], &steps[to], (i - to) * sizeof(*steps));
		steps[to] = moved;
		for (size_t r = 0; r < refs.len; r++)
			if (refs.items[r].first >= to)
				refs.items[r].first++;
	}
	for (size_t r = 0; r < refs.len; r++)
		free(refs.items[r].key);
	CAP_VEC_RELEASE(&refs);
	cap_buf_release(&key);
}

void cap_sync_order(cap_sync_step *steps, size_t n, bool prune_last_all)
{
	if (!n)
		return;
	mirror_prune_waves(steps, n);
	prune_last(steps, n, prune_last_all);
	qsort(steps, n, sizeof(*steps), step_cmp);
	adjust_deps(steps, n, namespace_dep, namespace_ref);
	adjust_deps(steps, n, crd_dep, crd_ref);
}

size_t cap_sync_order_group(const cap_sync_step *steps, size_t n, size_t start)
{
	size_t end = start;
	while (end < n && steps[end].phase == steps[start].phase &&
	       steps[end].wave == steps[start].wave)
		end++;
	return end - start;
}
