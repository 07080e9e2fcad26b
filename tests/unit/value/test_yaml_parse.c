/* Tests for YAML parsing: streams, anchors and aliases, merge keys, styles, limits and error
 * positions. */
#include "cap_test.h"

#include "base/alloc.h"
#include "base/error.h"
#include "value/json.h"
#include "value/yaml.h"

#include <string.h>

/* Parses text as a stream and compares it with the JSON array want. */
static void assert_stream(const char *text, const char *want_json)
{
	cap_value *docs = NULL, *want = NULL;
	if (cap_yaml_parse_stream(&docs, text, strlen(text), "t.yaml", NULL) != 0)
		fail_msg("%s", cap_error_last());
	if (cap_json_parse(&want, want_json, strlen(want_json), "want.json", NULL) != 0)
		fail_msg("%s", cap_error_last());
	if (!cap_value_equal(docs, want)) {
		char *got = cap_json_to_string(docs, CAP_JSON_COMPACT);
		fail_msg("got %s, want %s", got, want_json);
	}
	cap_value_free(docs);
	cap_value_free(want);
}

/* Parses text as a stream, expecting code and a message containing each of the fragments. */
static void assert_error(const char *text, int code, const char *fragment, const char *fragment2)
{
	cap_value *docs = NULL;
	int rc = cap_yaml_parse_stream(&docs, text, strlen(text), "apps/web.yaml", NULL);
	if (rc != code)
		fail_msg("got code %d (%s), want %d for:\n%s", rc, cap_error_last(), code, text);
	assert_null(docs);
	if (!strstr(cap_error_last(), fragment) ||
	    (fragment2 && !strstr(cap_error_last(), fragment2)))
		fail_msg("message '%s' lacks '%s'", cap_error_last(), fragment);
}

static void block_mapping_and_sequence_read_as_objects_and_arrays(void **state)
{
	assert_stream(
	    "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    ports:\n"
	    "    - containerPort: 80\n      protocol: TCP\n",
	    "[{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"spec\":{\"containers\":[{\"name\":\"a\","
	    "\"ports\":[{\"containerPort\":80,\"protocol\":\"TCP\"}]}]}}]");
}

static void flow_style_reads_like_json(void **state)
{
	assert_stream("{a: [1, 2.5, x, \"y\"], b: {c: null}, d: []}\n",
		      "[{\"a\":[1,2.5,\"x\",\"y\"],\"b\":{\"c\":null},\"d\":[]}]");
	assert_stream("{\"a\": 1, \"b\": [true, false]}", "[{\"a\":1,\"b\":[true,false]}]");
}

static void object_key_order_is_kept(void **state)
{
	cap_value *v;
	const char *text = "z: 1\na: 2\nm: 3\n";
	assert_int_equal(cap_yaml_parse(&v, text, strlen(text), "o.yaml", NULL), 0);
	const char *order[] = {"z", "a", "m"}, *k;
	cap_value *e;
	size_t i = 0;
	CAP_VALUE_OBJECT_FOREACH(v, k, e)
	{
		(void)e;
		assert_string_equal(k, order[i++]);
	}
	cap_value_free(v);
}

static void stream_yields_one_value_per_document(void **state)
{
	assert_stream("a: 1\n---\nb: 2\n---\n- 3\n", "[{\"a\":1},{\"b\":2},[3]]");
	assert_stream("---\na: 1\n...\n---\nb: 2\n...\n", "[{\"a\":1},{\"b\":2}]");
}

static void empty_and_comment_only_documents_are_skipped(void **state)
{
	assert_stream("---\n---\na: 1\n---\n# only a comment\n---\n\n---\nnull\n---\nb: 2\n---\n",
		      "[{\"a\":1},{\"b\":2}]");
	assert_stream("", "[]");
	assert_stream("# nothing here\n", "[]");
	assert_stream("---\n", "[]");
}

static void single_document_parse_rejects_a_second_document(void **state)
{
	cap_value *v = NULL;
	const char *two = "a: 1\n---\nb: 2\n";
	assert_int_equal(cap_yaml_parse(&v, two, strlen(two), "one.yaml", NULL), CAP_EINVALID);
	assert_non_null(strstr(cap_error_last(), "'one.yaml'"));
	assert_int_equal(cap_yaml_parse(&v, "", 0, "empty.yaml", NULL), 0);
	assert_true(cap_value_is_null(v));
	cap_value_free(v);
}

static void aliases_copy_the_anchored_value(void **state)
{
	assert_stream("base: &b {x: 1, z: [1, 2]}\ncopy: *b\nname: &n web\nagain: *n\n",
		      "[{\"base\":{\"x\":1,\"z\":[1,2]},\"copy\":{\"x\":1,\"z\":[1,2]},"
		      "\"name\":\"web\",\"again\":\"web\"}]");
	/* a copy, not a shared node: changing one leaves the other alone */
	cap_value *v;
	const char *text = "a: &x {k: 1}\nb: *x\n";
	assert_int_equal(cap_yaml_parse(&v, text, strlen(text), "a.yaml", NULL), 0);
	cap_value_object_set(cap_value_object_get(v, "a"), "k", cap_value_int(2));
	assert_int_equal(cap_value_get_int(cap_value_dig(v, "b", "k", NULL)), 1);
	cap_value_free(v);
}

static void anchors_do_not_cross_documents(void **state)
{
	assert_error("a: &x 1\n---\nb: *x\n", CAP_EINVALID, "line 3 column 4",
		     "unknown anchor 'x'");
}

static void alias_can_be_a_key(void **state)
{
	assert_stream("k: &key name\n*key : v\n", "[{\"k\":\"name\",\"name\":\"v\"}]");
}

static void merge_key_takes_a_mapping(void **state)
{
	assert_stream("base: &b {a: 1, b: 2}\nx:\n  <<: *b\n  c: 3\n",
		      "[{\"base\":{\"a\":1,\"b\":2},\"x\":{\"a\":1,\"b\":2,\"c\":3}}]");
	assert_stream("x:\n  <<: {a: 1}\n  b: 2\n", "[{\"x\":{\"a\":1,\"b\":2}}]");
}

static void merge_key_takes_a_sequence_of_mappings(void **state)
{
	assert_stream("p: &p {a: 1, b: 1}\nq: &q {b: 2, c: 2}\nx:\n  <<: [*p, *q]\n",
		      "[{\"p\":{\"a\":1,\"b\":1},\"q\":{\"b\":2,\"c\":2},"
		      "\"x\":{\"a\":1,\"b\":1,\"c\":2}}]");
}

static void merge_applies_where_it_stands_as_kubectl_reads_it(void **state)
{
	/* keys after `<<` replace merged ones; merged ones replace keys before `<<` */
	assert_stream("b: &b {a: 1, c: 1}\nx:\n  <<: *b\n  a: 0\n",
		      "[{\"b\":{\"a\":1,\"c\":1},\"x\":{\"a\":0,\"c\":1}}]");
	assert_stream("b: &b {a: 1, c: 1}\nx:\n  a: 0\n  <<: *b\n",
		      "[{\"b\":{\"a\":1,\"c\":1},\"x\":{\"a\":1,\"c\":1}}]");
	/* merged keys take the place of the `<<` */
	cap_value *v;
	const char *text = "b: &b {m: 1}\nx:\n  first: 0\n  <<: *b\n  last: 2\n";
	assert_int_equal(cap_yaml_parse(&v, text, strlen(text), "o.yaml", NULL), 0);
	const char *order[] = {"first", "m", "last"}, *k;
	cap_value *e;
	size_t i = 0;
	CAP_VALUE_OBJECT_FOREACH(cap_value_object_get(v, "x"), k, e)
	{
		(void)e;
		assert_string_equal(k, order[i++]);
	}
	cap_value_free(v);
}

static void merged_key_written_twice_is_still_a_duplicate(void **state)
{
	assert_error("b: &b {a: 1}\nx:\n  a: 0\n  <<: *b\n  a: 2\n", CAP_EINVALID,
		     "line 5 column 3", "mapping key \"a\" already defined at line 3");
}

static void quoted_merge_key_is_an_ordinary_key(void **state)
{
	assert_stream("x:\n  '<<': {a: 1}\n", "[{\"x\":{\"<<\":{\"a\":1}}}]");
}

static void merge_of_a_scalar_is_an_error(void **state)
{
	assert_error("x:\n  <<: 1\n", CAP_EINVALID, "line 2 column 3",
		     "map merge requires map or sequence of maps");
	assert_error("x:\n  <<: [{a: 1}, 2]\n", CAP_EINVALID, "line 2 column 3", "map merge");
}

static void block_scalars_keep_their_text(void **state)
{
	assert_stream(
	    "a: |\n  line 1\n  line 2\nb: >\n  folded\n  text\nc: |-\n  x\nd: |+\n  y\n\n",
	    "[{\"a\":\"line 1\\nline 2\\n\",\"b\":\"folded text\\n\",\"c\":\"x\","
	    "\"d\":\"y\\n\\n\"}]");
}

static void duplicate_key_names_both_lines(void **state)
{
	assert_error("metadata:\n  name: a\n  labels: {}\n  name: b\n", CAP_EINVALID,
		     "cannot parse 'apps/web.yaml' line 4 column 3: ",
		     "mapping key \"name\" already defined at line 2");
	assert_error("{a: 1, a: 2}", CAP_EINVALID, "line 1 column 8", "mapping key \"a\"");
	/* keys that read as the same string collide too */
	assert_error("1: a\n0x1: b\n", CAP_EINVALID, "line 2 column 1", "mapping key \"1\"");
}

static void repeated_key_can_be_read_last_wins_as_argo_cd_does(void **state)
{
	cap_buf path = CAP_BUF_INIT, text = CAP_BUF_INIT;
	cap_value *docs = NULL;
	/* a fixture from Argo CD's own tests repeats spec.updateStrategy */
	cap_test_shared_path(&path, "argocd/fixtures/health/statefulset-ondelete.yaml");
	cap_test_read_file(&text, path.ptr);
	assert_int_equal(cap_yaml_parse_stream(&docs, text.ptr, text.len, path.ptr, NULL),
			 CAP_EINVALID);
	assert_non_null(
	    strstr(cap_error_last(),
		   "line 94 column 3: mapping key \"updateStrategy\" already defined at line 30"));
	assert_int_equal(cap_yaml_parse_stream_ext(&docs, text.ptr, text.len, path.ptr, NULL,
						   CAP_YAML_DUPLICATE_KEYS_LAST_WINS),
			 0);
	assert_string_equal(cap_value_dig_string(cap_value_array_get(docs, 0), "spec",
						 "updateStrategy", "type", NULL),
			    "OnDelete");
	cap_value_free(docs);

	const char *again = "a: 1\nb: 2\na: 3\n";
	assert_int_equal(cap_yaml_parse_stream_ext(&docs, again, strlen(again), "a.yaml", NULL,
						   CAP_YAML_DUPLICATE_KEYS_LAST_WINS),
			 0);
	assert_int_equal(cap_value_get_int(cap_value_dig(cap_value_array_get(docs, 0), "a", NULL)),
			 3);
	assert_int_equal(cap_value_object_len(cap_value_array_get(docs, 0)), 2);
	cap_value_free(docs);
	cap_buf_release(&path);
	cap_buf_release(&text);
}

static void key_with_nul_is_an_error(void **state)
{
	assert_error("\"a\\0b\": 1\n", CAP_EINVALID, "line 1 column 1", "NUL");
}

static void tab_indentation_is_an_error(void **state)
{
	assert_error("spec:\n\treplicas: 1\n", CAP_EINVALID,
		     "cannot parse 'apps/web.yaml' line 2 column 1: ", "tab");
}

static void bad_utf8_is_an_error(void **state)
{
	assert_error("a: ok\nb: caf\xc3\n", CAP_EINVALID, "line 2 column 7", "UTF-8");
	assert_error("a: \xff\n", CAP_EINVALID, "line 1 column 4", "UTF-8");
}

static void unterminated_structures_are_errors(void **state)
{
	assert_error("a: [1, 2\n", CAP_EINVALID, "cannot parse 'apps/web.yaml' line 2 column 1: ",
		     "started at line 1 column 4");
	assert_error("a: {b: 1\n", CAP_EINVALID, "line 2 column 1", "flow mapping");
	assert_error("a: \"open\n", CAP_EINVALID, "line 2 column 1", "quoted scalar");
	assert_error("a: 'open\n  more\n", CAP_EINVALID, "line 3 column 1", "quoted scalar");
}

static void misplaced_structure_is_an_error(void **state)
{
	assert_error("a: 1\n b: 2\n", CAP_EINVALID, "line 2 column 3",
		     "mapping values are not allowed");
	assert_error("a:\n  - 1\n  b: 2\n", CAP_EINVALID, "line 3 column 3", NULL);
	assert_error("? [a]\n: 1\n", CAP_EINVALID, "line 1 column 3", "invalid map key");
}

static void billion_laughs_fails_fast(void **state)
{
	const char *text = "a: &a [x, x, x, x, x, x, x, x, x]\n"
			   "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
			   "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
			   "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
			   "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
			   "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
			   "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
			   "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
			   "i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]\n";
	assert_error(text, CAP_ELIMIT, "aliases expand to more than 1000000 nodes", NULL);
	/* the same shape, three levels deep, stays under the limit */
	cap_value *docs;
	const char *small = "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n";
	assert_int_equal(cap_yaml_parse_stream(&docs, small, strlen(small), "s.yaml", NULL), 0);
	cap_value_free(docs);
}

static void alias_limit_is_configurable(void **state)
{
	cap_parse_limits limits = cap_parse_limits_default;
	limits.max_alias_nodes = 5;
	cap_value *docs = NULL;
	const char *text = "a: &a [1, 2]\nb: *a\nc: *a\n"; /* 3 nodes per alias */
	assert_int_equal(cap_yaml_parse_stream(&docs, text, strlen(text), "l.yaml", &limits),
			 CAP_ELIMIT);
	assert_non_null(strstr(cap_error_last(), "line 3 column 4"));
}

static void deep_nesting_hits_the_depth_limit(void **state)
{
	cap_buf text = CAP_BUF_INIT;
	for (int i = 0; i < 600; i++)
		cap_buf_putc(&text, '[');
	for (int i = 0; i < 600; i++)
		cap_buf_putc(&text, ']');
	assert_error(text.ptr, CAP_ELIMIT, "line 1 column 513", "nesting deeper than 512 levels");

	cap_parse_limits limits = cap_parse_limits_default;
	limits.max_depth = 700;
	cap_value *docs;
	assert_int_equal(cap_yaml_parse_stream(&docs, text.ptr, text.len, "d.yaml", &limits), 0);
	cap_value *v = cap_value_array_get(docs, 0);
	for (int i = 1; i < 600; i++)
		v = cap_value_array_get(v, 0);
	assert_true(cap_value_is_array(v));
	assert_int_equal(cap_value_array_len(v), 0);
	cap_value_free(docs);
	cap_buf_release(&text);
}

static void input_size_limit_is_checked_first(void **state)
{
	cap_parse_limits limits = cap_parse_limits_default;
	limits.max_bytes = 4;
	cap_value *docs = NULL;
	assert_int_equal(cap_yaml_parse_stream(&docs, "a: 12345\n", 9, "big.yaml", &limits),
			 CAP_ELIMIT);
	assert_non_null(strstr(cap_error_last(), "'big.yaml'"));
}

static void parse_file_names_the_path(void **state)
{
	cap_buf path = CAP_BUF_INIT;
	cap_value *docs;
	cap_test_shared_path(&path, "argocd/e2e-apps/guestbook/guestbook-ui-deployment.yaml");
	assert_int_equal(cap_yaml_parse_file(&docs, path.ptr, NULL), 0);
	assert_string_equal(cap_value_dig_string(cap_value_array_get(docs, 0), "kind", NULL),
			    "Deployment");
	cap_value_free(docs);
	assert_int_equal(cap_yaml_parse_file(&docs, "/nonexistent/x.yaml", NULL), CAP_ENOTFOUND);
	assert_non_null(strstr(cap_error_last(), "'/nonexistent/x.yaml'"));
	cap_buf_release(&path);
}

static void crlf_line_endings_read_like_lf(void **state)
{
	assert_stream("a: 1\r\nb:\r\n  - x\r\n---\r\nc: |\r\n  t\r\n",
		      "[{\"a\":1,\"b\":[\"x\"]},{\"c\":\"t\\n\"}]");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(block_mapping_and_sequence_read_as_objects_and_arrays),
	    cmocka_unit_test(flow_style_reads_like_json),
	    cmocka_unit_test(object_key_order_is_kept),
	    cmocka_unit_test(stream_yields_one_value_per_document),
	    cmocka_unit_test(empty_and_comment_only_documents_are_skipped),
	    cmocka_unit_test(single_document_parse_rejects_a_second_document),
	    cmocka_unit_test(aliases_copy_the_anchored_value),
	    cmocka_unit_test(anchors_do_not_cross_documents),
	    cmocka_unit_test(alias_can_be_a_key),
	    cmocka_unit_test(merge_key_takes_a_mapping),
	    cmocka_unit_test(merge_key_takes_a_sequence_of_mappings),
	    cmocka_unit_test(merge_applies_where_it_stands_as_kubectl_reads_it),
	    cmocka_unit_test(merged_key_written_twice_is_still_a_duplicate),
	    cmocka_unit_test(quoted_merge_key_is_an_ordinary_key),
	    cmocka_unit_test(merge_of_a_scalar_is_an_error),
	    cmocka_unit_test(block_scalars_keep_their_text),
	    cmocka_unit_test(duplicate_key_names_both_lines),
	    cmocka_unit_test(repeated_key_can_be_read_last_wins_as_argo_cd_does),
	    cmocka_unit_test(key_with_nul_is_an_error),
	    cmocka_unit_test(tab_indentation_is_an_error),
	    cmocka_unit_test(bad_utf8_is_an_error),
	    cmocka_unit_test(unterminated_structures_are_errors),
	    cmocka_unit_test(misplaced_structure_is_an_error),
	    cmocka_unit_test(billion_laughs_fails_fast),
	    cmocka_unit_test(alias_limit_is_configurable),
	    cmocka_unit_test(deep_nesting_hits_the_depth_limit),
	    cmocka_unit_test(input_size_limit_is_checked_first),
	    cmocka_unit_test(parse_file_names_the_path),
	    cmocka_unit_test(crlf_line_endings_read_like_lf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
