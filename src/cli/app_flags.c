/* Applying `app create`/`app set` flags to an Application: source, destination, sync policy. */
#include "cli/app_flags.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The object at key in o, made when absent (or not an object). Borrowed. */
static cap_value *child(cap_value *o, const char *key)
{
	cap_value *c = cap_value_object_get(o, key);
	if (!cap_value_is_object(c)) {
		cap_value_object_set(o, key, cap_value_object());
		c = cap_value_object_get(o, key);
	}
	return c;
}

static cap_value *child_array(cap_value *o, const char *key)
{
	cap_value *c = cap_value_object_get(o, key);
	if (!cap_value_is_array(c)) {
		cap_value_object_set(o, key, cap_value_array());
		c = cap_value_object_get(o, key);
	}
	return c;
}

/* spec.source, or the first of spec.sources for a multi-source app. */
static cap_value *source(cap_value *spec)
{
	cap_value *srcs = cap_value_object_get(spec, "sources");
	if (cap_value_array_len(srcs))
		return cap_value_array_get(srcs, 0);
	return child(spec, "source");
}

static void set(cap_value *o, const char *key, const char *v)
{
	cap_value_object_set(o, key, cap_value_string(v));
}

static void sync_option(cap_value *policy, const char *arg)
{
	cap_value *opts = child_array(policy, "syncOptions");
	bool remove = arg[0] == '!';
	const char *opt = remove ? arg + 1 : arg;
	for (size_t i = cap_value_array_len(opts); i-- > 0;) {
		const char *s = cap_value_get_string(cap_value_array_get(opts, i));
		if (s && !strcmp(s, opt)) {
			if (!remove)
				return;
			cap_value_array_remove(opts, i);
		}
	}
	if (!remove)
		cap_value_array_append(opts, cap_value_string(opt));
	if (!cap_value_array_len(opts))
		cap_value_object_del(policy, "syncOptions");
}

int cap_app_flag_apply(cap_value *app, int opt, const char *arg)
{
	cap_value *spec = child(app, "spec");
	switch (opt) {
	case CAP_APP_FLAG_REPO:
		set(source(spec), "repoURL", arg);
		return 0;
	case CAP_APP_FLAG_PATH:
		set(source(spec), "path", arg);
		return 0;
	case CAP_APP_FLAG_REVISION:
		set(source(spec), "targetRevision", arg);
		return 0;
	case CAP_APP_FLAG_DEST_SERVER:
		set(child(spec, "destination"), "server", arg);
		cap_value_object_del(child(spec, "destination"), "name");
		return 0;
	case CAP_APP_FLAG_DEST_NAME:
		set(child(spec, "destination"), "name", arg);
		cap_value_object_del(child(spec, "destination"), "server");
		return 0;
	case CAP_APP_FLAG_DEST_NS:
		set(child(spec, "destination"), "namespace", arg);
		return 0;
	case CAP_APP_FLAG_PROJECT:
		set(spec, "project", arg);
		return 0;
	case CAP_APP_FLAG_SYNC_POLICY:
		if (!strcmp(arg, "automated") || !strcmp(arg, "automatic") ||
		    !strcmp(arg, "auto")) {
			child(child(spec, "syncPolicy"), "automated");
		} else if (!strcmp(arg, "none") || !strcmp(arg, "manual")) {
			cap_value *p = cap_value_object_get(spec, "syncPolicy");
			cap_value_object_del(p, "automated");
		} else {
			fprintf(stderr,
				"capstan: invalid sync policy '%s': use automated or none\n", arg);
			return -1;
		}
		return 0;
	case CAP_APP_FLAG_AUTO_PRUNE:
	case CAP_APP_FLAG_SELF_HEAL:
	case CAP_APP_FLAG_ALLOW_EMPTY: {
		/* recorded now, applied once the sync policy is known (cap_app_flag_finish) */
		cap_value_object_set(app,
				     opt == CAP_APP_FLAG_AUTO_PRUNE  ? "\x01prune"
				     : opt == CAP_APP_FLAG_SELF_HEAL ? "\x01selfHeal"
								     : "\x01allowEmpty",
				     cap_value_bool(true));
		return 0;
	}
	case CAP_APP_FLAG_SYNC_OPTION:
		sync_option(child(spec, "syncPolicy"), arg);
		return 0;
	case CAP_APP_FLAG_HELM_SET: {
		const char *eq = strchr(arg, '=');
		if (!eq) {
			fprintf(stderr, "capstan: --helm-set expects key=value, got '%s'\n", arg);
			return -1;
		}
		cap_value *params = child_array(child(source(spec), "helm"), "parameters");
		cap_value *p = cap_value_object();
		cap_value_object_set(p, "name", cap_value_stringn(arg, (size_t)(eq - arg)));
		set(p, "value", eq + 1);
		cap_value_array_append(params, p);
		return 0;
	}
	case CAP_APP_FLAG_VALUES:
		cap_value_array_append(child_array(child(source(spec), "helm"), "valueFiles"),
				       cap_value_string(arg));
		return 0;
	case CAP_APP_FLAG_RELEASE_NAME:
		set(child(source(spec), "helm"), "releaseName", arg);
		return 0;
	case CAP_APP_FLAG_RECURSE:
		cap_value_object_set(child(source(spec), "directory"), "recurse",
				     cap_value_bool(true));
		return 0;
	case CAP_APP_FLAG_HISTORY_LIMIT: {
		char *end;
		long n = strtol(arg, &end, 10);
		if (*end || end == arg) {
			fprintf(stderr, "capstan: invalid revision history limit '%s'\n", arg);
			return -1;
		}
		cap_value_object_set(spec, "revisionHistoryLimit", cap_value_int(n));
		return 0;
	}
	}
	return 1;
}

int cap_app_flag_finish(cap_value *app)
{
	/* the markers set above say which flags were given; they leave the object here */
	static const char *const flags[][3] = {
	    {"\x01prune", "--auto-prune", "prune"},
	    {"\x01selfHeal", "--self-heal", "selfHeal"},
	    {"\x01allowEmpty", "--allow-empty", "allowEmpty"},
	};
	cap_value *au = cap_value_dig(app, "spec", "syncPolicy", "automated", NULL);
	int rc = 0;
	for (size_t i = 0; i < 3; i++) {
		if (!cap_value_object_get(app, flags[i][0]))
			continue;
		cap_value_object_del(app, flags[i][0]);
		if (au) {
			cap_value_object_set(au, flags[i][2], cap_value_bool(true));
		} else if (!rc) {
			fprintf(stderr,
				"capstan: %s is only valid with an automated sync policy "
				"(--sync-policy automated)\n",
				flags[i][1]);
			rc = -1;
		}
	}
	return rc;
}

bool cap_app_flag_record(cap_value *flags, int opt, const char *arg)
{
	if (opt < CAP_APP_FLAG_REPO || opt > CAP_APP_FLAG_HISTORY_LIMIT)
		return false;
	cap_value *f = cap_value_array();
	cap_value_array_append(f, cap_value_int(opt));
	cap_value_array_append(f, cap_value_string(arg ? arg : ""));
	cap_value_array_append(flags, f);
	return true;
}
