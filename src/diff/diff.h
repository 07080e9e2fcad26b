/* Diff of a desired object against its live object, as Argo CD compares them. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "diff/normalize.h"
#include "schema/schema.h"
#include "schema/smd.h"
#include "value/value.h"

typedef struct cap_diff_ignore cap_diff_ignore;
typedef struct cap_diff_known_types cap_diff_known_types;

typedef enum cap_diff_mode {
	/*
	 * Client-side, as `kubectl apply` would change the object: with a last-applied
	 * configuration on live, predicted live = live + three-way strategic merge patch
	 * (last-applied, config, live); without one, the two-way form (config as both original and
	 * modified), so fields only the live side has never count. Kinds without strategic
	 * information (custom resources) use JSON merge patch semantics.
	 */
	CAP_DIFF_CLIENT_SIDE = 0,
	/* Server-side apply computed locally with the structured-merge schema, as opts->manager. */
	CAP_DIFF_STRUCTURED_MERGE,
	/*
	 * Server-side: predicted live is the API server's answer to a dry-run server-side apply
	 * of config as opts->manager, supplied by opts->dry_run (or opts->predicted_live).
	 */
	CAP_DIFF_SERVER_SIDE,
} cap_diff_mode;

/*
 * Performs a server-side dry-run apply of config as manager (PATCH with
 * application/apply-patch+yaml, dryRun=All, fieldManager=manager, force=true) and sets *out to a
 * new reference to the returned object. The controller supplies this; a negative CAP_E code
 * with a message fails the diff.
 */
typedef int (*cap_diff_dry_run_fn)(cap_value **out, const cap_value *config, const char *manager,
				   void *ctx);

/* An extra normaliser applied to config, live and predicted live in place (tests, plugins). */
typedef void (*cap_diff_normalize_fn)(cap_value *obj, void *ctx);

typedef struct cap_diff_options {
	cap_diff_mode mode;
	/* Strategic-merge information for client-side diffs; NULL: cap_schema_default(). */
	const cap_schema *schema;
	/* Structured-merge schema for the server-side modes; NULL: cap_diff_smd_default(). */
	const cap_smd_schema *smd;
	const char *manager; /* NULL: "argocd-controller" */
	bool ignore_aggregated_roles;
	/* Keep fields a mutating webhook added in a dry-run answer (Argo CD's default drops them).
	 */
	bool include_mutation_webhook;
	cap_diff_status_mode status; /* default CAP_DIFF_STATUS_ALL */
	cap_diff_dry_run_fn dry_run;
	void *dry_run_ctx;
	/* Server-side mode without dry_run: the dry-run answer itself (borrowed). */
	const cap_value *predicted_live;
	const cap_diff_ignore *ignore; /* compiled ignoreDifferences rules; NULL: none */
	/* knownTypeFields of custom resources; NULL: none (not even Argo CD's Rollout default) */
	const cap_diff_known_types *known_types;
	cap_diff_normalize_fn normalize;
	void *normalize_ctx;
	/*
	 * Resource tracking: when set, this annotation (or label with tracking_label) with this
	 * value is written into config before comparing, as Argo CD marks what it deploys.
	 */
	const char *tracking_key;
	const char *tracking_value;
	bool tracking_label;
	/*
	 * The label of label-based tracking (Argo CD's application.instanceLabelKey, usually
	 * app.kubernetes.io/instance). When set, a live object still carrying that label gets
	 * config's argocd.argoproj.io/tracking-id annotation back-filled, and loses the label when
	 * config has none, so changing the tracking method shows no difference (Argo CD's
	 * resource tracking Normalize).
	 */
	const char *instance_label;
} cap_diff_options;

/* The options Argo CD's controller uses by default: client-side, status ignored. */
#define CAP_DIFF_OPTIONS_INIT                                                                      \
	{                                                                                          \
		0                                                                                  \
	}

typedef struct cap_diff_result {
	bool modified;
	/* Live after normalisation; NULL when the object does not exist live. Owned. */
	cap_value *normalized_live;
	/* What live becomes once config is applied; NULL when config is absent. Owned. */
	cap_value *predicted_live;
} cap_diff_result;

#define CAP_DIFF_RESULT_INIT                                                                       \
	{                                                                                          \
		false, NULL, NULL                                                                  \
	}

/*
 * Compares config (the desired object, NULL when it is not in Git) with live (NULL when it
 * does not exist) as opts says (NULL: defaults). Both are only read. Normalisation runs first on
 * both: typed round-trip effects (quantities), cap_diff_normalize_kind, status, the ignore rules
 * and opts->normalize; then the mode computes predicted live; then both sides lose server-managed
 * metadata and the last-applied annotation and gain the API server's defaults, and modified says
 * whether they differ. With only live, modified is false (pruning is the caller's business);
 * with only config, modified is true. CAP_EINVALID when both are NULL or not objects, or a mode
 * cannot run (server-side without a dry-run answer); *out is untouched on failure and is
 * released with cap_diff_result_release. Thread-safe: several threads may diff at once with
 * shared options, schemas and rule sets, which are only read (jq evaluations take turns).
 */
int cap_diff(cap_diff_result *out, const cap_value *config, const cap_value *live,
	     const cap_diff_options *opts);

/* Frees both objects. Accepts NULL. */
void cap_diff_result_release(cap_diff_result *r);

/*
 * The process-wide structured-merge schema of the built-in kinds, loaded once from
 * $CAPSTAN_SMD_SCHEMA, $CAP_SHARED_DATA/kubernetes/smd-schema.yaml, $CAPSTAN_DATA_DIR's copy or
 * the source tree's ../shared/data copy. Thread-safe; the schema lives until exit.
 */
int cap_diff_smd_default(const cap_smd_schema **out);

/*
 * A key for the unchanged-object fast path: equal keys mean the same config against the same
 * live revision (uid and resourceVersion, or the whole live object when it has none) under the
 * same options, so a caller may reuse the last result instead of diffing again.
 */
uint64_t cap_diff_key(const cap_value *config, const cap_value *live, const cap_diff_options *opts);

/*
 * cap_diff_key with the config's cap_value_hash computed beforehand (once per rendered
 * manifest set, where the manifests are cached), so the check costs a few string hashes.
 */
uint64_t cap_diff_key_hashed(uint64_t config_hash, const cap_value *live,
			     const cap_diff_options *opts);

/*
 * True when live carries argocd.argoproj.io/compare-options with IgnoreExtraneous: an object
 * not in Git that should not make the application OutOfSync or require pruning.
 */
bool cap_diff_ignore_extraneous(const cap_value *live);

/*
 * The mode Argo CD compares config with: server-side when the resource's
 * argocd.argoproj.io/compare-options says ServerSideDiff=true, or the application enables it
 * (app_server_side_diff) and the resource does not say ServerSideDiff=false; otherwise the
 * structured-merge form of server-side apply when the resource's argocd.argoproj.io/sync-options
 * or the application's sync options (app_server_side_apply) say ServerSideApply=true and the
 * resource does not say ServerSideApply=false; otherwise client-side.
 */
cap_diff_mode cap_diff_choose_mode(const cap_value *config, bool app_server_side_diff,
				   bool app_server_side_apply);

/*
 * True when the comma-separated options in annotation of obj include option exactly
 * ("IgnoreExtraneous", "ServerSideDiff=true"); surrounding spaces are ignored.
 */
bool cap_diff_has_option(const cap_value *obj, const char *annotation, const char *option);

/*
 * Removes from live and config the fields that differ between them and that one of the
 * managers (NULL-terminated) owns in live's managedFields, as Argo CD's
 * managedFieldsManagers does; both are changed in place. t is the structured-merge type of
 * the kind (NULL: deduced).
 */
void cap_diff_trust_managers(cap_value *live, cap_value *config, const char *const *managers,
			     const cap_smd_type *t);
