/* YAML in and out of the value model, with Kubernetes' YAML 1.1 scalar rules. */
#pragma once

#include "base/buf.h"
#include "value/value.h"

/*
 * Parses a YAML stream into a new array holding one value per document (*out_docs, a new
 * reference). Empty documents (nothing but comments, `---` alone, or null) are skipped, as
 * kubectl does. limits may be NULL for cap_parse_limits_default.
 *
 * Scalars resolve as Kubernetes reads them (YAML 1.1: yes/no/on/off/y/n and true/false in their
 * lower, Title and UPPER forms are booleans, ~/null/empty are null, 0o17/017 octal, 0x1F hex,
 * 1_000 underscores; quoted and block scalars stay strings; explicit tags !!str/!!int… are
 * honoured): yaml_scalar.h holds the whole table. Mapping keys become strings as
 * sigs.k8s.io/yaml makes them (`1: x` gives the key "1", `n: x` the key "false"); a null or
 * collection key, or one holding NUL, is an error. Reals JSON cannot carry (.inf, .nan) are
 * errors as values.
 *
 * Aliases expand into copies, never shared nodes; every node produced through an alias counts
 * against limits->max_alias_nodes (CAP_ELIMIT), so "billion laughs" fails at once. `<<: map` or
 * `<<: [map, …]` applies where it stands, as go-yaml v2 and so kubectl read it: its members
 * replace keys written before it, keys written after it replace them, in a sequence the earlier
 * map wins, and merged keys take the `<<`'s place in key order.
 *
 * A key written twice in one mapping ("mapping key \"name\" already defined at line 4"), tabs
 * in indentation, bad UTF-8 and unterminated structures are CAP_EINVALID errors naming source,
 * line and column: "cannot parse 'apps/web.yaml' line 12 column 3: …". Nesting deeper than
 * limits->max_depth and input longer than limits->max_bytes are CAP_ELIMIT.
 */
int cap_yaml_parse_stream(cap_value **out_docs, const char *text, size_t len, const char *source,
			  const cap_parse_limits *limits);

enum cap_yaml_parse_flags {
	/*
	 * A repeated mapping key replaces the earlier value (keeping its position) instead of
	 * failing: how sigs.k8s.io/yaml's non-strict Unmarshal reads, and so how Argo CD and
	 * `kubectl apply` read manifests. Without it, parsing is strict like the API server's.
	 */
	CAP_YAML_DUPLICATE_KEYS_LAST_WINS = 1 << 0,
};

/* cap_yaml_parse_stream with cap_yaml_parse_flags. */
int cap_yaml_parse_stream_ext(cap_value **out_docs, const char *text, size_t len,
			      const char *source, const cap_parse_limits *limits, unsigned flags);

/* Parses exactly one document (an empty stream gives null); a second document is an error. */
int cap_yaml_parse(cap_value **out, const char *text, size_t len, const char *source,
		   const cap_parse_limits *limits);

/* Reads and parses a whole file as a stream; the path is the source name. */
int cap_yaml_parse_file(cap_value **out_docs, const char *path, const cap_parse_limits *limits);

enum cap_yaml_flags {
	CAP_YAML_SORT_KEYS = 1 << 0, /* keys in byte order, as `kubectl get -o yaml` prints them */
};

/*
 * Appends v as block-style YAML (two-space indent, sequences under a key not indented, empty
 * containers as {} and [], as kubectl prints). Strings that would read back as another type or
 * another string are quoted: double quotes for those that resolve to another type ("yes",
 * "012", "null", "1e3", "") and for timestamps, as kubectl quotes them; single quotes for those
 * YAML syntax would change ("- x", "a: b", "x #y", leading or trailing spaces); double quotes
 * with escapes for control characters. Multi-line strings use a literal block (|, |- or |+)
 * when that is lossless. Keys longer than 1000 bytes use the explicit `? key` form. Long lines
 * are not folded. Reading the output back gives an equal value.
 */
void cap_yaml_print(cap_buf *out, const cap_value *v, unsigned flags);

/* Prints each element of the array docs as a document, separated by "---\n". */
void cap_yaml_print_stream(cap_buf *out, const cap_value *docs, unsigned flags);
