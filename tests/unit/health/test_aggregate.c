/* Application health aggregation: worst status, skipped and missing resources, child apps. */
#include "cap_test.h"
#include "value_fixture.h"

#include "base/error.h"
#include "health/aggregate.h"
#include "value/yaml.h"

#include <string.h>

#define HEALTHY_DEPLOY                                                                             \
	"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 1}\n"      \
	"status: {replicas: 1, updatedReplicas: 1, availableReplicas: 1}\n"
#define PROGRESSING_DEPLOY                                                                         \
	"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api}\nspec: {replicas: 2}\n"      \
	"status: {replicas: 2, updatedReplicas: 1}\n"
#define DEGRADED_POD                                                                               \
	"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {restartPolicy: Always}\n"          \
	"status:\n  phase: Running\n  containerStatuses:\n"                                        \
	"  - state: {waiting: {reason: CrashLoopBackOff, message: back-off}}\n"
#define SUSPENDED_DEPLOY                                                                           \
	"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: s}\nspec: {paused: true}\n"
#define CONFIGMAP "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\n"

struct fixture {
	cap_value *targets[8];
	cap_value *lives[8];
	cap_health_resource res[8];
	size_t n;
};

/* Adds a resource: target and live given as YAML (NULL for absent). */
static void add(struct fixture *f, const char *group, const char *kind, const char *target,
		const char *live)
{
	assert_true(f->n < 8);
	cap_health_resource *r = &f->res[f->n];
	memset(r, 0, sizeof(*r));
	r->group = group;
	r->kind = kind;
	r->target = f->targets[f->n] = target ? cap_test_yaml(target) : NULL;
	r->live = f->lives[f->n] = live ? cap_test_yaml(live) : NULL;
	f->n++;
}

static cap_health_status aggregate(struct fixture *f, const cap_value *app)
{
	cap_health_status s = CAP_HEALTH_NONE;
	cap_health_aggregate(&s, f->res, f->n, NULL, app);
	return s;
}

static void release(struct fixture *f)
{
	for (size_t i = 0; i < f->n; i++) {
		cap_health_release(&f->res[i].health);
		cap_value_free(f->targets[i]);
		cap_value_free(f->lives[i]);
	}
	f->n = 0;
}

static void worst_status_wins(void **state)
{
	struct fixture f = {0};
	add(&f, "apps", "Deployment", HEALTHY_DEPLOY, HEALTHY_DEPLOY);
	add(&f, "apps", "Deployment", SUSPENDED_DEPLOY, SUSPENDED_DEPLOY);
	assert_int_equal(aggregate(&f, NULL), CAP_HEALTH_SUSPENDED);
	add(&f, "apps", "Deployment", PROGRESSING_DEPLOY, PROGRESSING_DEPLOY);
	assert_int_equal(aggregate(&f, NULL), CAP_HEALTH_PROGRESSING);
	add(&f, "", "Pod", NULL, DEGRADED_POD);
	assert_int_equal(aggregate(&f, NULL), CAP_HEALTH_DEGRADED);
	assert_int_equal(f.res[3].health.status, CAP_HEALTH_DEGRADED);
	assert_string_equal(f.res[3].health.message, "back-off");
	release(&f);
}

static void kinds_without_checks_leave_the_app_healthy(void **state)
{
	struct fixture f = {0};
	add(&f, "", "ConfigMap", CONFIGMAP, CONFIGMAP);
	assert_int_equal(aggregate(&f, NULL), CAP_HEALTH_HEALTHY);
	assert_int_equal(f.res[0].health.status, CAP_HEALTH_NONE);
	release(&f);
}

static void missing_resource_does_not_lower_health_while_others_exist(void **state)
{
	struct fixture f = {0};
	add(&f, "apps", "Deployment", HEALTHY_DEPLOY, HEALTHY_DEPLOY);
	add(&f, "apps", "Deployment", PROGRESSING_DEPLOY, NULL);
	assert_int_equal(aggregate(&f, NULL), CAP_HEALTH_HEALTHY);
	assert_int_equal(f.res[1].health.status, CAP_HEALTH_MISSING);
	release(&f);
}

static void app_is_missing_when_nothing_exists(void **state)
{
	struct fixture f = {0};
	add(&f, "", "ConfigMap", CONFIGMAP, NULL);
	add(&f, "apps", "Deployment", HEALTHY_DEPLOY, NULL);
	assert_int_equal(aggregate(&f, NULL), CAP_HEALTH_MISSING);
	release(&f);
	/* No resources at all: healthy, as an empty app is in Argo CD. */
	assert_int_equal(aggregate(&f, NULL), CAP_HEALTH_HEALTHY);
}

static void hooks_and_ignored_resources_do_not_count(void **state)
{
	struct fixture f = {0};
	add(&f, "", "Pod", NULL,
	    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: hook\n  annotations: "
	    "{argocd.argoproj.io/hook: PreSync}\n"
	    "spec: {restartPolicy: Always}\nstatus:\n  phase: Failed\n");
	add(&f, "", "Pod", NULL,
	    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: helm-test\n  annotations: "
	    "{helm.sh/hook: test}\nstatus: {phase: Failed}\n");
	add(&f, "", "Pod", NULL,
	    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: ignored\n  annotations: "
	    "{argocd.argoproj.io/ignore-healthcheck: 'true'}\nstatus: {phase: Failed}\n");
	add(&f, "apps", "Deployment",
	    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: skipped\n  annotations: "
	    "{argocd.argoproj.io/hook: Skip}\n",
	    NULL);
	add(&f, "apps", "Deployment", HEALTHY_DEPLOY, HEALTHY_DEPLOY);
	assert_int_equal(aggregate(&f, NULL), CAP_HEALTH_HEALTHY);
	assert_int_equal(f.res[0].health.status, CAP_HEALTH_NONE);
	assert_int_equal(f.res[2].health.status, CAP_HEALTH_NONE);
	release(&f);
}

static void child_application_missing_or_unknown_is_ignored(void **state)
{
	cap_health_overrides *ov = NULL;
	cap_value *cm =
	    cap_test_yaml("data:\n  resource.customizations.health.argoproj.io_Application: |\n"
			  "    return {status = obj.status.health.status}\n");
	assert_int_equal(cap_health_overrides_from_configmap(&ov, cm), 0);
	struct fixture f = {0};
	add(&f, "argoproj.io", "Application", NULL,
	    "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: child}\n"
	    "status: {health: {status: Unknown}}\n");
	add(&f, "argoproj.io", "Application", NULL,
	    "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: child2}\n"
	    "status: {health: {status: Missing}}\n");
	cap_health_status s;
	cap_health_aggregate(&s, f.res, f.n, ov, NULL);
	assert_int_equal(s, CAP_HEALTH_HEALTHY);
	assert_int_equal(f.res[0].health.status, CAP_HEALTH_UNKNOWN);
	add(&f, "argoproj.io", "Application", NULL,
	    "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: child3}\n"
	    "status: {health: {status: Degraded}}\n");
	cap_health_aggregate(&s, f.res, f.n, ov, NULL);
	assert_int_equal(s, CAP_HEALTH_DEGRADED);
	release(&f);
	cap_health_overrides_free(ov);
	cap_value_free(cm);
}

/* Argo CD 1.8 dropped the built-in check of Application: without a customisation in argocd-cm a
 * child app is not assessed and never lowers its parent's health. */
static void child_application_is_not_assessed_by_default(void **state)
{
	struct fixture f = {0};
	add(&f, "argoproj.io", "Application", NULL,
	    "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: child}\n"
	    "status: {health: {status: Degraded}}\n");
	add(&f, "argoproj.io", "Application", NULL,
	    "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: fresh}\n");
	add(&f, "apps", "Deployment", HEALTHY_DEPLOY, HEALTHY_DEPLOY);
	assert_int_equal(aggregate(&f, NULL), CAP_HEALTH_HEALTHY);
	assert_int_equal(f.res[0].health.status, CAP_HEALTH_NONE);
	assert_int_equal(f.res[1].health.status, CAP_HEALTH_NONE);
	release(&f);
}

static void app_managing_itself_ignores_its_own_object(void **state)
{
	const char *self = "apiVersion: argoproj.io/v1alpha1\nkind: Application\n"
			   "metadata: {name: root, namespace: argocd, uid: u-1, "
			   "deletionTimestamp: '2026-01-01T00:00:00Z'}\n";
	cap_value *app = cap_test_yaml(self);
	struct fixture f = {0};
	add(&f, "argoproj.io", "Application", NULL, self);
	assert_int_equal(aggregate(&f, app), CAP_HEALTH_HEALTHY);
	/* Another app's object being deleted is Progressing. */
	assert_int_equal(aggregate(&f, NULL), CAP_HEALTH_PROGRESSING);
	release(&f);
	cap_value_free(app);
}

static void failed_checks_are_marked_unknown(void **state)
{
	struct fixture f = {0};
	add(&f, "apps", "Deployment", NULL, "apiVersion: apps/v1beta1\nkind: Deployment\n");
	assert_int_equal(aggregate(&f, NULL), CAP_HEALTH_UNKNOWN);
	assert_true(f.res[0].health.failed);
	release(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(worst_status_wins),
	    cmocka_unit_test(kinds_without_checks_leave_the_app_healthy),
	    cmocka_unit_test(missing_resource_does_not_lower_health_while_others_exist),
	    cmocka_unit_test(app_is_missing_when_nothing_exists),
	    cmocka_unit_test(hooks_and_ignored_resources_do_not_count),
	    cmocka_unit_test(child_application_missing_or_unknown_is_ignored),
	    cmocka_unit_test(child_application_is_not_assessed_by_default),
	    cmocka_unit_test(app_managing_itself_ignores_its_own_object),
	    cmocka_unit_test(failed_checks_are_marked_unknown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
