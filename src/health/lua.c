/* LuaJIT health scripts: a fresh sandboxed state per call, limits enforced by a count hook. */
#include "health/lua.h"

#include <lauxlib.h>
#include <lua.h>
#include <luajit.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"
#include "base/time.h"
#include "health/lua_value.h"

const cap_health_lua_limits cap_health_lua_limits_default = {
    .timeout_ms = 1000,
    .max_memory = 256u << 20,
    .open_libs = false,
};

/* The hook and allocator of the script in flight; the hook runs on the calling thread. */
struct run_state {
	cap_deadline deadline;
	unsigned timeout_ms;
	size_t used;	  /* bytes the Lua heap holds */
	size_t max_bytes; /* limit once armed */
	bool armed;	  /* the script runs: the memory limit applies */
	int stopped;	  /* 0, CAP_ETIMEOUT or CAP_ELIMIT */
	char reason[96];
};

static _Thread_local struct run_state *current;

/* Counts every byte the state holds and refuses growth past the limit while the script runs. */
static void *limited_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct run_state *rs = ud;
	size_t old = ptr ? osize : 0;
	if (nsize == 0) {
		free(ptr);
		rs->used -= old;
		return NULL;
	}
	if (rs->armed && nsize > old && rs->used + (nsize - old) > rs->max_bytes) {
		if (!rs->stopped) {
			rs->stopped = CAP_ELIMIT;
			snprintf(rs->reason, sizeof(rs->reason),
				 "health script used more than %zu MiB of memory",
				 rs->max_bytes >> 20);
		}
		return NULL;
	}
	void *p = realloc(ptr, nsize);
	if (p)
		rs->used = rs->used - old + nsize;
	return p;
}

static void limit_hook(lua_State *L, lua_Debug *ar)
{
	struct run_state *rs = current;
	if (!rs)
		return;
	if (!rs->stopped && cap_deadline_expired(rs->deadline)) {
		rs->stopped = CAP_ETIMEOUT;
		snprintf(rs->reason, sizeof(rs->reason), "health script timed out after %u ms",
			 rs->timeout_ms);
	}
	/* Once stopped, every hook raises again so that no handler can keep the script alive. */
	if (rs->stopped)
		luaL_error(L, "%s", rs->reason);
}

/*
 * pcall, xpcall and coroutine.resume would let a script swallow the limit error and carry on:
 * these wrappers call the original (upvalue 1) and raise the error again once a limit was hit.
 */
static int rethrow_limit(lua_State *L)
{
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
	if (current && current->stopped) {
		lua_pushstring(L, current->reason);
		return lua_error(L);
	}
	return lua_gettop(L);
}

/* Replaces t[name] (t at the top of the stack) with rethrow_limit around the original. */
static void guard_field(lua_State *L, const char *name)
{
	lua_getfield(L, -1, name);
	if (lua_isfunction(L, -1)) {
		lua_pushcclosure(L, rethrow_limit, 1);
		lua_setfield(L, -2, name);
	} else {
		lua_pop(L, 1);
	}
}

static void open_lib(lua_State *L, const char *name, lua_CFunction fn)
{
	lua_pushcfunction(L, fn);
	lua_pushstring(L, name);
	lua_call(L, 1, 0);
}

/* Sets t[name] = nil for the table at the top of the stack. */
static void drop_field(lua_State *L, const char *name)
{
	lua_pushnil(L);
	lua_setfield(L, -2, name);
}

/* The libraries Argo CD gives health scripts, minus anything that reaches the file system. */
static void open_sandbox(lua_State *L, bool open_libs)
{
	open_lib(L, "", luaopen_base);
	open_lib(L, LUA_LOADLIBNAME, luaopen_package);
	open_lib(L, LUA_TABLIBNAME, luaopen_table);
	open_lib(L, LUA_OSLIBNAME, luaopen_os);
	if (open_libs) {
		open_lib(L, LUA_STRLIBNAME, luaopen_string);
		open_lib(L, LUA_MATHLIBNAME, luaopen_math);
		open_lib(L, LUA_BITLIBNAME, luaopen_bit);
	}

	lua_getglobal(L, "_G");
	drop_field(L, "dofile");
	drop_field(L, "loadfile");
	guard_field(L, "pcall");
	guard_field(L, "xpcall");
	lua_pop(L, 1);
	lua_getglobal(L, "coroutine");
	if (lua_istable(L, -1))
		guard_field(L, "resume");
	lua_pop(L, 1);

	/* os keeps only time and date; require("os") finds the same table. */
	lua_getglobal(L, "os");
	lua_createtable(L, 0, 2);
	lua_getfield(L, -2, "time");
	lua_setfield(L, -2, "time");
	lua_getfield(L, -2, "date");
	lua_setfield(L, -2, "date");
	lua_setglobal(L, "os");
	lua_pop(L, 1);

	/* require resolves only already-loaded or preloaded modules: no paths, no C loaders. */
	lua_getglobal(L, "package");
	lua_pushstring(L, "");
	lua_setfield(L, -2, "path");
	lua_pushstring(L, "");
	lua_setfield(L, -2, "cpath");
	drop_field(L, "loadlib");
	lua_getfield(L, -1, "loaders");
	if (lua_istable(L, -1)) {
		for (int i = (int)lua_objlen(L, -1); i > 1; i--) {
			lua_pushnil(L);
			lua_rawseti(L, -2, i);
		}
	}
	lua_pop(L, 1);
	lua_getfield(L, -1, "loaded");
	lua_getglobal(L, "os");
	lua_setfield(L, -2, "os");
	if (!open_libs) {
		drop_field(L, "string");
		drop_field(L, "math");
		drop_field(L, "io");
		drop_field(L, "debug");
		drop_field(L, "jit");
		drop_field(L, "ffi");
		drop_field(L, "bit");
	}
	lua_pop(L, 2);
}

int cap_health_lua_run(cap_value **out, const char *script, const cap_value *obj,
		       const cap_health_lua_limits *limits)
{
	if (!limits)
		limits = &cap_health_lua_limits_default;
	struct run_state rs = {
	    .timeout_ms = limits->timeout_ms,
	    .max_bytes = limits->max_memory,
	};
	lua_State *L = lua_newstate(limited_alloc, &rs);
	if (!L)
		return cap_error_set(CAP_ELIMIT, "cannot create a lua state");
	open_sandbox(L, limits->open_libs);
	cap_health_lua_push(L, obj);
	lua_setglobal(L, "obj");

	struct run_state *saved = current;
	current = &rs;
	lua_sethook(L, limit_hook, LUA_MASKCOUNT, 1000);
	/*
	 * The count hook only fires in the interpreter: compiled traces would escape it, so the JIT
	 * goes off. The order matters with this LuaJIT: switching the engine off after the hook is
	 * installed is what makes the interpreter's dispatch honour the hook in every loop.
	 */
	luaJIT_setmode(L, 0, LUAJIT_MODE_ENGINE | LUAJIT_MODE_OFF);

	int rc = 0;
	int base = lua_gettop(L);
	rs.deadline = cap_deadline_in_ms(limits->timeout_ms);
	rs.armed = true;
	if (luaL_loadbuffer(L, script, strlen(script), "=<string>") != 0 ||
	    lua_pcall(L, 0, LUA_MULTRET, 0) != 0) {
		rs.armed = false;
		const char *msg = rs.stopped ? rs.reason : lua_tostring(L, -1);
		rc = cap_error_set(rs.stopped ? rs.stopped : CAP_EINVALID, "%s",
				   msg ? msg : "lua error without a message");
	} else {
		rs.armed = false;
		lua_sethook(L, NULL, 0, 0);
		cap_value *result = NULL;
		if (lua_gettop(L) > base)
			rc = cap_health_lua_to_value(&result, L, -1);
		else
			result = cap_value_null();
		if (rc == 0)
			*out = result;
	}
	current = saved;
	lua_close(L);
	return rc;
}

static const char *kind_word(const cap_value *v)
{
	switch (cap_value_kind_of(v)) {
	case CAP_VALUE_BOOL:
		return "boolean";
	case CAP_VALUE_INT:
	case CAP_VALUE_REAL:
		return "number";
	case CAP_VALUE_STRING:
		return "string";
	default:
		return "table";
	}
}

int cap_health_lua_eval(cap_health *out, const char *script, const cap_value *obj, bool open_libs)
{
	cap_health_lua_limits limits = cap_health_lua_limits_default;
	limits.open_libs = open_libs;
	cap_value *result = NULL;
	int rc = cap_health_lua_run(&result, script, obj, &limits);
	if (rc)
		return rc;
	if (cap_value_is_null(result)) {
		cap_value_free(result);
		cap_health_set(out, CAP_HEALTH_NONE, "");
		return 0;
	}
	if (!cap_value_is_object(result) && !cap_value_is_array(result)) {
		rc = cap_error_set(CAP_EINVALID, "expect table output from Lua script, not %s",
				   kind_word(result));
		cap_value_free(result);
		return rc;
	}
	/* An empty table is an object without a status; a sequence is not a health status. */
	const cap_value *status = cap_value_object_get(result, "status");
	const cap_value *message = cap_value_object_get(result, "message");
	if (cap_value_is_array(result) || (status && !cap_value_is_string(status)) ||
	    (message && !cap_value_is_string(message))) {
		cap_value_free(result);
		return cap_error_set(CAP_EINVALID, "health script returned a table that is not "
						   "{status = string, message = string}");
	}
	cap_health_status parsed;
	if (!status || cap_health_status_parse(&parsed, cap_value_get_string(status)) != 0 ||
	    parsed == CAP_HEALTH_NONE) {
		cap_health_set(out, CAP_HEALTH_UNKNOWN, "Lua returned an invalid health status");
	} else {
		cap_health_set(out, parsed, cap_value_get_string(message));
	}
	cap_error_clear();
	cap_value_free(result);
	return 0;
}
