/* YAML in and out of the value model, with Kubernetes' YAML 1.1 scalar rules. */
#pragma once

#include "base/buf.h"
#include "value/value.h"

/*
 * Parses a YAML stream into a new array holding one value per document. Empty documents (nothing
 * but comments, or `---` alone) are skipped, as kubectl does. Anchors, aliases and merge keys
 * (`<<`) are resolved; scalars resolve as Kubernetes reads them (YAML 1.1: yes/no/on/off/y/n and
 * true/false in any common case are booleans, ~/null/empty are null, 0o17/017 octal, 0x1F hex,
 * .inf/.nan, 1_000 underscores; quoted or block scalars stay strings; explicit tags !!str/!!int…
 * are honoured; see yaml_scalar.h for the whole table). Duplicate keys ("mapping key \"name\"
 * already defined at line 4"), tabs in indentation, bad UTF-8 and unterminated structures are
 * errors naming source, line and column: "cannot parse 'apps/web.yaml' line 12 column 3: …".
 * Aliases are expanded into copies, never shared nodes, and every node produced through an alias
 * counts against limits->max_alias_nodes (CAP_ELIMIT), so "billion laughs" fails at once.
 * Mapping keys become strings as sigs.k8s.io/yaml makes them (`1: x` gives the key "1"); a key
 * holding NUL, a null key and a collection key are errors. Reals that JSON cannot carry (.inf,
 * .nan) are errors as values. On success *out_docs is a new array reference.
 * limits may be NULL for cap_parse_limits_default.
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
 * Appends v as block-style YAML (two-space indent, sequences under a key not indented, as
 * kubectl prints). Strings that would read back as another type or another string are quoted
 * ("yes", "012", "null", "1e3", "", leading/trailing spaces, ": " inside); multi-line strings use
 * literal block style when that is lossless. Reading the output back gives an equal value.
 */
void cap_yaml_print(cap_buf *out, const cap_value *v, unsigned flags);

/* Prints each element of the array docs as a document, separated by "---\n". */
void cap_yaml_print_stream(cap_buf *out, const cap_value *docs, unsigned flags);
