/* Kustomize sources: Argo CD's `kustomize edit` options applied to a private copy, then a build. */
#include "render/internal.h"

#include "base/error.h"
#include "render/paths.h"
#include "value/json.h"
#include "value/yaml.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const kustomization_names[] = {"kustomization.yaml", "kustomization.yml",
						  "Kustomization"};

static bool needs_edits(const cap_render_source *s)
{
	return s->kustomize.name_prefix || s->kustomize.name_suffix || s->kustomize.namespace ||
	       s->kustomize.images.len || s->kustomize.replicas.len ||
	       cap_value_object_len(s->kustomize.common_labels) ||
	       cap_value_object_len(s->kustomize.common_annotations) ||
	       cap_value_array_len(s->kustomize.patches) || s->kustomize.components.len;
}

static cap_value *list_member(cap_value *k, const char *key)
{
	cap_value *l = cap_value_object_get(k, key);
	if (!cap_value_is_array(l)) {
		cap_value_object_set(k, key, cap_value_array());
		l = cap_value_object_get(k, key);
	}
	return l;
}

static cap_value *map_member(cap_value *k, const char *key)
{
	cap_value *m = cap_value_object_get(k, key);
	if (!cap_value_is_object(m)) {
		cap_value_object_set(k, key, cap_value_object());
		m = cap_value_object_get(k, key);
	}
	return m;
}

/* The tag part of `kustomize edit set image`: [a-zA-Z0-9._-]* after the last ':'. */
static bool tag_split(const char *s, size_t *colon)
{
	const char *c = strrchr(s, ':');
	if (!c)
		return false;
	for (const char *p = c + 1; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
			return false;
	*colon = (size_t)(c - s);
	return true;
}

/*
 * Parses an image override as `kustomize edit set image` does: name=newName[:tag|@digest],
 * name:tag, name@digest. Returns a new object {name, newName?, newTag?, digest?}.
 */
static int parse_image(cap_value **out, const char *arg)
{
	cap_value *img = cap_value_object();
	const char *eq = strchr(arg, '=');
	const char *rest = eq ? eq + 1 : arg;
	cap_buf name = CAP_BUF_INIT;
	const char *at = strchr(rest, '@');
	size_t colon;
	if (eq)
		cap_value_object_set(img, "name", cap_value_stringn(arg, (size_t)(eq - arg)));
	if (at) {
		cap_buf_put(&name, rest, (size_t)(at - rest));
		cap_value_object_set(img, "digest", cap_value_string(at + 1));
	} else if (tag_split(rest, &colon)) {
		cap_buf_put(&name, rest, colon);
		cap_value_object_set(img, "newTag", cap_value_string(rest + colon + 1));
	} else if (eq && *rest) {
		cap_buf_puts(&name, rest);
	} else {
		cap_value_free(img);
		cap_buf_release(&name);
		return cap_error_set(CAP_EINVALID, "invalid kustomize image '%s'", arg);
	}
	cap_value_object_set(img, eq ? "newName" : "name", cap_value_stringn(name.ptr, name.len));
	cap_buf_release(&name);
	*out = img;
	return 0;
}

static int set_images(cap_value *k, cap_render_ctx *ctx)
{
	const cap_render_source *s = ctx->req->source;
	cap_value *images = list_member(k, "images");
	cap_buf arg = CAP_BUF_INIT;
	int rc = 0;
	for (size_t i = 0; i < s->kustomize.images.len && !rc; i++) {
		cap_value *img = NULL, *cur;
		size_t j;
		cap_render__envsubst(&arg, s->kustomize.images.items[i], &ctx->env);
		if ((rc = parse_image(&img, arg.ptr)))
			break;
		const char *name = cap_value_dig_string(img, "name", NULL);
		bool merged = false;
		CAP_VALUE_ARRAY_FOREACH(images, j, cur)
		{
			const char *cn = cap_value_dig_string(cur, "name", NULL);
			if (!cn || strcmp(cn, name))
				continue;
			/* merge as kustomize does: a new tag drops the digest and vice versa */
			const char *key;
			cap_value *v;
			CAP_VALUE_OBJECT_FOREACH(img, key, v)
			{
				cap_value_object_set(cur, key, cap_value_ref(v));
				if (!strcmp(key, "newTag") && cap_value_object_get(cur, "digest"))
					cap_value_object_del(cur, "digest");
				if (!strcmp(key, "digest") && cap_value_object_get(cur, "newTag"))
					cap_value_object_del(cur, "newTag");
			}
			merged = true;
			break;
		}
		if (merged)
			cap_value_free(img);
		else
			cap_value_array_append(images, img);
	}
	cap_buf_release(&arg);
	return rc;
}

static void set_replicas(cap_value *k, const cap_render_source *s)
{
	cap_value *list = list_member(k, "replicas"), *cur;
	for (size_t i = 0; i < s->kustomize.replicas.len; i++) {
		const cap_render_replica *r = &s->kustomize.replicas.items[i];
		cap_value *entry = cap_value_object();
		size_t j;
		bool replaced = false;
		cap_value_object_set(entry, "name", cap_value_string(r->name));
		cap_value_object_set(entry, "count", cap_value_int(r->count));
		CAP_VALUE_ARRAY_FOREACH(list, j, cur)
		{
			const char *n = cap_value_dig_string(cur, "name", NULL);
			if (n && !strcmp(n, r->name)) {
				cap_value_array_set(list, j, cap_value_ref(entry));
				replaced = true;
				break;
			}
		}
		if (!replaced)
			cap_value_array_append(list, cap_value_ref(entry));
		cap_value_free(entry);
	}
}

/* `kustomize edit add label|annotation [--force]`: an existing key is an error unless forced. */
static int add_pairs(cap_value *target, const cap_value *pairs, bool force, bool subst,
		     const char *what, cap_render_ctx *ctx)
{
	const char *key;
	cap_value *v;
	cap_buf val = CAP_BUF_INIT;
	int rc = 0;
	CAP_VALUE_OBJECT_FOREACH(pairs, key, v)
	{
		if (!force && cap_value_object_get(target, key)) {
			rc = cap_error_set(CAP_ECONFLICT, "%s %s already in kustomization file",
					   what, key);
			break;
		}
		if (subst)
			cap_render__envsubst(&val, cap_value_get_string(v), &ctx->env);
		else
			cap_buf_sets(&val, cap_value_get_string(v));
		cap_value_object_set(target, key, cap_value_stringn(val.ptr, val.len));
	}
	cap_buf_release(&val);
	return rc;
}

static int add_labels(cap_value *k, cap_render_ctx *ctx)
{
	const cap_render_source *s = ctx->req->source;
	cap_value *labels = s->kustomize.common_labels;
	if (!cap_value_object_len(labels))
		return 0;
	if (!s->kustomize.label_without_selector)
		return add_pairs(map_member(k, "commonLabels"), labels,
				 s->kustomize.force_common_labels, true, "label", ctx);
	/* --without-selector writes a labels entry that leaves selectors alone */
	cap_value *entry = cap_value_object();
	cap_value *pairs = cap_value_object();
	int rc = add_pairs(pairs, labels, true, true, "label", ctx);
	cap_value_object_set(entry, "pairs", pairs);
	if (s->kustomize.label_include_templates)
		cap_value_object_set(entry, "includeTemplates", cap_value_bool(true));
	cap_value_array_append(list_member(k, "labels"), entry);
	return rc;
}

static int add_components(cap_value *k, const char *dir, cap_render_ctx *ctx)
{
	const cap_render_source *s = ctx->req->source;
	cap_value *list = list_member(k, "components");
	cap_buf p = CAP_BUF_INIT;
	int rc = 0;
	for (size_t i = 0; i < s->kustomize.components.len && !rc; i++) {
		const char *c = s->kustomize.components.items[i];
		struct stat st;
		bool present = false;
		cap_value *cur;
		size_t j;
		cap_buf_clear(&p);
		cap_buf_printf(&p, "%s/%s", dir, c);
		if (!strstr(c, "://") && stat(p.ptr, &st) != 0) {
			if (s->kustomize.ignore_missing_components)
				continue;
			rc = cap_error_set(CAP_ENOTFOUND, "kustomize component '%s' not found", c);
			break;
		}
		CAP_VALUE_ARRAY_FOREACH(list, j, cur)
		present =
		    present || (cap_value_is_string(cur) && !strcmp(cap_value_get_string(cur), c));
		if (!present)
			cap_value_array_append(list, cap_value_string(c));
	}
	cap_buf_release(&p);
	return rc;
}

static int apply_edits(cap_value *k, const char *dir, cap_render_ctx *ctx)
{
	const cap_render_source *s = ctx->req->source;
	int rc;
	if (s->kustomize.name_prefix)
		cap_value_object_set(k, "namePrefix", cap_value_string(s->kustomize.name_prefix));
	if (s->kustomize.name_suffix)
		cap_value_object_set(k, "nameSuffix", cap_value_string(s->kustomize.name_suffix));
	if ((rc = set_images(k, ctx)))
		return rc;
	if (s->kustomize.replicas.len)
		set_replicas(k, s);
	if ((rc = add_labels(k, ctx)))
		return rc;
	if (cap_value_object_len(s->kustomize.common_annotations) &&
	    (rc = add_pairs(map_member(k, "commonAnnotations"), s->kustomize.common_annotations,
			    s->kustomize.force_common_annotations,
			    s->kustomize.common_annotations_envsubst, "annotation", ctx)))
		return rc;
	if (s->kustomize.namespace)
		cap_value_object_set(k, "namespace", cap_value_string(s->kustomize.namespace));
	if (cap_value_array_len(s->kustomize.patches)) {
		cap_value *list = list_member(k, "patches"), *p;
		size_t i;
		CAP_VALUE_ARRAY_FOREACH(s->kustomize.patches, i, p)
		cap_value_array_append(list, cap_value_deep_copy(p));
	}
	return add_components(k, dir, ctx);
}

static int edit_copy(cap_buf *out_dir, cap_render_ctx *ctx)
{
	const char *tmp;
	cap_buf dir = CAP_BUF_INIT, file = CAP_BUF_INIT, text = CAP_BUF_INIT;
	cap_value *k = NULL;
	int rc;
	if ((rc = cap_render__tmpdir(&tmp, ctx)) ||
	    (rc = cap_render_mirror(&dir, tmp, ctx->root, ctx->app_dir)))
		goto done;
	for (size_t i = 0; i < sizeof(kustomization_names) / sizeof(*kustomization_names); i++) {
		cap_buf_clear(&file);
		cap_buf_printf(&file, "%s/%s", dir.ptr, kustomization_names[i]);
		if (access(file.ptr, F_OK) == 0)
			break;
		cap_buf_clear(&file);
	}
	if (!file.len) {
		rc = cap_error_set(CAP_ENOTFOUND, "kustomization file not found in '%s'",
				   ctx->app_rel);
		goto done;
	}
	if ((rc = cap_buf_read_file(&text, file.ptr)) ||
	    (rc = cap_yaml_parse(&k, text.ptr, text.len, kustomization_names[0], NULL)))
		goto done;
	if (cap_value_is_null(k)) {
		cap_value_free(k);
		k = cap_value_object();
	}
	if (!cap_value_is_object(k)) {
		rc = cap_error_set(CAP_EINVALID, "kustomization file is not a mapping");
		goto done;
	}
	if ((rc = apply_edits(k, dir.ptr, ctx)))
		goto done;
	/* JSON is YAML: kustomize reads it back without a YAML printer in between. */
	cap_buf_clear(&text);
	cap_json_print(&text, k, CAP_JSON_INDENT);
	unlink(file.ptr);
	if ((rc = cap_buf_write_file_atomic(&text, file.ptr)))
		goto done;
	cap_buf_sets(out_dir, dir.ptr);
done:
	cap_value_free(k);
	cap_buf_release(&dir);
	cap_buf_release(&file);
	cap_buf_release(&text);
	return rc;
}

/* The binary configured for a kustomize.version, or NULL. */
static const char *versioned_binary(const cap_render_ctx *ctx, const char *version)
{
	size_t n = strlen(version);
	for (const char *const *v = ctx->opts.kustomize_versions; v && *v; v++)
		if (!strncmp(*v, version, n) && (*v)[n] == '=')
			return *v + n + 1;
	return NULL;
}

int cap_render__kustomize(cap_value *objs, cap_render_ctx *ctx)
{
	const cap_render_source *s = ctx->req->source;
	cap_buf dir = CAP_BUF_INIT, out = CAP_BUF_INIT;
	cap_strvec args = CAP_STRVEC_INIT;
	int rc = 0;
	if (needs_edits(s))
		rc = edit_copy(&dir, ctx);
	else
		cap_buf_sets(&dir, ctx->app_dir);
	if (rc)
		goto done;
	if (s->kustomize.version) {
		const char *bin = versioned_binary(ctx, s->kustomize.version);
		if (!bin) {
			rc =
			    cap_error_set(CAP_ENOTFOUND,
					  "kustomize version '%s' is not configured on this server",
					  s->kustomize.version);
			goto done;
		}
		cap_strvec_push(&args, bin);
		cap_strvec_push(&args, "build");
	} else if (ctx->opts.kustomize_path) {
		cap_strvec_push(&args, ctx->opts.kustomize_path);
		cap_strvec_push(&args, "build");
	} else {
		cap_strvec_push(&args, ctx->opts.kubectl_path);
		cap_strvec_push(&args, "kustomize");
	}
	cap_strvec_push(&args, dir.ptr);
	if (ctx->opts.kustomize_build_options)
		cap_strvec_split(&args, ctx->opts.kustomize_build_options, ' ', true);
	rc = cap_render__run(&out, (const char *const *)args.items, dir.ptr, ctx);
	rc = cap_render__tool_objects(objs, rc, &out, "kustomize build", ctx);
done:
	cap_strvec_release(&args);
	cap_buf_release(&dir);
	cap_buf_release(&out);
	return rc;
}
