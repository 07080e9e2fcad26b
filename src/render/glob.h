/* Glob matching for directory include/exclude patterns, with Argo CD's {a,b} alternatives. */
#pragma once

#include <stdbool.h>

/*
 * True when text matches pattern as Argo CD's directory include/exclude globs do: '*' matches any
 * run of characters including '/', '?' one character, [abc], [!abc] and [a-z] classes, {a,b}
 * alternatives (nestable), and '\' escapes the next character. Argo CD matches against the path
 * relative to the application folder ("sub/web.yaml"). A pattern whose braces expand to more than
 * 1024 alternatives, or that is malformed, matches nothing.
 */
bool cap_render_glob_match(const char *pattern, const char *text);
