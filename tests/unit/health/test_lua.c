/* Lua health scripts: value conversion, sandbox, result reading, errors and limits. */
#include "cap_test.h"
#include "value_fixture.h"

#include "base/error.h"
#include "base/time.h"
#include "health/lua.h"
#include "value/json.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Runs script with obj (JSON text) and returns the result printed as compact JSON. */
static char *run(const char *script, const char *obj_json, bool open_libs)
{
	cap_value *obj = cap_test_json(obj_json);
	cap_health_lua_limits limits = cap_health_lua_limits_default;
	limits.open_libs = open_libs;
	cap_value *out = NULL;
	if (cap_health_lua_run(&out, script, obj, &limits) != 0)
		fail_msg("script failed: %s", cap_error_last());
	char *s = cap_json_to_string(out, CAP_JSON_SORT_KEYS);
	cap_value_free(out);
	cap_value_free(obj);
	return s;
}

static void objects_round_trip_through_lua(void **state)
{
	const char *doc = "{\"a\":[1,2.5,\"x\",true,{\"b\":false}],\"c\":{\"d\":\"e\"},\"n\":-7}";
	char *s = run("return obj", doc, false);
	assert_string_equal(s, doc);
	free(s);
}

static void null_members_are_absent_in_lua(void **state)
{
	char *s =
	    run("return {isnil = obj.x == nil, count = obj.y}", "{\"x\":null,\"y\":3}", false);
	assert_string_equal(s, "{\"count\":3,\"isnil\":true}");
	free(s);
}

static void arrays_are_one_based_sequences(void **state)
{
	char *s = run("local t = {} for i, v in ipairs(obj.items) do t[i] = v * 10 end "
		      "return {first = obj.items[1], n = table.getn(obj.items), t = t}",
		      "{\"items\":[4,5,6]}", false);
	assert_string_equal(s, "{\"first\":4,\"n\":3,\"t\":[40,50,60]}");
	free(s);
}

static void empty_table_and_nothing_convert(void **state)
{
	char *s = run("return {}", "{}", false);
	assert_string_equal(s, "{}");
	free(s);
	s = run("local x = 1", "{}", false);
	assert_string_equal(s, "null");
	free(s);
	s = run("return 1, 2.5", "{}", false);
	assert_string_equal(s, "2.5");
	free(s);
}

static void unconvertible_results_are_errors(void **state)
{
	cap_value *obj = cap_value_object();
	cap_value *out = NULL;
	assert_int_equal(cap_health_lua_run(&out, "return {f = print}", obj, NULL), CAP_EINVALID);
	assert_non_null(strstr(cap_error_last(), "function"));
	assert_int_equal(cap_health_lua_run(&out, "return {[true] = 1}", obj, NULL), CAP_EINVALID);
	assert_int_equal(cap_health_lua_run(&out, "local t = {} t.self = t return t", obj, NULL),
			 CAP_EINVALID);
	assert_int_equal(cap_health_lua_run(&out, "return {x = 0/0}", obj, NULL), CAP_EINVALID);
	assert_null(out);
	cap_value_free(obj);
}

static void sandbox_hides_files_and_extra_libraries(void **state)
{
	char *s = run("return {io = type(io), dofile = type(dofile), loadfile = type(loadfile), "
		      "string = type(string), math = type(math), debug = type(debug), "
		      "ffi = type(ffi), jit = type(jit), os = type(os), exec = type(os.execute), "
		      "time = type(os.time), date = type(os.date), table = type(table.insert), "
		      "req = require('os') == os, loadlib = type(package.loadlib)}",
		      "{}", false);
	assert_string_equal(s, "{\"date\":\"function\",\"debug\":\"nil\",\"dofile\":\"nil\","
			       "\"exec\":\"nil\",\"ffi\":\"nil\",\"io\":\"nil\",\"jit\":\"nil\","
			       "\"loadfile\":\"nil\",\"loadlib\":\"nil\",\"math\":\"nil\","
			       "\"os\":\"table\",\"req\":true,\"string\":\"nil\","
			       "\"table\":\"function\",\"time\":\"function\"}");
	free(s);
	cap_value *obj = cap_value_object();
	cap_value *out = NULL;
	assert_int_equal(cap_health_lua_run(&out, "return require('io')", obj, NULL), CAP_EINVALID);
	assert_non_null(strstr(cap_error_last(), "module 'io' not found"));
	cap_value_free(obj);
}

static void open_libs_add_string_and_math(void **state)
{
	char *s = run("return {up = string.upper(obj.s), find = obj.s:find('b'), "
		      "floor = math.floor(2.7), io = type(io)}",
		      "{\"s\":\"abc\"}", true);
	assert_string_equal(s, "{\"find\":2,\"floor\":2,\"io\":\"nil\",\"up\":\"ABC\"}");
	free(s);
}

static void lua_errors_carry_lua_message_and_line(void **state)
{
	cap_value *obj = cap_value_object();
	cap_value *out = NULL;
	assert_int_equal(cap_health_lua_run(&out, "local x = 1\nreturn obj.a.b", obj, NULL),
			 CAP_EINVALID);
	assert_non_null(strstr(cap_error_last(), "<string>:2:"));
	assert_non_null(strstr(cap_error_last(), "index"));
	assert_int_equal(cap_health_lua_run(&out, "return {", obj, NULL), CAP_EINVALID);
	assert_non_null(strstr(cap_error_last(), "<string>:1:"));
	assert_int_equal(cap_health_lua_run(&out, "error('custom failure')", obj, NULL),
			 CAP_EINVALID);
	assert_string_equal(cap_error_last(), "<string>:1: custom failure");
	assert_int_equal(
	    cap_health_lua_run(&out, "local function f() return 1 + f() end f()", obj, NULL),
	    CAP_EINVALID);
	assert_non_null(strstr(cap_error_last(), "stack overflow"));
	assert_null(out);
	cap_value_free(obj);
}

static void endless_loop_stops_at_the_time_limit(void **state)
{
	cap_value *obj = cap_value_object();
	cap_value *out = NULL;
	cap_health_lua_limits limits = cap_health_lua_limits_default;
	limits.timeout_ms = 100;
	uint64_t start = cap_time_now_ms();
	assert_int_equal(cap_health_lua_run(&out, "while true do end", obj, &limits), CAP_ETIMEOUT);
	uint64_t took = cap_time_now_ms() - start;
	assert_true(took >= 100 && took < 900);
	assert_non_null(strstr(cap_error_last(), "timed out after 100 ms"));
	/* A loop the JIT would compile, and loops that catch the limit error, are stopped too. */
	assert_int_equal(
	    cap_health_lua_run(&out, "local n = 0 for i = 1, 1e12 do n = n + i end", obj, &limits),
	    CAP_ETIMEOUT);
	assert_int_equal(cap_health_lua_run(&out,
					    "while true do pcall(function() "
					    "while true do end end) end",
					    obj, &limits),
			 CAP_ETIMEOUT);
	assert_int_equal(cap_health_lua_run(&out,
					    "while true do xpcall(function() "
					    "while true do end end, function(e) return e end) end",
					    obj, &limits),
			 CAP_ETIMEOUT);
	assert_int_equal(
	    cap_health_lua_run(&out,
			       "while true do coroutine.resume("
			       "coroutine.create(function() while true do end end)) end",
			       obj, &limits),
	    CAP_ETIMEOUT);
	assert_null(out);
	cap_value_free(obj);
}

static void default_limit_is_one_second(void **state)
{
	cap_value *obj = cap_value_object();
	cap_health h;
	cap_health_init(&h);
	uint64_t start = cap_time_now_ms();
	assert_int_equal(cap_health_lua_eval(&h, "while true do end", obj, false), CAP_ETIMEOUT);
	uint64_t took = cap_time_now_ms() - start;
	assert_true(took >= 1000 && took < 2500);
	assert_int_equal(h.status, CAP_HEALTH_NONE);
	cap_value_free(obj);
}

static void memory_hog_stops_at_the_memory_limit(void **state)
{
	cap_value *obj = cap_value_object();
	cap_value *out = NULL;
	cap_health_lua_limits limits = cap_health_lua_limits_default;
	limits.max_memory = 8u << 20;
	assert_int_equal(
	    cap_health_lua_run(&out, "local t = {} for i = 1, 1e9 do t[i] = {i} end", obj, &limits),
	    CAP_ELIMIT);
	assert_non_null(strstr(cap_error_last(), "8 MiB"));
	/* Doubling a string, and catching the memory error to try again, end the same way. */
	assert_int_equal(
	    cap_health_lua_run(&out, "local s = 'x' while true do s = s .. s end", obj, &limits),
	    CAP_ELIMIT);
	assert_int_equal(cap_health_lua_run(&out,
					    "local t = {} while true do pcall(function() "
					    "for i = 1, 1e9 do t[#t + 1] = {i} end end) end",
					    obj, &limits),
			 CAP_ELIMIT);
	assert_null(out);
	cap_value_free(obj);
}

/* Evaluates a health script and checks status and message. */
static void expect_eval(const char *script, cap_health_status status, const char *message)
{
	cap_value *obj = cap_test_json("{\"status\":{\"phase\":\"Ready\"}}");
	cap_health h;
	cap_health_init(&h);
	assert_int_equal(cap_health_lua_eval(&h, script, obj, false), 0);
	assert_int_equal(h.status, status);
	assert_string_equal(h.message, message);
	cap_health_release(&h);
	cap_value_free(obj);
}

static void health_tables_become_statuses(void **state)
{
	expect_eval("hs = {} if obj.status.phase == 'Ready' then hs.status = 'Healthy' "
		    "hs.message = 'all good' end return hs",
		    CAP_HEALTH_HEALTHY, "all good");
	expect_eval("return {status = 'Suspended'}", CAP_HEALTH_SUSPENDED, "");
	expect_eval("return {status = 'healthy'}", CAP_HEALTH_UNKNOWN,
		    "Lua returned an invalid health status");
	expect_eval("return {}", CAP_HEALTH_UNKNOWN, "Lua returned an invalid health status");
	expect_eval("return nil", CAP_HEALTH_NONE, "");
}

static void non_table_results_are_errors(void **state)
{
	cap_value *obj = cap_value_object();
	cap_health h;
	cap_health_init(&h);
	assert_int_equal(cap_health_lua_eval(&h, "return 'Healthy'", obj, false), CAP_EINVALID);
	assert_string_equal(cap_error_last(), "expect table output from Lua script, not string");
	assert_int_equal(cap_health_lua_eval(&h, "return {status = 1}", obj, false), CAP_EINVALID);
	assert_int_equal(cap_health_lua_eval(&h, "return {'Healthy'}", obj, false), CAP_EINVALID);
	assert_null(h.message);
	cap_value_free(obj);
}

static void *eval_many(void *arg)
{
	long id = (long)arg;
	cap_value *obj = cap_value_object();
	cap_value_object_set(obj, "n", cap_value_int(id));
	cap_health_lua_limits limits = cap_health_lua_limits_default;
	limits.timeout_ms = 50;
	long ok = 0;
	for (int i = 0; i < 40; i++) {
		cap_value *out = NULL;
		if (i % 10 == 9) {
			/* Limits are per call: one thread timing out leaves the others running. */
			if (cap_health_lua_run(&out, "while true do end", obj, &limits) ==
			    CAP_ETIMEOUT)
				ok++;
			continue;
		}
		if (cap_health_lua_run(&out, "return obj.n * 2", obj, &limits) == 0 &&
		    cap_value_get_int(out) == id * 2)
			ok++;
		cap_value_free(out);
	}
	cap_value_free(obj);
	return (void *)ok;
}

static void scripts_run_concurrently_on_threads(void **state)
{
	pthread_t t[4];
	for (long i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, eval_many, (void *)(i + 1));
	for (int i = 0; i < 4; i++) {
		void *ok;
		pthread_join(t[i], &ok);
		assert_int_equal((long)ok, 40);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(objects_round_trip_through_lua),
	    cmocka_unit_test(null_members_are_absent_in_lua),
	    cmocka_unit_test(arrays_are_one_based_sequences),
	    cmocka_unit_test(empty_table_and_nothing_convert),
	    cmocka_unit_test(unconvertible_results_are_errors),
	    cmocka_unit_test(sandbox_hides_files_and_extra_libraries),
	    cmocka_unit_test(open_libs_add_string_and_math),
	    cmocka_unit_test(lua_errors_carry_lua_message_and_line),
	    cmocka_unit_test(endless_loop_stops_at_the_time_limit),
	    cmocka_unit_test(default_limit_is_one_second),
	    cmocka_unit_test(memory_hog_stops_at_the_memory_limit),
	    cmocka_unit_test(health_tables_become_statuses),
	    cmocka_unit_test(non_table_results_are_errors),
	    cmocka_unit_test(scripts_run_concurrently_on_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
