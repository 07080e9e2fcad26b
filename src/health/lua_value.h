/* Conversion between cap_value trees and Lua values on a LuaJIT stack. */
#pragma once

#include <lua.h>

#include "value/value.h"

/*
 * Pushes v as Lua: null as nil (object members holding null are left out, as Argo CD does),
 * booleans, numbers (integers become Lua numbers), strings, arrays as 1-based sequences and
 * objects as tables with string keys.
 */
void cap_health_lua_push(lua_State *L, const cap_value *v);

/*
 * Converts the Lua value at idx: nil → null, numbers with an integral value in int64 range →
 * integers, other numbers → reals, tables with a positive length → arrays of elements 1..n,
 * other tables → objects (every key must be a string). Functions, userdata, threads, non-string
 * keys, NaN/inf and nesting deeper than 200 are CAP_EINVALID. *out is a new reference.
 */
int cap_health_lua_to_value(cap_value **out, lua_State *L, int idx);
