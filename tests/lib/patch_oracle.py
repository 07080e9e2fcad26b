#!/usr/bin/env python3
# Runs the patch cases of tests/fixtures/patch/apply_cases.json through kubectl (the oracle) and
# capstan, printing "OK <name>" or "FAIL <name>: <why>" per case; "record" stores kubectl's answers
# in the fixture as "expect" / "expect_error" for the unit tests.
import json
import os
import random
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "fixtures", "patch")
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def normalise(v):
    """Drops nulls, empty maps and lists (kubectl's Go types add some); keeps list order."""
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            if k == LAST_APPLIED and isinstance(x, str):
                x = json.loads(x)
            x = normalise(x)
            if x is None or x == {} or x == []:
                continue
            out[k] = x
        return out
    if isinstance(v, list):
        return [normalise(x) for x in v]
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def run(argv):
    p = subprocess.run(argv, capture_output=True, text=True)
    if p.returncode != 0:
        return None, (p.stderr.strip() or p.stdout.strip() or "exit %d" % p.returncode)
    return json.loads(p.stdout), None


def kubectl(case, base_path, patch_text):
    return run(["kubectl", "patch", "--local", "-f", base_path, "--type", case["type"],
                "-p", patch_text, "-o", "json"])


def capstan(case, base_path, patch_path):
    return run(["capstan", "admin", "patch", "apply", "--type", case["type"], base_path,
                patch_path])


def random_patch(rng):
    """A Deployment patch mixing directives; never one whose kubectl result depends on Go's map
    order (a primitive list added to and deleted from without $setElementOrder)."""
    names, envs = ["app", "sidecar", "log"], ["MODE", "LOG", "DB", "NEW"]
    spec = {}
    containers = []
    for _ in range(rng.randint(0, 3)):
        c = {"name": rng.choice(names)}
        if rng.random() < 0.15:
            c["$patch"] = "delete"
        if rng.random() < 0.5:
            c["image"] = rng.choice(["i:1", "i:2", None])
        if rng.random() < 0.5:
            c["env"] = [{"name": rng.choice(envs), "value": rng.choice(["1", None])}
                        if rng.random() < 0.8 else {"name": rng.choice(envs), "$patch": "delete"}
                        for _ in range(rng.randint(0, 3))]
            if rng.random() < 0.3:
                c["$setElementOrder/env"] = [{"name": n} for n in rng.sample(envs, rng.randint(0, 4))]
        if rng.random() < 0.3:
            c["ports"] = [{"containerPort": rng.choice([80, 8080, 9090]), "name": rng.choice("ab")}]
        containers.append(c)
    if containers or rng.random() < 0.5:
        spec["containers"] = containers
    if rng.random() < 0.3:
        spec["$setElementOrder/containers"] = [{"name": n} for n in rng.sample(names, rng.randint(0, 3))]
    if rng.random() < 0.3:
        spec["volumes"] = [{"name": rng.choice(["data", "config", "new"]), "emptyDir": {}}]
    metadata = {}
    fins = ["example.com/a", "example.com/b", "example.com/c"]
    if rng.random() < 0.4:
        metadata["finalizers"] = rng.sample(fins, rng.randint(0, 3))
    elif rng.random() < 0.4:
        metadata["$deleteFromPrimitiveList/finalizers"] = rng.sample(fins, rng.randint(0, 2))
    if rng.random() < 0.3:
        metadata["labels"] = {"app": rng.choice([None, "x"]), "tier": None}
    patch = {"spec": {"template": {"spec": spec}}}
    if metadata:
        patch["metadata"] = metadata
    if rng.random() < 0.2:
        patch["spec"]["strategy"] = rng.choice([{"type": "Recreate", "$retainKeys": ["type"]},
                                                {"$patch": "delete"}])
    return patch


def random_cases(count):
    rng = random.Random(20261124)
    return [{"name": "random_%02d" % i, "type": "strategic", "base": "deployment",
             "patch": random_patch(rng)} for i in range(count)]


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "check"
    path = os.path.join(FIXTURES, "apply_cases.json")
    with open(path) as f:
        cases = json.load(f)
    if mode == "check":
        # seeded random cases beside the written ones: kubectl is the only expectation
        cases = cases + random_cases(int(os.environ.get("CAP_PATCH_RANDOM_CASES", "30")))
    tmp = tempfile.mkdtemp(prefix="capstan-patch-")
    for case in cases:
        base_path = os.path.join(FIXTURES, "bases", case["base"] + ".json")
        patch_text = json.dumps(case["patch"])
        patch_path = os.path.join(tmp, case["name"] + ".json")
        with open(patch_path, "w") as f:
            f.write(patch_text)
        want, want_err = kubectl(case, base_path, patch_text)
        if mode == "record":
            case.pop("expect", None)
            case.pop("expect_error", None)
            if want_err:
                case["expect_error"] = want_err
            else:
                case["expect"] = want
            continue
        got, got_err = capstan(case, base_path, patch_path)
        name = case["name"]
        if want_err or got_err:
            if want_err and got_err:
                print("OK %s (both refuse)" % name)
            else:
                print("FAIL %s: kubectl %s, capstan %s" % (
                    name, "refused: " + want_err if want_err else "succeeded",
                    "refused: " + got_err if got_err else "succeeded"))
            continue
        if normalise(want) != normalise(got):
            print("FAIL %s: kubectl %s capstan %s" % (
                name, json.dumps(normalise(want), sort_keys=True),
                json.dumps(normalise(got), sort_keys=True)))
            continue
        recorded = case.get("expect")
        if recorded is not None and normalise(recorded) != normalise(want):
            print("FAIL %s: the recorded expectation is stale" % name)
            continue
        print("OK %s" % name)
    if mode == "record":
        with open(path, "w") as f:
            json.dump(cases, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
