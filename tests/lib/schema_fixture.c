/* The Kubernetes structured-merge schema of ../shared/data for tests that apply or walk objects. */
#include "schema_fixture.h"

#include "cap_test.h"

#include "base/error.h"

void cap_test_load_kubernetes_schema(cap_smd_schema *schema)
{
	cap_buf path = CAP_BUF_INIT;
	cap_test_shared_path(&path, "kubernetes/smd-schema.yaml");
	int err = cap_smd_schema_load_file(schema, path.ptr);
	cap_buf_release(&path);
	if (err)
		fail_msg("cannot load the shared schema: %s", cap_error_last());
}
