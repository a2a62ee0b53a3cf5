"""The API fuzz run (docs/api-fuzzing.md): schemathesis against openapi.yaml and a real `marina serve`.

Started by conformance/api-fuzz/run, which makes the venv with schemathesis. It:

1. starts `marina serve` on a free loopback port, with embedded SQLite in a fresh temporary data
   directory and the bubblewrap sandbox (unless --unsandboxed);
2. seeds it through its own API: tenants `acme` and `globex`, `examples/hello-python` and the
   fixture app `api-fuzz` (token-app/) published and deployed, both installed in acme (hello-python
   in globex too), a developer default and a tenant override of a secret, a key of each role, one
   call of each app (so that instances, logs and audit records exist), and the fixture's app token
   for `/api/mcp/*`;
3. sends the body probes (over-limit, truncated and empty bodies, broken chunked framing);
4. runs schemathesis once per identity (the platform admin, then a tenant member of acme), with
   path and body values drawn often, not always, from what was seeded, so that requests reach real
   tenants, apps, installs, tools and secrets as well as missing ones;
5. sends the race probes (identical requests at once) and restarts serve on its data directory;
6. counts the 500s in serve's logs too, stops serve (by its PID), and exits 1 on any failed check,
   any 5xx, or a serve that does not start again.
"""
import argparse
import base64
import concurrent.futures
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import yaml  # PyYAML, a dependency of schemathesis

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
VENV_BIN = Path(sys.executable).parent

# How much each profile generates. `smoke` is what scripts/test runs (about 75 s on the
# 2-core CI machine); `long` is the documented deep run.
# `max_time` set makes schemathesis repeat fuzzing until it is spent; unset, each phase stops
# after `max_examples` cases per operation (and the run is then bounded by a timeout only).
PROFILES = {
    "smoke": {"max_examples": 50, "phases": "examples,coverage,fuzzing", "max_time": None, "races": "known-good"},
    "long": {"max_examples": 200, "phases": "examples,coverage,fuzzing,stateful", "max_time": 1800, "races": "all"},
}
# A run that takes longer than this (per identity) is stopped and failed.
TIMEOUT_S = {"smoke": 600, "long": 7200}
CHECKS = ["not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_headers_conformance", "response_schema_conformance"]
TENANT, OTHER_TENANT = "acme", "globex"
PLATFORM_TOOLS = ["kv_get", "kv_set", "kv_list", "kv_delete", "files_read", "files_write", "files_list",
                  "mail_send", "http_fetch", "apps_invoke", "calendar_list_events"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--marina", default=str(REPO / ".build" / "debug" / "marina"), help="the marina binary (marina-sandbox beside it)")
    parser.add_argument("--profile", choices=sorted(PROFILES), default="smoke")
    parser.add_argument("--seed", type=int, default=18, help="hypothesis seed (fixed, so a run can be repeated)")
    parser.add_argument("--max-examples", type=int, help="test cases per operation and phase (default: the profile's)")
    parser.add_argument("--max-time", type=int, help="seconds for each identity's run (default: the profile's)")
    parser.add_argument("--workers", default="1", help="concurrent schemathesis workers")
    parser.add_argument("--only", choices=["admin", "member"], help="run one identity only")
    parser.add_argument("--unsandboxed", action="store_true", help="serve without bubblewrap (machines without it)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (serve's log, data, reports)")
    parser.add_argument("--races", choices=["none", "known-good", "all"],
                        help="concurrent identical requests after the fuzzing: none, all but KNOWN_BROKEN_RACES, or all (default: the profile's)")
    parser.add_argument("--master-key-env", action="store_true", help="give serve its master key in MARINA_MASTER_KEY, not DATA/master.key")
    args = parser.parse_args()
    profile = PROFILES[args.profile]

    root = Path(tempfile.mkdtemp(prefix="marina-api-fuzz-"))
    root.chmod(0o755)  # the sandbox's unprivileged user reads bundles under the data directory
    print(f"== api fuzz: {args.profile} run, seed {args.seed}, in {root}", flush=True)
    master_key = base64.b64encode(os.urandom(32)).decode() if args.master_key_env else None
    serve = Serve(Path(args.marina).resolve(), root, args.unsandboxed, master_key)
    failed = True
    try:
        seeded = Seeder(serve, root).run()
        totals = [] if args.only else [probe_bodies(serve, seeded)]
        identities = [("admin", seeded["admin_key"]), ("member", seeded["member_key"])]
        for name, key in identities:
            if args.only and name != args.only:
                continue
            totals.append(run_schemathesis(name, key, seeded, serve, root, args, profile))
        races = args.races or profile["races"]
        if races != "none":
            totals.append(probe_races(serve, seeded, skip=KNOWN_BROKEN_RACES if races == "known-good" else ()))
        totals.append(check_restart(serve))
        server_errors = serve.server_errors()
        requests = sum(t["requests"] for t in totals)
        failures = sum(t["failures"] for t in totals)
        answered_5xx = sum(len(t["server_errors"]) for t in totals)
        print(f"== api fuzz: {requests} requests, {answered_5xx} answered 5xx, {failures} failed checks, "
              f"{len(server_errors)} internal errors in serve's log", flush=True)
        for line in server_errors[:20]:
            print("   " + line[:600])
        failed = failures > 0 or answered_5xx > 0 or bool(server_errors) or any(t["exit"] != 0 for t in totals)
    finally:
        serve.stop()
        if failed or args.keep:
            print(f"== api fuzz: serve's logs, data and reports kept in {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    sys.exit(1 if failed else 0)


class Serve:
    """`marina serve` in ROOT/data on a free loopback port (its URL from DATA/serve.json); each
    start logs to its own ROOT/serve-N.log."""

    def __init__(self, marina, root, unsandboxed, master_key=None):
        self.marina, self.root, self.data = marina, root, root / "data"
        self.command = [str(marina), "serve", "--data", str(self.data), "--listen", "127.0.0.1:0",
                        "--start-timeout", "15", "--event-retries", "3"]
        if unsandboxed:
            self.command.append("--unsandboxed")
        # The master key from the environment instead of DATA/master.key (the other way serve takes it).
        self.env = {**os.environ, "MARINA_MASTER_KEY": master_key} if master_key else None
        self.starts, self.process = 0, None
        if not self.start():
            raise SystemExit("marina serve did not start: " + self.log_path.read_text(errors="replace")[-3000:])

    def start(self):
        """Starts serve; False when it exits or does not write serve.json within 60 s."""
        self.starts += 1
        self.log_path = self.root / f"serve-{self.starts}.log"
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(self.command, stdout=self.log, stderr=subprocess.STDOUT, cwd=self.root, env=self.env)
        deadline = time.time() + 60
        while time.time() < deadline and self.process.poll() is None:
            try:
                info = json.loads((self.data / "serve.json").read_text())
                if info.get("pid") == self.process.pid:
                    self.url = info["url"]
                    self.admin_key = (self.data / "admin.key").read_text().strip()
                    return True
            except (OSError, ValueError, KeyError):
                pass
            time.sleep(0.1)
        self.stop()
        return False

    def server_errors(self):
        """Lines of serve's logs that report a request answered 500 (ErrorMiddleware logs each)."""
        return [line for log in sorted(self.root.glob("serve-*.log"))
                for line in log.read_text(errors="replace").splitlines() if "request failed" in line]

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.log.close()


class Seeder:
    """Gives the platform what the API needs to be exercised: see the module's doc."""

    def __init__(self, serve, root):
        self.serve, self.root = serve, root

    def api(self, method, path, body=None, key=None, expect=(200, 201, 202, 204)):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.serve.url + path, data=data, method=method)
        request.add_header("Authorization", "Bearer " + (key or self.serve.admin_key))
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as e:
            status, text = e.code, e.read().decode(errors="replace")
        if status not in expect:
            raise SystemExit(f"seeding: {method} {path} answered {status}: {text[:2000]}")
        return json.loads(text) if text.strip() else None

    def publish(self, app_dir, app_id):
        env = {**os.environ, "MARINA_SERVER": self.serve.url, "MARINA_API_KEY": self.serve.admin_key}
        r = subprocess.run([str(self.serve.marina), "publish", str(app_dir), "--json"], cwd=self.root, env=env,
                           capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise SystemExit(f"seeding: marina publish {app_id} failed: {r.stderr[-2000:]}")
        self.api("PUT", f"/api/v1/apps/{app_id}/channels/current", {"version": "1.0.0"})

    def run(self):
        apps = self.root / "apps"
        hello = apps / "hello-python"
        shutil.copytree(REPO / "examples" / "hello-python", hello, ignore=shutil.ignore_patterns("__pycache__"))
        fixture = apps / "api-fuzz"
        shutil.copytree(HERE / "token-app", fixture, ignore=shutil.ignore_patterns("__pycache__"))
        for shared in ("invocation_tokens.py", "ed25519_verify.py"):
            shutil.copy(hello / shared, fixture / shared)
        for tree in (apps, hello, fixture):
            tree.chmod(0o755)

        self.publish(hello, "hello-python")
        self.publish(fixture, "api-fuzz")
        for slug in (TENANT, OTHER_TENANT):
            self.api("POST", "/api/v1/tenants", {"slug": slug})
        self.api("PUT", f"/api/v1/tenants/{TENANT}/installs/hello-python", {})
        self.api("PUT", f"/api/v1/tenants/{TENANT}/installs/api-fuzz", {"grant_all": True})
        self.api("PUT", f"/api/v1/tenants/{OTHER_TENANT}/installs/hello-python", {})
        self.wait_active(TENANT, "hello-python")
        self.wait_active(TENANT, "api-fuzz")
        self.api("PUT", "/api/v1/apps/api-fuzz/secrets/FUZZ_SECRET", {"value": "default value", "description": "seeded"})
        self.api("PUT", f"/api/v1/tenants/{TENANT}/apps/api-fuzz/secrets/FUZZ_SECRET", {"value": "acme's value"})

        member = self.api("POST", "/api/v1/keys", {"role": "tenant_member", "tenant": TENANT, "name": "fuzz member"})
        self.api("POST", "/api/v1/keys", {"role": "tenant_admin", "tenant": TENANT, "name": "fuzz tenant admin"})
        self.api("POST", "/api/v1/keys", {"role": "developer", "name": "fuzz developer"})
        # A key the run may revoke (its id is in the dictionary); the keys the run uses are not.
        spare = self.api("POST", "/api/v1/keys", {"name": "fuzz spare"})

        greeting = self.api("POST", f"/api/v1/tenants/{TENANT}/apps/hello-python/tools/greet", {"name": "fuzz"})
        assert greeting == {"greeting": "Hello, fuzz!"}, greeting
        token = self.api("POST", f"/api/v1/tenants/{TENANT}/apps/api-fuzz/tools/app_token", {})["token"]
        # The token works: the fixture's platform tools are listed.
        listed = urllib.request.Request(self.serve.url + "/api/mcp/app-tools", headers={"Authorization": "Bearer " + token})
        with urllib.request.urlopen(listed, timeout=30) as response:
            assert json.loads(response.read())["tools"], "the app token lists no tools"
        print(f"== seeded {self.serve.url}: tenants {TENANT}, {OTHER_TENANT}; apps hello-python, api-fuzz installed; "
              "a secret; keys of every role; an app token", flush=True)
        return {"admin_key": self.serve.admin_key, "member_key": member["key"], "app_token": token,
                "spare_key_id": spare["details"]["id"]}

    def wait_active(self, tenant, app):
        deadline = time.time() + 60
        while time.time() < deadline:
            state = self.api("GET", f"/api/v1/tenants/{tenant}/installs/{app}")["state"]
            if state == "active":
                return
            if state == "failed":
                break
            time.sleep(0.2)
        raise SystemExit(f"seeding: the install of {app} in {tenant} did not become active: {self.serve.log_path.read_text()[-3000:]}")


def toml_string(value):
    return json.dumps(value)  # a JSON string is a TOML basic string


def write_config(path, identity, key, seeded):
    """schemathesis.toml for one identity: base URL, the three security schemes, and values drawn
    from what was seeded (each with a probability, so that unknown values are generated too)."""
    dictionaries = {
        "tenants": [TENANT, OTHER_TENANT, "initech"],
        "apps": ["hello-python", "api-fuzz", "no-such-app"],
        "versions": ["1.0.0", "0.9.0", "2.0.0"],
        "tools": ["greet", "app_token", "echo"],
        "events": ["install", "uninstall", "schedule.nightly", "user_added"],
        "keys": ["FUZZ_SECRET", "OTHER_SECRET", seeded["spare_key_id"]],
        "platform_tools": PLATFORM_TOOLS,
    }
    bindings = {
        "path.tenant": ("tenants", 0.8), "path.app": ("apps", 0.8), "path.version": ("versions", 0.7),
        "path.tool": ("tools", 0.8), "path.type": ("events", 0.7), "path.key": ("keys", 0.7),
        "query.app": ("apps", 0.5), "query.tenant": ("tenants", 0.5), "body.tool": ("platform_tools", 0.8),
    }
    lines = [f"# Written by conformance/api-fuzz/harness.py for the {identity}'s run.",
             f"base-url = {toml_string(seeded['url'])}",
             "request-timeout = 30",
             "[auth.openapi.bearerAuth]", f"bearer = {toml_string(key)}",
             "[auth.openapi.apiKeyHeader]", f"api_key = {toml_string(key)}",
             "[auth.openapi.appToken]", f"bearer = {toml_string(seeded['app_token'])}"]
    for name, values in dictionaries.items():
        lines += [f"[dictionaries.{name}]", "values = [" + ", ".join(toml_string(v) for v in values) + "]"]
    lines.append("[parameters]")
    for parameter, (dictionary, probability) in bindings.items():
        lines.append(f"{toml_string(parameter)} = {{ dictionary = {toml_string(dictionary)}, probability = {probability} }}")
    # `follow=1` keeps the log response open until the client leaves: a request would only time out.
    lines.append('"query.follow" = "0"')
    path.write_text("\n".join(lines) + "\n")


def run_schemathesis(identity, key, seeded, serve, root, args, profile):
    seeded = {**seeded, "url": serve.url}
    reports = root / f"report-{identity}"
    config = root / f"schemathesis-{identity}.toml"
    write_config(config, identity, key, seeded)
    max_time = args.max_time or profile["max_time"]
    command = [str(VENV_BIN / "schemathesis"), "--config-file", str(config), "run", str(REPO / "openapi.yaml"),
               "--checks", ",".join(CHECKS),
               "--phases", profile["phases"],
               "--max-examples", str(args.max_examples or profile["max_examples"]),
               "--seed", str(args.seed),
               "--workers", args.workers,
               "--generation-database", "none",
               "--suppress-health-check", "all",
               "--continue-on-failure",
               "--no-color",
               "--report", "ndjson,junit", "--report-dir", str(reports)]
    if max_time:
        command += ["--max-time", str(max_time)]
    print(f"== schemathesis as the {identity}: {' '.join(command[4:])}", flush=True)
    started = time.time()
    env = {**os.environ, "SCHEMATHESIS_HOOKS": str(HERE / "hooks.py")}
    try:
        exit_code = subprocess.run(command, cwd=root, env=env, timeout=TIMEOUT_S[args.profile]).returncode
    except subprocess.TimeoutExpired:
        print(f"== schemathesis as the {identity}: stopped after {TIMEOUT_S[args.profile]} s", flush=True)
        exit_code = -1
    counts = read_report(reports)
    statuses = ", ".join(f"{status}: {n}" for status, n in sorted(counts["statuses"].items()))
    print(f"== schemathesis as the {identity}: exit {exit_code}, {counts['requests']} requests ({statuses}), "
          f"{counts['failures']} failed checks, {time.time() - started:.0f} s", flush=True)
    for line in counts["server_errors"][:20]:
        print("   5xx: " + line, flush=True)
    return {**counts, "exit": exit_code}


# Path parameters of the body probes: what was seeded.
PROBE_PATH = {"tenant": TENANT, "app": "api-fuzz", "version": "1.0.0", "tool": "echo", "type": "install",
              "key": "FUZZ_SECRET", "channel": "current"}
PROBE_BODIES = {"2 MiB": b'"' + b"x" * (2 << 20) + b'"', "truncated JSON": b'{"', "empty": b""}


def probe_bodies(serve, seeded):
    """Bodies schemathesis does not make: each operation of openapi.yaml that takes a body gets one
    over every body limit (2 MiB), truncated JSON and an empty body, on seeded resources, as the
    admin (the app token for /api/mcp/*). Each answer must be documented for the operation and not
    5xx. Then a malformed chunked body, which must be answered 400."""
    spec = yaml.safe_load((REPO / "openapi.yaml").read_text())
    statuses, failures, server_errors = {}, 0, []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "requestBody" not in operation:
                continue
            media_type = next(iter(operation["requestBody"]["content"]))
            url = serve.url + path.format(**PROBE_PATH)
            token = seeded["app_token"] if path.startswith("/api/mcp/") else seeded["admin_key"]
            documented = set(operation.get("responses", {}))
            for name, body in PROBE_BODIES.items():
                request = urllib.request.Request(url, data=body, method=method.upper(),
                                                 headers={"Authorization": "Bearer " + token, "Content-Type": media_type})
                try:
                    with urllib.request.urlopen(request, timeout=60) as response:
                        status, text = response.status, response.read(2000).decode(errors="replace")
                except urllib.error.HTTPError as e:
                    status, text = e.code, e.read(2000).decode(errors="replace")
                statuses[status] = statuses.get(status, 0) + 1
                problem = None
                if status >= 500:
                    problem = "server error"
                    server_errors.append(f"{status} {method.upper()} {url} (body '{name}')")
                elif str(status) not in documented:
                    problem = f"undocumented status (documented: {', '.join(sorted(documented))})"
                if problem:
                    failures += 1
                    print(f"   body probe: {method.upper()} {path} with body '{name}' answered {status}: {problem}: {text[:300]}", flush=True)
    # Framing no client library sends: a chunked body whose chunk size is not hexadecimal.
    for path in ("/api/v1/tenants", f"/api/v1/tenants/{TENANT}/apps/api-fuzz/tools/echo"):
        status = raw_status(serve.url, f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {seeded['admin_key']}\r\n"
                                       "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
        statuses[status] = statuses.get(status, 0) + 1
        if status != 400:
            failures += 1
            if status >= 500:
                server_errors.append(f"{status} POST {serve.url}{path} (malformed chunked body)")
            print(f"   body probe: POST {path} with a malformed chunked body answered {status}, not 400", flush=True)
    print(f"== body probes: {sum(statuses.values())} requests "
          f"({', '.join(f'{s}: {n}' for s, n in sorted(statuses.items()))}), {failures} failed", flush=True)
    return {"requests": sum(statuses.values()), "statuses": statuses, "failures": failures, "server_errors": server_errors, "exit": 0}


def raw_status(url, request):
    """The status of the answer to REQUEST (text) written as it is on a new connection to URL."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=30) as connection:
        connection.sendall(request.encode())
        first = connection.recv(100).split(b"\r\n", 1)[0].split(b" ")
    return int(first[1]) if len(first) > 1 and first[1].isdigit() else 0


def call(url, method, key, body=None):
    """(status, text) of one request; `body` is JSON."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.read(2000).decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read(2000).decode(errors="replace")


RACERS = 8
# Races that fail on main today, left out of the smoke run until fixed (docs/api-fuzzing.md,
# "Found"): concurrent master key rotations answer 500 and can leave DATA/master.key unable to
# open the database.
KNOWN_BROKEN_RACES: set = set()


def probe_races(serve, seeded, skip=()):
    """Requests schemathesis does not make: RACERS identical requests at once, for the operations
    whose outcome depends on order (creating one thing, rotating keys, removing one thing). None
    may answer 5xx; of RACERS creations of one thing exactly one succeeds, every rotation succeeds."""
    admin, base = seeded["admin_key"], serve.url + "/api/v1"
    races = [
        ("create one tenant", "POST", "/tenants", {"slug": "race-tenant"}, "one"),
        ("install one app", "PUT", "/tenants/race-tenant/installs/hello-python", {}, "one"),
        ("set one secret", "PUT", "/apps/hello-python/secrets/RACE_SECRET", {"value": "v"}, "all"),
        ("rotate the tenant's data key", "POST", "/keys/rotate", {"target": "tenant", "tenant": "race-tenant"}, "all"),
        ("rotate the signing key", "POST", "/keys/rotate", {"target": "signing"}, "all"),
        ("rotate the master key", "POST", "/keys/rotate", {"target": "master"}, "all"),
        # Uninstall accepts an install still `uninstalling` (to finish one left half-way), so more
        # than one may succeed; none may fail.
        ("uninstall one app", "DELETE", "/tenants/race-tenant/installs/hello-python", None, "some"),
    ]
    statuses, failures, server_errors = {}, 0, []
    with concurrent.futures.ThreadPoolExecutor(RACERS) as pool:
        for name, method, path, body, winners in races:
            if name in skip:
                print(f"   race: {name}: skipped (KNOWN_BROKEN_RACES)", flush=True)
                continue
            answers = list(pool.map(lambda _: call(base + path, method, admin, body), range(RACERS)))
            codes = sorted(status for status, _ in answers)
            for status in codes:
                statuses[status] = statuses.get(status, 0) + 1
            ok = sum(1 for status in codes if 200 <= status < 300)
            bad = [f"{status} {text[:200]}" for status, text in answers if status >= 500]
            server_errors += [f"{method} {base + path} ({name}, {RACERS} at once): {b}" for b in bad]
            wrong = bad or ok == 0 or (winners == "one" and ok != 1) or (winners == "all" and ok != RACERS)
            failures += 1 if wrong else 0
            print(f"   race: {name}: {RACERS} at once answered {codes}" + (" FAILED" if wrong else ""), flush=True)
    print(f"== race probes: {sum(statuses.values())} requests, {failures} failed", flush=True)
    return {"requests": sum(statuses.values()), "statuses": statuses, "failures": failures, "server_errors": server_errors, "exit": 0}


def check_restart(serve):
    """Serve starts again on the data directory the run left (keys rotated, secrets set, apps
    installed and removed), and answers with the same admin key."""
    serve.stop()
    started = serve.start()
    status = call(serve.url + "/api/v1/whoami", "GET", serve.admin_key)[0] if started else None
    ok = started and status == 200
    print(f"== restart: serve {'started again' if started else 'did NOT start again'} on its data directory"
          + (f", whoami answered {status}" if started else ": " + serve.log_path.read_text(errors="replace")[-600:]), flush=True)
    return {"requests": 1 if started else 0, "statuses": {}, "failures": 0 if ok else 1, "server_errors": [], "exit": 0}


def read_report(reports):
    """From schemathesis' NDJSON events: requests sent by status, failed checks, and each 5xx."""
    statuses, failures, server_errors = {}, 0, []
    for path in reports.glob("*.ndjson"):
        for line in path.read_text(errors="replace").splitlines():
            try:
                finished = json.loads(line).get("ScenarioFinished")
            except (ValueError, AttributeError):
                continue
            if not finished:
                continue
            recorder = finished.get("recorder", {})
            for interaction in recorder.get("interactions", {}).values():
                response = interaction.get("response") or {}
                status = response.get("status_code", "no response")
                statuses[status] = statuses.get(status, 0) + 1
                if isinstance(status, int) and status >= 500:
                    request = interaction.get("request", {})
                    server_errors.append(f"{status} {request.get('method')} {request.get('uri')}")
            for check_list in recorder.get("checks", {}).values():
                failures += sum(1 for check in check_list if check.get("status") == "failure")
    return {"requests": sum(statuses.values()), "statuses": statuses, "failures": failures, "server_errors": server_errors}


if __name__ == "__main__":
    main()
