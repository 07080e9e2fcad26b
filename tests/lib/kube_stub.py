#!/usr/bin/env python3
# A recording stand-in for the Kubernetes API, just enough for `kubectl apply` of namespaced core
# and apps/v1 objects: version and legacy discovery built from the shared discovery documents,
# the OpenAPI v3 documents of the shared data (so kubectl takes patch strategies from OpenAPI, as
# against a real cluster), GET/POST/PATCH of objects kept as files in STATE_DIR. Each PATCH body is appended to
# STATE_DIR/patches.jsonl and applied with `kubectl patch --local`, Kubernetes' own code.
# Usage: kube_stub.py STATE_DIR SHARED_DATA  (writes the port to STATE_DIR/port)
import json
import os
import subprocess
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

STATE, SHARED = sys.argv[1], sys.argv[2]
DISCOVERY = os.path.join(SHARED, "kubernetes", "discovery")
GROUPS = {"apps": "v1"}


def load(name):
    with open(os.path.join(DISCOVERY, name)) as f:
        return json.load(f)


CORE = load("api__v1.json")
OPENAPI_V3 = os.path.join(SHARED, "kubernetes", "openapi-v3")
AGGREGATED = load("aggregated_v2.json")


def group_resources(group, version):
    for g in AGGREGATED["items"]:
        if g["metadata"]["name"] != group:
            continue
        for v in g["versions"]:
            if v["version"] != version:
                continue
            out = []
            for r in v["resources"]:
                out.append({"name": r["resource"], "singularName": r.get("singularResource", ""),
                            "namespaced": r.get("scope") == "Namespaced",
                            "kind": r["responseKind"]["kind"], "verbs": r.get("verbs", []),
                            "shortNames": r.get("shortNames", [])})
                for s in r.get("subresources", []):
                    out.append({"name": r["resource"] + "/" + s["subresource"],
                                "singularName": "", "namespaced": r.get("scope") == "Namespaced",
                                "kind": s["responseKind"]["kind"], "verbs": s.get("verbs", [])})
            return {"kind": "APIResourceList", "apiVersion": "v1",
                    "groupVersion": "%s/%s" % (group, version), "resources": out}
    return None


def object_path(parts):
    # ["api","v1","namespaces",ns,plural,name] or ["apis",g,v,"namespaces",ns,plural,name]
    return os.path.join(STATE, "objects", "_".join(parts) + ".json")


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def not_found(self, what="the server could not find the requested resource"):
        self.reply(404, {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                         "message": what, "reason": "NotFound", "code": 404})

    def body(self):
        n = int(self.headers.get("Content-Length", "0"))
        return self.rfile.read(n).decode()

    def parts(self):
        path = self.path.split("?", 1)[0]
        return [p for p in path.split("/") if p]

    def do_GET(self):
        p = self.parts()
        if p == ["version"]:
            return self.reply(200, {"major": "1", "minor": "32", "gitVersion": "v1.32.4",
                                    "platform": "linux/amd64"})
        if p == ["api"]:
            return self.reply(200, {"kind": "APIVersions", "versions": ["v1"],
                                    "serverAddressByClientCIDRs": []})
        if p == ["api", "v1"]:
            return self.reply(200, CORE)
        if p == ["apis"]:
            groups = [{"name": g, "versions": [{"groupVersion": g + "/" + v, "version": v}],
                       "preferredVersion": {"groupVersion": g + "/" + v, "version": v}}
                      for g, v in GROUPS.items()]
            return self.reply(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
        if p == ["openapi", "v3"]:
            paths = {}
            for name in sorted(os.listdir(OPENAPI_V3)):
                gv = name[:-5].replace("__", "/")
                paths[gv] = {"serverRelativeURL": "/openapi/v3/%s?hash=%s" % (gv, len(gv))}
            return self.reply(200, {"paths": paths})
        if len(p) > 2 and p[:2] == ["openapi", "v3"]:
            path = os.path.join(OPENAPI_V3, "__".join(p[2:]) + ".json")
            if os.path.exists(path):
                with open(path) as f:
                    return self.reply(200, json.load(f))
            return self.not_found()
        if len(p) == 3 and p[0] == "apis":
            r = group_resources(p[1], p[2])
            return self.reply(200, r) if r else self.not_found()
        path = object_path(p)
        if os.path.exists(path):
            with open(path) as f:
                return self.reply(200, json.load(f))
        return self.not_found()

    def do_POST(self):
        obj = json.loads(self.body())
        name = obj["metadata"]["name"]
        path = object_path(self.parts() + [name])
        obj["metadata"].setdefault("uid", "uid-" + name)
        with open(path, "w") as f:
            json.dump(obj, f)
        self.reply(201, obj)

    def do_PATCH(self):
        body = self.body()
        ctype = self.headers.get("Content-Type", "")
        with open(os.path.join(STATE, "patches.jsonl"), "a") as f:
            f.write(json.dumps({"path": self.path, "type": ctype, "patch": json.loads(body)}) + "\n")
        path = object_path(self.parts())
        if not os.path.exists(path):
            return self.not_found()
        kind = {"application/strategic-merge-patch+json": "strategic",
                "application/merge-patch+json": "merge",
                "application/json-patch+json": "json"}.get(ctype.split(";")[0], "strategic")
        r = subprocess.run(["kubectl", "patch", "--local", "-f", path, "--type", kind, "-p", body,
                            "-o", "json"], capture_output=True, text=True)
        if r.returncode != 0:
            return self.reply(422, {"kind": "Status", "apiVersion": "v1", "status": "Failure",
                                    "message": r.stderr.strip(), "reason": "Invalid",
                                    "code": 422})
        with open(path, "w") as f:
            f.write(r.stdout)
        self.reply(200, json.loads(r.stdout))


def main():
    os.makedirs(os.path.join(STATE, "objects"), exist_ok=True)
    server = HTTPServer(("127.0.0.1", 0), Handler)
    with open(os.path.join(STATE, "port.tmp"), "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(os.path.join(STATE, "port.tmp"), os.path.join(STATE, "port"))
    server.serve_forever()


if __name__ == "__main__":
    main()
