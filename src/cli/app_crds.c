/* Embeds the deploy/crds YAML files with the assembler's .incbin: no generator step needed. */
#include "cli/app_crds.h"

#define CAP_EMBED(sym, file)                                                                       \
	__asm__(".section .rodata\n"                                                               \
		".global " #sym "_start\n"                                                         \
		".global " #sym "_end\n"                                                           \
		".balign 16\n" #sym "_start:\n"                                                    \
		".incbin \"" CAP_SOURCE_DIR "/deploy/crds/" file "\"\n" #sym "_end:\n"             \
		".previous\n");                                                                    \
	extern const char sym##_start[], sym##_end[]

CAP_EMBED(cap_crd_appproject, "appproject-crd.yaml");
CAP_EMBED(cap_crd_application, "application-crd.yaml");
CAP_EMBED(cap_crd_applicationset, "applicationset-crd.yaml");

const cap_app_crd_file *cap_app_crds(size_t *n)
{
	static cap_app_crd_file files[3];
	files[0] = (cap_app_crd_file){"appproject-crd.yaml", cap_crd_appproject_start,
				      (size_t)(cap_crd_appproject_end - cap_crd_appproject_start)};
	files[1] =
	    (cap_app_crd_file){"application-crd.yaml", cap_crd_application_start,
			       (size_t)(cap_crd_application_end - cap_crd_application_start)};
	files[2] =
	    (cap_app_crd_file){"applicationset-crd.yaml", cap_crd_applicationset_start,
			       (size_t)(cap_crd_applicationset_end - cap_crd_applicationset_start)};
	*n = 3;
	return files;
}
