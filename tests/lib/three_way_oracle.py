#!/usr/bin/env python3
# Three-way oracle: applies the manifests of tests/fixtures/patch/three_way/NN.json one after
# another with the real `kubectl apply` against kube_stub.py, which records each strategic merge
# patch kubectl sends, and compares it with `capstan admin patch create --set-last-applied
# CONFIG LIVE` computed from the same live object. A step's "drift" is applied to the live object
# first (another client's change), so the three ways differ. Prints "OK <step>" / "FAIL <step>:".
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
STEPS = os.path.join(HERE, "..", "fixtures", "patch", "three_way")
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def semantic(v):
    """The annotation holds JSON text: compare what it says, not how it is spelled."""
    if isinstance(v, dict):
        return {k: json.loads(x) if k == LAST_APPLIED and isinstance(x, str) else semantic(x)
                for k, x in v.items()}
    if isinstance(v, list):
        return [semantic(x) for x in v]
    return v


def main():
    shared = sys.argv[1]
    global STEPS
    if len(sys.argv) > 2:
        STEPS = sys.argv[2]
    tmp = tempfile.mkdtemp(prefix="capstan-3way-")
    stub = subprocess.Popen([sys.executable, os.path.join(HERE, "kube_stub.py"), tmp, shared])
    try:
        run_steps(tmp)
    finally:
        stub.terminate()
        stub.wait()
        shutil.rmtree(tmp, ignore_errors=True)


def live_path(tmp, manifest):
    """Where kube_stub.py keeps the object: its REST path joined with underscores."""
    api = manifest["apiVersion"]
    prefix = ["api", api] if "/" not in api else ["apis"] + api.split("/")
    parts = prefix + ["namespaces", manifest["metadata"]["namespace"],
                      manifest["kind"].lower() + "s", manifest["metadata"]["name"]]
    return os.path.join(tmp, "objects", "_".join(parts) + ".json")


def run_steps(tmp):
    for _ in range(100):
        if os.path.exists(os.path.join(tmp, "port")):
            break
        time.sleep(0.05)
    with open(os.path.join(tmp, "port")) as f:
        port = f.read().strip()
    kubeconfig = os.path.join(tmp, "kubeconfig")
    with open(kubeconfig, "w") as f:
        f.write("apiVersion: v1\nkind: Config\n"
                "clusters: [{name: stub, cluster: {server: 'http://127.0.0.1:%s', "
                "insecure-skip-tls-verify: true}}]\n"
                "users: [{name: stub, user: {token: any}}]\n"
                "contexts: [{name: stub, context: {cluster: stub, user: stub}}]\n"
                "current-context: stub\n" % port)
    env = dict(os.environ, KUBECONFIG=kubeconfig)
    patches = os.path.join(tmp, "patches.jsonl")
    for path in sorted(glob.glob(os.path.join(STEPS, "*.json"))):
        name = os.path.basename(path)[:-5]
        with open(path) as f:
            step = json.load(f)
        label = "%s %s" % (name, step["description"])
        live = live_path(tmp, step["manifest"])
        config = os.path.join(tmp, name + ".yaml")
        with open(config, "w") as f:
            json.dump(step["manifest"], f, indent=1)
        if "drift" in step:
            r = subprocess.run(["kubectl", "patch", "--local", "-f", live, "--type", "strategic",
                                "-p", json.dumps(step["drift"]), "-o", "json"],
                               capture_output=True, text=True)
            with open(live, "w") as f:
                f.write(r.stdout)
        before = os.path.join(tmp, "live-before.json")
        existed = os.path.exists(live)
        if existed:
            shutil.copy(live, before)
        sent = sum(1 for _ in open(patches)) if os.path.exists(patches) else 0
        r = subprocess.run(["kubectl", "apply", "--validate=false", "--cache-dir",
                            os.path.join(tmp, "cache"), "-f", config],
                           capture_output=True, text=True, env=env)
        kubectl_failed = r.returncode != 0
        if not existed:
            if kubectl_failed:
                print("FAIL %s: kubectl apply failed: %s" % (label, r.stderr.strip()))
            else:
                print("OK %s (created)" % label)
            continue
        with open(patches) if os.path.exists(patches) else open(os.devnull) as f:
            lines = f.readlines()
        sent_patch = len(lines) > sent
        want = json.loads(lines[-1])["patch"] if sent_patch else {}
        r = subprocess.run(["capstan", "admin", "patch", "create", "--type", "strategic",
                            "--set-last-applied", config, before], capture_output=True, text=True)
        if kubectl_failed and not sent_patch:
            # kubectl could not compute a patch (its own consistency checks refused)
            if r.returncode != 0:
                print("OK %s (both refuse to create the patch)" % label)
            else:
                print("FAIL %s: kubectl refused to create a patch, capstan made %s" %
                      (label, r.stdout.strip()))
            continue
        if r.returncode != 0:
            print("FAIL %s: capstan refused: %s" % (label, r.stderr.strip()))
            continue
        got = json.loads(r.stdout)
        if semantic(want) != semantic(got):
            print("FAIL %s: kubectl sent %s capstan made %s" % (
                label, json.dumps(semantic(want), sort_keys=True),
                json.dumps(semantic(got), sort_keys=True)))
            continue
        # and applying capstan's patch to the same live object gives what the server stored
        r = subprocess.run(["capstan", "admin", "patch", "apply", "--type", "strategic", before,
                            r.stdout], capture_output=True, text=True)
        if kubectl_failed:
            # the server (Kubernetes' own apply code) refused the patch kubectl sent
            if r.returncode == 0:
                print("FAIL %s: the server refused the patch but capstan applies it" % label)
            else:
                print("OK %s (the server and capstan refuse the patch)" % label)
            continue
        with open(live) as f:
            stored = json.load(f)
        if r.returncode != 0 or semantic(json.loads(r.stdout)) != semantic(stored):
            print("FAIL %s: capstan's apply of the patch differs from the server's result: %s" %
                  (label, r.stderr.strip() or r.stdout))
            continue
        print("OK %s" % label)


if __name__ == "__main__":
    main()
