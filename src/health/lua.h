/* Running Argo CD style Lua health scripts under LuaJIT with time and memory limits. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "health/health.h"
#include "value/value.h"

typedef struct cap_health_lua_limits {
	unsigned timeout_ms; /* wall time for the whole script */
	size_t max_memory;   /* bytes the script's Lua heap may reach (the input obj included) */
	bool open_libs;	     /* also open string, math and bit (useOpenLibs) */
} cap_health_lua_limits;

/* 1000 ms (Argo CD's limit), 256 MiB, no extra libraries. */
extern const cap_health_lua_limits cap_health_lua_limits_default;

/*
 * Runs script in a fresh Lua state whose allocator counts every byte (growth past max_memory
 * fails while the script runs), with the JIT off so that the instruction-count hook enforcing the
 * time limit always fires, even in loops that catch errors, and the global `obj` holding a copy of
 * obj as Lua tables. Libraries: base (without dofile/loadfile), table, package (require of
 * preloaded modules only) and a reduced os (time, date), as Argo CD opens them; limits->open_libs
 * adds string, math and bit. *out gets the script's last return value as a new value (null when it
 * returns nothing). Errors: CAP_EINVALID for a Lua error (message is Lua's: "<string>:3: attempt to
 * …"), CAP_ETIMEOUT past the time limit, CAP_ELIMIT past the memory limit; *out is untouched.
 */
int cap_health_lua_run(cap_value **out, const char *script, const cap_value *obj,
		       const cap_health_lua_limits *limits);

/*
 * Runs a health script with the default limits and reads its result as Argo CD does: a table
 * {status=…, message=…} with a known status fills *out; an unknown or empty status gives
 * Unknown "Lua returned an invalid health status"; nil gives CAP_HEALTH_NONE. Any other result
 * or a Lua failure returns the error (as cap_health_lua_run) and leaves *out untouched.
 */
int cap_health_lua_eval(cap_health *out, const char *script, const cap_value *obj, bool open_libs);
