"""A stand-in for the host SaaS's endpoint behind the operator-defined tool calendar_list_events.

Not part of the app's bundle: this is the operator's side. The platform POSTs
`{"tenant", "app", "version", "tool", "args", "request_id"}` with `X-Marina-Timestamp: <unix
seconds>` and `X-Marina-Signature: v1=<hex HMAC-SHA256(key, timestamp "." body)>` (docs/trust.md,
"Operator-defined tools"); the key is MARINA_OPERATOR_KEY (base64), else the base64 in
DATA/operator-tools.key, which serve makes on its first start with --operator-tools.

The endpoint refuses a missing, stale (more than 5 minutes off) or wrong signature with 401, and
answers a verified call with the day's events of the calling tenant (made up, but they name the
tenant and app the platform vouched for). Standard library only.

    python3 examples/platform-tour/operator_endpoint.py --data .marina --port 8090
"""
import argparse
import base64
import hashlib
import hmac
import http.server
import json
import os
import time
from pathlib import Path

MAX_SKEW_S = 300


def load_key(data_dir):
    """The signing key as serve picks it: MARINA_OPERATOR_KEY when it is base64 of at least 32
    bytes, else DATA/operator-tools.key (base64)."""
    try:
        key = base64.b64decode(os.environ.get("MARINA_OPERATOR_KEY", ""), validate=True)
    except ValueError:
        key = b""
    if len(key) >= 32:
        return key
    return base64.b64decode((Path(data_dir) / "operator-tools.key").read_text().strip(), validate=True)


def signature(key, timestamp, body):
    return "v1=" + hmac.new(key, timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()


def verify(key, timestamp, body, given, now=None):
    """None when the request is the platform's and fresh, else why not."""
    if not timestamp or not timestamp.isdigit():
        return "no timestamp"
    if abs((time.time() if now is None else now) - int(timestamp)) > MAX_SKEW_S:
        return "stale timestamp"
    if not given or not hmac.compare_digest(given.encode("ascii", "replace"), signature(key, timestamp, body).encode("ascii")):
        return "bad signature"
    return None


def events_of(call):
    """calendar_list_events: the caller's events of args.day."""
    day, tenant = call["args"]["day"], call["tenant"]
    return {"day": day, "tenant": tenant, "events": [
        {"title": "Stand-up", "start": day + "T09:00:00Z", "end": day + "T09:15:00Z"},
        {"title": "Review with " + tenant, "start": day + "T14:00:00Z", "end": day + "T15:00:00Z", "booked_by": call["app"]},
    ]}


def make_handler(key_source, received=None):
    """A request handler class; `key_source()` gives the key (read per request, so it may appear
    after the endpoint starts); every request is appended to `received` with its verdict."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def answer(self, status, body):
            data = json.dumps(body).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            timestamp, given = self.headers.get("X-Marina-Timestamp"), self.headers.get("X-Marina-Signature")
            refusal = verify(key_source(), timestamp, body, given)
            record = {"path": self.path, "refusal": refusal, "timestamp": timestamp, "signature": given,
                      "request_id_header": self.headers.get("X-Marina-Request-Id"), "body": None}
            if received is not None:
                received.append(record)
            if refusal:
                return self.answer(401, {"error": refusal})
            call = record["body"] = json.loads(body)
            if self.path != "/marina/tools/calendar_list_events" or call.get("tool") != "calendar_list_events":
                return self.answer(404, {"error": "no such tool"})
            self.answer(200, events_of(call))

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=".marina", help="serve's data directory (for operator-tools.key)")
    parser.add_argument("--port", type=int, default=8090)
    args = parser.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(lambda: load_key(args.data)))
    print(f"calendar_list_events endpoint on http://127.0.0.1:{args.port}/marina/tools/calendar_list_events", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
