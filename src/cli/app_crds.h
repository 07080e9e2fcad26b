/* The Argo CD CRDs from deploy/crds, embedded in the binary so an installed capstan works alone. */
#pragma once

#include <stddef.h>

/* One embedded CRD file: its file name and YAML text (static, not NUL-terminated). */
typedef struct cap_app_crd_file {
	const char *name;
	const char *text;
	size_t len;
} cap_app_crd_file;

/* The CRD files in install order (AppProject, Application, ApplicationSet); *n gets the count. */
const cap_app_crd_file *cap_app_crds(size_t *n);
