"""The app behind every directory of conformance/contract/broken/: the HTTP contract of
docs/app-contract.md written without the SDK (standard library, plus `cryptography` for Ed25519),
broken in exactly one way chosen by the first argument. `correct` breaks nothing.

    python3 ../app.py FAULT        # run from one of the app directories; PORT and the MARINA_* environment as usual

It serves the marina.app.json of its working directory.
"""
import base64
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

#: Each fault and the one rule it breaks (conformance/contract/README.md lists which check catches it).
FAULTS = {
    "correct": "nothing: follows the contract",
    "no-health": "GET /health is 404",
    "wrong-manifest": "GET /manifest serves another version of the manifest (its hash differs)",
    "unknown-tool-200": "a tool it does not have answers 200",
    "error-shape": 'errors are {"code", "message"} at the top level, not under "error"',
    "no-token": "a request without a token is served",
    "bad-signature": "a token's signature is not checked",
    "wrong-audience": "a token for another install (aud) is accepted",
    "expired": "an expired token is accepted (exp and iat are not checked)",
    "not-idempotent": "an event delivered again with the same id is handled again",
}
FAULT = sys.argv[1] if len(sys.argv) > 1 else "correct"
if FAULT not in FAULTS:
    sys.exit(f"unknown fault {FAULT!r}; one of: {', '.join(FAULTS)}")

with open("marina.app.json", encoding="utf-8") as f:
    MANIFEST = json.load(f)
if FAULT == "wrong-manifest":
    MANIFEST["app"]["version"] = "9.9.9"
TOOLS = {tool["name"] for tool in MANIFEST.get("tools", [])}
handled_events = {}  # event id -> how often its handler ran


def b64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def trusted_keys():
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    jwks = json.loads(os.environ.get("MARINA_JWKS") or '{"keys": []}')
    return {k["kid"]: Ed25519PublicKey.from_public_bytes(b64url(k["x"]))
            for k in jwks.get("keys", []) if k.get("kty") == "OKP" and k.get("crv") == "Ed25519"}


KEYS = trusted_keys()


def token_problem(authorization):
    """Why the invocation token is refused, or None when it is valid (docs/app-contract.md)."""
    if not authorization:
        return None if FAULT == "no-token" else "no token"
    scheme, _, token = authorization.partition(" ")
    parts = token.strip().split(".")
    if scheme.lower() != "bearer" or len(parts) != 3:
        return "not a bearer JWT"
    try:
        header, claims = json.loads(b64url(parts[0])), json.loads(b64url(parts[1]))
        signature = b64url(parts[2])
    except ValueError:
        return "malformed"
    if header.get("alg") != "EdDSA" or header.get("kid") not in KEYS:
        return "unknown key or algorithm"
    if FAULT != "bad-signature":
        from cryptography.exceptions import InvalidSignature
        try:
            KEYS[header["kid"]].verify(signature, (parts[0] + "." + parts[1]).encode())
        except InvalidSignature:
            return "bad signature"
    if claims.get("typ") != "invocation":
        return "not an invocation token"
    if FAULT != "wrong-audience" and (not os.environ.get("MARINA_INSTALL_ID") or claims.get("aud") != os.environ["MARINA_INSTALL_ID"]):
        return "another install"
    if claims.get("tenant") != os.environ.get("MARINA_TENANT") or claims.get("app") != os.environ.get("MARINA_APP"):
        return "another tenant or app"
    if FAULT != "expired":
        now, exp, iat = time.time(), claims.get("exp"), claims.get("iat")
        if not isinstance(exp, (int, float)) or not isinstance(iat, (int, float)):
            return "no exp or iat"
        if exp <= now - 30 or iat > now + 30 or exp - iat > 60:
            return "expired, not yet valid or too long-lived"
    return None


class Handler(BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        sys.stderr.write(f"[{FAULT}] {fmt % args}\n")

    def reply(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def error(self, status, code, message):
        shape = {"code": code, "message": message} if FAULT == "error-shape" else {"error": {"code": code, "message": message}}
        self.reply(status, shape)

    def do_GET(self):
        if self.path == "/health" and FAULT != "no-health":
            return self.reply(200, {"status": "ok"})
        if self.path == "/manifest":
            return self.reply(200, MANIFEST)
        self.route()

    def do_POST(self):
        self.route()

    def route(self):
        problem = token_problem(self.headers.get("Authorization"))
        if problem:
            return self.error(401, "invalid_token", f"the invocation token is refused: {problem}")
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            return self.error(400, "invalid_json", "the body is not JSON")
        kind, _, name = self.path.lstrip("/").partition("/")
        if self.command != "POST" or kind not in ("tool", "event"):
            return self.error(404, "not_found", f"no route {self.path}")
        if kind == "tool":
            if name in TOOLS or FAULT == "unknown-tool-200":
                return self.reply(200, {"echo": body})
            return self.error(404, "unknown_tool", f"this app has no tool {name}")
        if name not in MANIFEST.get("events", []):
            return self.error(404, "unknown_event", f"this app takes no event {name}")
        event_id = body.get("id") if isinstance(body, dict) else None
        event_id = event_id or self.headers.get("X-Marina-Event-Id")
        if not event_id:
            return self.error(400, "invalid_event", "the event has no id")
        if event_id in handled_events and FAULT != "not-idempotent":
            return self.reply(200, {"ok": True, "duplicate": True})
        handled_events[event_id] = handled_events.get(event_id, 0) + 1
        self.reply(200, {"ok": True})


if __name__ == "__main__":
    server = ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8080"))), Handler)
    sys.stderr.write(f"[{FAULT}] serving on 127.0.0.1:{server.server_address[1]} ({FAULTS[FAULT]})\n")
    server.serve_forever()
