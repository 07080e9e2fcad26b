/* Fuzz target for drydock's request addressing: API paths, query strings and selectors never crash
 * and stay consistent. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "drydock/select.h"
#include "drydock/url.h"
#include "value/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_drydock_url: %s\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cap_arena a;
	cap_arena_init(&a, 0);
	/* "path?query": the path as the HTTP library hands it over, the query raw */
	char *text = cap_arena_strndup(&a, (const char *)data, size);
	if (strlen(text) != size)
		goto out;
	char *q = strchr(text, '?');
	if (q)
		*q++ = '\0';
	dd_path p;
	if (dd_path_parse(&p, text, &a) == 0) {
		check(p.group && p.version && p.ns && p.resource && p.name && p.subresource,
		      "path part left NULL");
		check(!*p.name || *p.resource, "a name without a resource");
		check(!*p.subresource || *p.name, "a subresource without a name");
	}
	dd_query qq;
	dd_query_init(&qq);
	if (q && dd_query_parse(&qq, q, strlen(q), &a) == 0) {
		dd_selector s;
		cap_value *obj = cap_value_object();
		cap_value *meta = cap_value_object();
		cap_value *labels = cap_value_object();
		cap_value_object_set(labels, "app", cap_value_string("web"));
		cap_value_object_set(meta, "labels", labels);
		cap_value_object_set(meta, "name", cap_value_string("web"));
		cap_value_object_set(obj, "metadata", meta);
		if (qq.label_selector && dd_selector_parse_labels(&s, qq.label_selector, &a) == 0)
			(void)dd_selector_match_labels(&s, obj);
		if (qq.field_selector && dd_selector_parse_fields(&s, qq.field_selector, &a) == 0) {
			(void)dd_selector_check_fields(&s, "", "pods");
			(void)dd_selector_match_fields(&s, obj);
		}
		cap_value_free(obj);
	}
out:
	cap_arena_release(&a);
	return 0;
}
