#!/usr/bin/env python3
"""Cold-start timings for Benchmarks/run.sh (loopback only, Python standard library).

  coldstart.py app BINARY APP_DIR RUNS
      The app's own start: spawn BINARY (cwd APP_DIR, PORT=<free port>) and poll GET /health
      every 0.5 ms until it answers 200; the time from just before the spawn to that answer.

  coldstart.py marina MARINA_BIN SERVER_URL KEY_FILE TENANT APP TOOL RUNS
      Marina's wake-to-first-response: wait until `marina instances --json` shows the instance
      `sleeping` (serve runs with --idle-timeout 1), then time one tool call
      (POST /api/v1/tenants/T/apps/A/tools/TOOL) end to end, on a new connection. After each
      cold call, one warm call is timed the same way for comparison.

Prints one `samples` line per series (milliseconds) and a summary line
`<series> median_ms=… p90_ms=… min_ms=… max_ms=… runs=…`.
"""
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def percentile(values, p):
    """Nearest-rank percentile."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, int(-(-p * len(ordered) // 100)) - 1))
    return ordered[k]


def report(name, samples):
    print("%s samples_ms=%s" % (name, ",".join("%.2f" % s for s in samples)))
    print("%s median_ms=%.2f p90_ms=%.2f min_ms=%.2f max_ms=%.2f runs=%d" % (
        name, percentile(samples, 50), percentile(samples, 90), min(samples), max(samples), len(samples)))
    sys.stdout.flush()


def health_ok(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            data = s.recv(64)
            return data.startswith(b"HTTP/1.1 200") or data.startswith(b"HTTP/1.0 200")
    except OSError:
        return False


def app(binary, app_dir, runs):
    samples = []
    for _ in range(runs):
        port = free_port()
        env = dict(os.environ, PORT=str(port))
        t0 = time.perf_counter()
        proc = subprocess.Popen([binary], cwd=app_dir, env=env, stderr=subprocess.DEVNULL)
        deadline = t0 + 10
        try:
            while not health_ok(port):
                if time.perf_counter() > deadline or proc.poll() is not None:
                    sys.exit("coldstart: the app did not become healthy")
                time.sleep(0.0005)
            samples.append((time.perf_counter() - t0) * 1000)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait()
    report("app_start", samples)


def instance_state(marina_bin, env, tenant, app_id):
    out = subprocess.run([marina_bin, "instances", "--json"], env=env, capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        return None
    for i in json.loads(out.stdout or "[]"):
        if i.get("tenant") == tenant and i.get("app") == app_id:
            return i.get("state")
    return "absent"  # never woken since serve started: as cold as sleeping


def call(host, port, path, key, body):
    t0 = time.perf_counter()
    conn = http.client.HTTPConnection(host, port, timeout=60)
    conn.request("POST", path, body=body, headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
    reply = conn.getresponse()
    data = reply.read()
    elapsed = (time.perf_counter() - t0) * 1000
    conn.close()
    if reply.status != 200:
        sys.exit("coldstart: the tool call answered %d: %s" % (reply.status, data[:300]))
    return elapsed


def marina(marina_bin, server, key_file, tenant, app_id, tool, runs):
    key = open(key_file).read().strip()
    env = dict(os.environ, MARINA_SERVER=server, MARINA_API_KEY=key)
    hostport = server.split("://", 1)[1].rstrip("/")
    host, port = hostport.rsplit(":", 1)
    path = "/api/v1/tenants/%s/apps/%s/tools/%s" % (tenant, app_id, tool)
    body = json.dumps({"message": "hello", "n": 42})
    cold, warm = [], []
    for _ in range(runs):
        deadline = time.monotonic() + 60
        while instance_state(marina_bin, env, tenant, app_id) not in ("sleeping", "absent"):
            if time.monotonic() > deadline:
                sys.exit("coldstart: the instance did not go to sleep within 60 s")
            time.sleep(0.2)
        cold.append(call(host, int(port), path, key, body))
        warm.append(call(host, int(port), path, key, body))
    report("marina_wake", cold)
    report("marina_warm_call", warm)


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "app":
        app(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif len(sys.argv) == 9 and sys.argv[1] == "marina":
        marina(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6], sys.argv[7], int(sys.argv[8]))
    else:
        sys.exit(__doc__)
