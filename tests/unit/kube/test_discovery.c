/* Discovery over legacy documents (/api, /apis, group versions) of a server without aggregation. */
#include "cap_test.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/error.h"
#include "base/time.h"
#include "kube/client.h"
#include "kube/discovery.h"

typedef struct fixture {
	pid_t pid;
	cap_buf dir;
	cap_kube_client *client;
} fixture;

static int setup(void **state)
{
	if (!cap_test_have_program("python3"))
		return -1;
	fixture *f = calloc(1, sizeof(*f));
	cap_buf_init(&f->dir);
	cap_test_mkdtemp(&f->dir);
	cap_buf script = CAP_BUF_INIT, shared = CAP_BUF_INIT, port_file = CAP_BUF_INIT;
	cap_buf_printf(&script, "%s/tests/lib/kube_stub.py",
		       getenv("CAP_SOURCE_DIR") ? getenv("CAP_SOURCE_DIR") : CAP_SOURCE_DIR);
	cap_test_shared_path(&shared, "");
	f->pid = fork();
	if (f->pid == 0) {
		execlp("python3", "python3", script.ptr, f->dir.ptr, shared.ptr, (char *)NULL);
		_exit(127);
	}
	cap_buf_printf(&port_file, "%s/port", f->dir.ptr);
	cap_buf port = CAP_BUF_INIT;
	for (int i = 0; i < 500 && cap_buf_read_file(&port, port_file.ptr) != 0; i++)
		cap_time_sleep_ms(10);
	if (!port.len)
		return -1;
	cap_kube_config cfg;
	cap_kube_config_init(&cfg);
	cap_buf server = CAP_BUF_INIT;
	cap_buf_printf(&server, "http://127.0.0.1:%s", port.ptr);
	cfg.server = cap_buf_detach(&server, NULL);
	cfg.namespace = strdup("default");
	cap_kube_client_options o = {.qps = -1};
	if (cap_kube_client_new(&f->client, &cfg, &o) != 0)
		return -1;
	cap_kube_config_release(&cfg);
	cap_buf_release(&script);
	cap_buf_release(&shared);
	cap_buf_release(&port_file);
	cap_buf_release(&port);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	cap_kube_client_free(f->client);
	kill(f->pid, SIGTERM);
	waitpid(f->pid, NULL, 0);
	cap_test_rmtree(f->dir.ptr);
	cap_buf_release(&f->dir);
	free(f);
	return 0;
}

static void test_legacy_documents_give_kinds_and_scopes(void **state)
{
	fixture *f = *state;
	cap_kube_discovery *d = cap_kube_client_discovery(f->client);
	cap_kube_api_resource r;
	cap_kube_api_resource_init(&r);
	assert_int_equal(cap_kube_discovery_find_kind(d, &r, "apps", NULL, "Deployment"), 0);
	assert_string_equal(r.resource, "deployments");
	assert_string_equal(r.version, "v1");
	assert_true(r.namespaced);
	assert_true(r.preferred);
	assert_int_equal(cap_kube_discovery_find_kind(d, &r, "", "v1", "Namespace"), 0);
	assert_false(r.namespaced);
	assert_int_equal(cap_kube_discovery_find_resource(d, &r, NULL, "cm"), 0);
	assert_string_equal(r.kind, "ConfigMap");
	assert_int_equal(cap_kube_discovery_find_resource(d, &r, NULL, "deploy"), 0);
	assert_string_equal(r.group, "apps");
	cap_kube_api_resource_release(&r);
}

static void test_subresources_are_not_resource_types(void **state)
{
	fixture *f = *state;
	cap_kube_api_resource_list l = {0};
	assert_int_equal(cap_kube_discovery_list(cap_kube_client_discovery(f->client), &l,
						 CAP_KUBE_VERB_LIST | CAP_KUBE_VERB_WATCH, true),
			 0);
	bool pods = false, apps = false;
	for (size_t i = 0; i < l.len; i++) {
		assert_null(strchr(l.items[i].resource, '/'));
		pods |= strcmp(l.items[i].resource, "pods") == 0;
		apps |= strcmp(l.items[i].group, "apps") == 0;
	}
	assert_true(pods && apps);
	/* ordered by group: the core group ("") first */
	assert_string_equal(l.items[0].group, "");
	cap_kube_api_resource_list_release(&l);
}

static void test_unknown_kind_names_group_and_version(void **state)
{
	fixture *f = *state;
	cap_kube_api_resource r;
	cap_kube_api_resource_init(&r);
	assert_int_equal(cap_kube_discovery_find_kind(cap_kube_client_discovery(f->client), &r,
						      "batch", "v1", "CronJob"),
			 CAP_ENOTFOUND);
	assert_string_equal(cap_error_last(),
			    "no matches for kind \"CronJob\" in version \"batch/v1\"");
	cap_kube_api_resource_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_legacy_documents_give_kinds_and_scopes),
	    cmocka_unit_test(test_subresources_are_not_resource_types),
	    cmocka_unit_test(test_unknown_kind_names_group_and_version),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
