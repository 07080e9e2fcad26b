/* cap_value ⇄ Lua conversion for the health scripts. */
#include "health/lua_value.h"

#include <lauxlib.h>

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "base/error.h"

#define MAX_DEPTH 200

void cap_health_lua_push(lua_State *L, const cap_value *v)
{
	luaL_checkstack(L, 4, "value too deep");
	switch (cap_value_kind_of(v)) {
	case CAP_VALUE_NULL:
		lua_pushnil(L);
		break;
	case CAP_VALUE_BOOL:
		lua_pushboolean(L, cap_value_get_bool(v));
		break;
	case CAP_VALUE_INT:
	case CAP_VALUE_REAL:
		lua_pushnumber(L, cap_value_get_real(v));
		break;
	case CAP_VALUE_STRING:
		lua_pushlstring(L, cap_value_get_string(v), cap_value_string_len(v));
		break;
	case CAP_VALUE_ARRAY: {
		size_t n = cap_value_array_len(v);
		lua_createtable(L, n > INT32_MAX ? 0 : (int)n, 0);
		for (size_t i = 0; i < n; i++) {
			cap_health_lua_push(L, cap_value_array_get(v, i));
			lua_rawseti(L, -2, (int)(i + 1));
		}
		break;
	}
	case CAP_VALUE_OBJECT: {
		lua_createtable(L, 0, (int)cap_value_object_len(v));
		const char *key;
		cap_value *item;
		CAP_VALUE_OBJECT_FOREACH(v, key, item)
		{
			if (cap_value_is_null(item))
				continue;
			lua_pushstring(L, key);
			cap_health_lua_push(L, item);
			lua_rawset(L, -3);
		}
		break;
	}
	}
}

static cap_value *number_value(lua_Number n)
{
	if (n == floor(n) && n >= -9223372036854775808.0 && n < 9223372036854775808.0)
		return cap_value_int((int64_t)n);
	return cap_value_real(n);
}

static int to_value(cap_value **out, lua_State *L, int idx, int depth)
{
	if (depth > MAX_DEPTH)
		return cap_error_set(CAP_EINVALID,
				     "lua value nests deeper than %d levels (a cycle?)", MAX_DEPTH);
	if (idx < 0)
		idx = lua_gettop(L) + idx + 1;
	switch (lua_type(L, idx)) {
	case LUA_TNIL:
	case LUA_TNONE:
		*out = cap_value_null();
		return 0;
	case LUA_TBOOLEAN:
		*out = cap_value_bool(lua_toboolean(L, idx));
		return 0;
	case LUA_TNUMBER: {
		lua_Number n = lua_tonumber(L, idx);
		if (!isfinite(n))
			return cap_error_set(CAP_EINVALID, "lua number %g has no JSON form", n);
		*out = number_value(n);
		return 0;
	}
	case LUA_TSTRING: {
		size_t len;
		const char *s = lua_tolstring(L, idx, &len);
		*out = cap_value_stringn(s, len);
		return 0;
	}
	case LUA_TTABLE:
		break;
	default:
		return cap_error_set(CAP_EINVALID, "cannot convert a lua %s to a value",
				     lua_typename(L, lua_type(L, idx)));
	}

	luaL_checkstack(L, 4, "value too deep");
	size_t n = lua_objlen(L, idx);
	cap_value *result;
	if (n > 0) {
		result = cap_value_array();
		for (size_t i = 1; i <= n; i++) {
			lua_rawgeti(L, idx, (int)i);
			cap_value *item;
			int rc = to_value(&item, L, -1, depth + 1);
			lua_pop(L, 1);
			if (rc) {
				cap_value_free(result);
				return rc;
			}
			cap_value_array_append(result, item);
		}
		*out = result;
		return 0;
	}
	result = cap_value_object();
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		if (lua_type(L, -2) != LUA_TSTRING) {
			const char *type = lua_typename(L, lua_type(L, -2));
			lua_pop(L, 2);
			cap_value_free(result);
			return cap_error_set(CAP_EINVALID,
					     "cannot convert a lua table with %s keys to an object",
					     type);
		}
		cap_value *item;
		int rc = to_value(&item, L, -1, depth + 1);
		if (rc) {
			lua_pop(L, 2);
			cap_value_free(result);
			return rc;
		}
		size_t klen;
		const char *key = lua_tolstring(L, -2, &klen);
		cap_value_object_setn(result, key, klen, item);
		lua_pop(L, 1);
	}
	*out = result;
	return 0;
}

int cap_health_lua_to_value(cap_value **out, lua_State *L, int idx)
{
	return to_value(out, L, idx, 0);
}
