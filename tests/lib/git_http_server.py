#!/usr/bin/env python3
"""Test fixture: serves git repositories over smart HTTP (git http-backend) on loopback, with
optional basic auth, and logs one line per request so tests can count round trips."""
import argparse
import base64
import http.server
import os
import subprocess
import sys
import threading
import time


def make_handler(root, user, password, token, log):
    accepted = set()
    if user is not None:
        accepted.add("Basic " + base64.b64encode(f"{user}:{password}".encode()).decode())
    if token is not None:
        accepted.add("Bearer " + token)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            pass

        def handle_git(self):
            if accepted and self.headers.get("Authorization") not in accepted:
                log.write(f"401 {self.command} {self.path}\n")
                log.flush()
                body = b"authentication required\n"
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="capstan-test"')
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            log.write(f"200 {self.command} {self.path}\n")
            log.flush()
            path, _, query = self.path.partition("?")
            length = int(self.headers.get("Content-Length") or 0)
            data = self.rfile.read(length) if length else b""
            env = {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "GIT_PROJECT_ROOT": root,
                "GIT_HTTP_EXPORT_ALL": "1",
                "REQUEST_METHOD": self.command,
                "PATH_INFO": path,
                "QUERY_STRING": query,
                "CONTENT_TYPE": self.headers.get("Content-Type", ""),
                "CONTENT_LENGTH": str(len(data)),
                "REMOTE_ADDR": "127.0.0.1",
                "GIT_CONFIG_NOSYSTEM": "1",
                "GIT_CONFIG_GLOBAL": "/dev/null",
            }
            if self.headers.get("Git-Protocol"):
                env["GIT_PROTOCOL"] = self.headers["Git-Protocol"]
            if self.headers.get("Content-Encoding") == "gzip":
                env["HTTP_CONTENT_ENCODING"] = "gzip"
            out = subprocess.run(["git", "http-backend"], input=data, env=env,
                                 stdout=subprocess.PIPE).stdout
            head, _, body = out.partition(b"\r\n\r\n")
            status = 200
            headers = []
            for line in head.split(b"\r\n"):
                name, _, value = line.decode().partition(":")
                if name.lower() == "status":
                    status = int(value.strip().split()[0])
                elif name:
                    headers.append((name, value.strip()))
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = handle_git
        do_POST = handle_git

    return Handler


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--root", required=True)
    p.add_argument("--port-file", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--token")
    p.add_argument("--watch-pid", type=int,
                   help="exit when this process is gone (the test that started the server)")
    a = p.parse_args()
    log = open(a.log, "a")
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), make_handler(a.root, a.user, a.password, a.token, log))
    with open(a.port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(a.port_file + ".tmp", a.port_file)
    sys.stdout.flush()
    if a.watch_pid:
        def watch():
            while True:
                time.sleep(0.5)
                try:
                    os.kill(a.watch_pid, 0)
                except ProcessLookupError:
                    os._exit(0)
        threading.Thread(target=watch, daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
