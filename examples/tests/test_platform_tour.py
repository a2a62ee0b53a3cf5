"""examples/platform-tour end to end: every platform tool called by a sandboxed app through one real
`marina serve`, the scope gate refusing what a tenant did not grant, and the audit log of both.

One serve runs for the module, with:
- `--operator-tools`: calendar_list_events (scope calendar.read) posts to the example's stand-in
  endpoint (examples/platform-tour/operator_endpoint.py) on 127.0.0.1, which verifies the HMAC
  signature with the key serve made in DATA/operator-tools.key;
- a private /etc/hosts mapping `status.example.com` (the app's egress host) to 127.0.0.1, where a
  stand-in status page answers, and `--egress-allow-private` (as for invoice-triage in
  test_examples.py; without root and unshare only the http_fetch test is skipped);
- `--smtp-relay` to a loopback SMTP sink written here.

Tenant acme installs platform-tour with every scope (and hello-python, which apps_invoke calls);
tenant globex grants kv.read only, then installs it again granting files.read too.
"""
import contextlib
import datetime
import email
import email.policy
import email.utils
import json
import re
import socketserver
import sqlite3
import threading
import time
import urllib.error
import urllib.request

import pytest

from support import (SERVE_OPTIONS, JSONStandIn, LoopbackHTTP, Platform, build, can_override_hosts, check_conformance,
                     copy_example, import_example_module)

operator_endpoint = import_example_module("platform-tour", "operator_endpoint")   # the host SaaS's side

STATUS_HOST = "status.example.com"
SMTP_FROM = "tour@marina.test"
A, B = "acme", "globex"
OPERATOR_TOOL = "calendar_list_events"
SCOPE_OF = {"kv_get": "kv.read", "kv_list": "kv.read", "kv_set": "kv.write", "kv_delete": "kv.write",
            "files_read": "files.read", "files_list": "files.read", "files_write": "files.write", "mail_send": "mail.send",
            "http_fetch": "http.fetch", "apps_invoke": "apps.invoke", OPERATOR_TOOL: "calendar.read"}
KV_VALUE = {"text": "Grüße ✓", "numbers": [1, 2.5, -3], "nested": {"ok": True, "nothing": None}}
FILE_TEXT = "Grüße aus der Tour ✓\nzweite Zeile\n"
MAIL = {"to": ["ops@example.com", "lead@example.com"], "subject": "Tour report ✓", "text": "Every tool answered.\nGrüße ✓\n"}
DAY = "2026-04-01"


class StatusPage(JSONStandIn):
    """The stand-in for http://status.example.com/status; it remembers each request."""

    def __init__(self):
        self.requests = []
        super().__init__()

    def answer(self, request):
        self.requests.append({"path": request.path, "host": request.headers.get("Host"), "x-tour": request.headers.get("X-Tour")})
        if request.path == "/status":
            return 200, {"status": "green", "services": {"api": "up", "mail": "up"}}
        return 404, {"error": "not found"}


class SMTPSink:
    """A loopback SMTP server (EHLO/HELO, MAIL FROM, RCPT TO, DATA, RSET, NOOP, QUIT) that accepts
    every message and records it: {"mail_from", "rcpt_to", "data"} (data without dot-stuffing)."""

    def __init__(self):
        self.messages = []
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, *lines):
                self.wfile.write(b"".join(line.encode() + b"\r\n" for line in lines))
                self.wfile.flush()

            def handle(self):
                self.reply("220 sink.test ESMTP")
                mail_from, rcpt_to = None, []
                while line := self.rfile.readline(65536):
                    command = line.decode("utf-8", "replace").rstrip("\r\n")
                    upper = command.upper()
                    if upper.startswith(("EHLO", "HELO")):
                        self.reply("250-sink.test", "250 8BITMIME")
                    elif upper.startswith("MAIL FROM:"):
                        mail_from, rcpt_to = SMTPSink.address(command[10:]), []
                        self.reply("250 2.1.0 ok")
                    elif upper.startswith("RCPT TO:"):
                        rcpt_to.append(SMTPSink.address(command[8:]))
                        self.reply("250 2.1.5 ok")
                    elif upper == "DATA":
                        if mail_from is None or not rcpt_to:
                            self.reply("503 5.5.1 MAIL FROM and RCPT TO first")
                            continue
                        self.reply("354 end with <CRLF>.<CRLF>")
                        data = bytearray()
                        while (chunk := self.rfile.readline(1 << 20)) not in (b".\r\n", b".\n", b""):
                            data += chunk[1:] if chunk.startswith(b".") else chunk
                        sink.messages.append({"mail_from": mail_from, "rcpt_to": rcpt_to, "data": bytes(data)})
                        mail_from, rcpt_to = None, []
                        self.reply("250 2.0.0 accepted")
                    elif upper == "RSET":
                        mail_from, rcpt_to = None, []
                        self.reply("250 2.0.0 ok")
                    elif upper == "NOOP":
                        self.reply("250 2.0.0 ok")
                    elif upper == "QUIT":
                        return self.reply("221 2.0.0 bye")
                    else:
                        self.reply("502 5.5.2 not implemented")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @staticmethod
    def address(text):
        """`<a@b> SIZE=1` → a@b"""
        match = re.match(r"\s*<([^>]*)>", text)
        return match.group(1) if match else text.strip().split(" ")[0]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def stop_all(*servers):
    for server in servers:
        if server is not None:
            server.stop()


@pytest.fixture(scope="module")
def tour(scratch):
    root = scratch("tour")
    app = copy_example("platform-tour", root)
    build(app, "python")
    hello = copy_example("hello-python", root)
    status, received = StatusPage(), []
    data = root / "platform" / ".marina"
    endpoint = LoopbackHTTP(operator_endpoint.make_handler(lambda: operator_endpoint.load_key(data), received))
    # The operator's file as the example ships it, pointed at the stand-in's port.
    tools_file = root / "operator-tools.yaml"
    shipped = (app / "operator-tools.yaml").read_text()
    assert "http://127.0.0.1:8090/marina/tools/calendar_list_events" in shipped
    tools_file.write_text(shipped.replace(":8090/", f":{endpoint.port}/"))
    smtp = SMTPSink()
    extra = [*SERVE_OPTIONS, "--egress-allow-private", "--operator-tools", tools_file,
             "--smtp-relay", f"127.0.0.1:{smtp.port}", "--smtp-from", SMTP_FROM]
    hosts = {STATUS_HOST: "127.0.0.1"} if can_override_hosts() else None
    try:
        p = Platform(root / "platform", extra=extra, hosts=hosts)
    except BaseException:
        stop_all(status, endpoint, smtp)
        raise
    p.status, p.endpoint, p.received, p.smtp, p.can_fetch = status, endpoint, received, smtp, hosts is not None
    try:
        published = p.ship(app, "platform-tour")
        p.members = p.bundle_members(published["bundle_hash"])
        p.ship(hello, "hello-python")
        for tenant in (A, B):
            p.cli("tenants", "create", tenant)
        assert p.json("install", "hello-python", "--tenant", A)["state"] == "active"
        assert p.json("install", "platform-tour", "--tenant", A, "--grant-all")["state"] == "active"
        assert p.json("install", "platform-tour", "--tenant", B, "--grant", "kv.read")["state"] == "active"
        yield p
    finally:
        p.stop()
        stop_all(status, endpoint, smtp)


@pytest.fixture(scope="module")
def in_a(tour):
    """Each tour tool called once in acme (every scope granted): {tool: result}."""
    p = tour
    results = {
        "kv_tour": p.invoke("platform-tour", "kv_tour", A, {"prefix": "tour:", "value": KV_VALUE}),
        "files_tour": p.invoke("platform-tour", "files_tour", A, {"path": "tour/notes.txt", "text": FILE_TEXT}),
        "send_mail": p.invoke("platform-tour", "send_mail", A, MAIL),
        "call_app": p.invoke("platform-tour", "call_app", A, {"app": "hello-python", "tool": "greet", "args": {"name": "Ada"}}),
        "agenda": p.invoke("platform-tour", "agenda", A, {"day": DAY}),
    }
    if p.can_fetch:
        url = f"http://{STATUS_HOST}:{p.status.port}/status"
        results["fetch"] = p.invoke("platform-tour", "fetch", A, {"url": url, "headers": {"X-Tour": "platform-tour"}})
        results["fetch_elsewhere"] = p.cli("invoke", "platform-tour", "fetch", "--tenant", A, "--args", json.dumps({"url": "http://example.org/"}), ok=False)
    return results


@pytest.fixture(scope="module")
def in_b(tour):
    """globex (kv.read only): the probe and a tour tool it may not run; then, installed again with
    files.read too, the probe again."""
    p = tour
    before = p.invoke("platform-tour", "probe", B, {"key": "tour:kept", "path": "tour/notes.txt"})
    refused = p.cli("invoke", "platform-tour", "files_tour", "--tenant", B, "--args", json.dumps({"path": "b.txt", "text": "b"}), ok=False)
    # Installed again, granting files.read too (`marina upgrade --grant` cannot add one scope to an
    # install that withheld others: it asks for every declared scope).
    p.cli("uninstall", "platform-tour", "--tenant", B)
    assert p.json("install", "platform-tour", "--tenant", B, "--grant", "kv.read", "--grant", "files.read")["state"] == "active"
    after = p.invoke("platform-tour", "probe", B, {"key": "tour:kept", "path": "tour/notes.txt"})
    return {"before": before, "refused": refused, "after": after}


def test_platform_tour_builds_and_passes_conformance(scratch):
    app = copy_example("platform-tour", scratch("conformance"))
    build(app, "python")
    check_conformance(app)


def test_bundle_holds_the_app_not_the_operator_side(tour):
    assert {"marina.app.yaml", "server.py", "marina_sdk/__init__.py", "marina_sdk/platform.py"} <= tour.members
    assert not {"build", "README.md", "operator-tools.yaml", "operator_endpoint.py", ".gitignore", ".marinaignore"} & tour.members
    assert not [m for m in tour.members if "__pycache__" in m]


def test_kv_round_trip(in_a):
    kv = in_a["kv_tour"]
    assert kv["kv_set"] == {"ok": True}
    assert kv["kv_get"] == {"found": True, "value": KV_VALUE}
    assert kv["kv_list"] == {"keys": ["tour:kept", "tour:scratch"], "next_cursor": None}
    assert kv["kv_delete"] == {"deleted": True}
    assert kv["kv_get_after_delete"] == {"found": False, "value": None}
    assert kv["kv_list_after_delete"] == {"keys": ["tour:kept"], "next_cursor": None}


def test_files_round_trip(in_a):
    files = in_a["files_tour"]
    size = len(FILE_TEXT.encode("utf-8"))
    assert files["files_write"] == {"size": size}
    assert files["files_read"] == {"size": size, "text": FILE_TEXT}
    [listed] = files["files_list"]["files"]
    assert (listed["path"], listed["size"]) == ("tour/notes.txt", size)
    modified = datetime.datetime.fromisoformat(listed["modified_at"].replace("Z", "+00:00"))
    assert abs((datetime.datetime.now(datetime.timezone.utc) - modified).total_seconds()) < 600


def test_mail_is_queued_in_the_outbox(tour, in_a):
    queued = in_a["send_mail"]["mail_send"]
    assert queued["queued"] is True and re.fullmatch(r"mail_[A-Za-z0-9_-]+", queued["id"]), queued
    with contextlib.closing(sqlite3.connect(f"file:{tour.data / 'marina.sqlite'}?mode=ro", uri=True)) as db:
        row = db.execute("SELECT recipients, subject, body FROM mail_outbox WHERE id = ?", (queued["id"],)).fetchone()
    assert row is not None and (json.loads(row[0]), row[1], row[2]) == (MAIL["to"], MAIL["subject"], MAIL["text"])


def test_mail_reaches_the_smtp_relay(tour, in_a):
    # `serve --smtp-relay` (docs/trust.md, "Mail delivery") drains the outbox into the sink.
    mail_id = in_a["send_mail"]["mail_send"]["id"]
    deadline = time.time() + 10
    while not tour.smtp.messages and time.time() < deadline:
        time.sleep(0.1)
    assert len(tour.smtp.messages) == 1, f"the relay got {len(tour.smtp.messages)} messages in 10 s; serve: {tour.output()}"
    [envelope] = tour.smtp.messages
    assert envelope["mail_from"] == SMTP_FROM and envelope["rcpt_to"] == MAIL["to"]
    message = email.message_from_bytes(envelope["data"], policy=email.policy.default)
    assert [a.addr_spec for a in message["From"].addresses] == [SMTP_FROM]
    assert [a.addr_spec for a in message["To"].addresses] == MAIL["to"]
    assert message["Subject"] == MAIL["subject"]
    assert message["Message-ID"] == f"<{mail_id}@marina>"
    assert abs(time.time() - email.utils.parsedate_to_datetime(message["Date"]).timestamp()) < 600
    assert (message["X-Marina-Tenant"], message["X-Marina-App"]) == (A, "platform-tour")
    assert message.get_content_type() == "text/plain" and message.get_content_charset() == "utf-8"
    assert message.get_content().replace("\r\n", "\n") == MAIL["text"]
    # Each attempt is an egress record named smtp of the app that queued the mail (written once
    # the relay accepted it, so perhaps a moment after the sink got it).
    while True:
        smtp_records = [r for r in tour.audit(A, "--kind", "egress") if r["name"] == "smtp"]
        if smtp_records or time.time() > deadline + 5:
            break
        time.sleep(0.2)
    assert [(r["app"], r["status"]) for r in smtp_records] == [("platform-tour", "ok")]


def test_http_fetch_reaches_an_allowed_host(tour, in_a):
    if not tour.can_fetch:
        pytest.skip("needs root and unshare: serve gets a private /etc/hosts mapping status.example.com to 127.0.0.1")
    fetched = in_a["fetch"]["http_fetch"]
    assert fetched["status"] == 200 and fetched["headers"]["content-type"] == "application/json"
    assert json.loads(fetched["body"]) == {"status": "green", "services": {"api": "up", "mail": "up"}}
    [seen] = tour.status.requests
    assert (seen["path"], seen["host"].split(":")[0], seen["x-tour"]) == ("/status", STATUS_HOST, "platform-tour")
    # A host outside network.egress_hosts is refused (invalid_args naming the egress rule); the
    # app does not catch it: the SDK answers 502 with the decision as its code, and the platform
    # passes that on as an app_error whose message names the decision.
    refused = in_a["fetch_elsewhere"]
    assert refused.returncode == 1 and "invalid_args" in refused.stderr, refused.stderr
    assert len(tour.status.requests) == 1


def test_apps_invoke_calls_another_app_of_the_tenant(tour, in_a):
    assert in_a["call_app"] == {"apps_invoke": {"greeting": "Hello, Ada!"}}
    # Audited both ways: platform-tour's app_call, and hello-python's tool call.
    greets = [r for r in tour.audit(A, "--kind", "tool_call") if r["app"] == "hello-python"]
    assert [(r["name"], r["status"]) for r in greets] == [("greet", "ok")]


def test_operator_tool_is_signed_and_answers(tour, in_a):
    verified = [r for r in tour.received if r["refusal"] is None]
    assert len(verified) == 1 and len(tour.received) == 1, tour.received
    [request] = verified
    call = request["body"]
    assert {k: call[k] for k in ("tenant", "app", "version", "tool", "args")} == \
        {"tenant": A, "app": "platform-tour", "version": "1.0.0", "tool": OPERATOR_TOOL, "args": {"day": DAY}}
    assert request["request_id_header"] == call["request_id"] and call["request_id"]
    assert abs(time.time() - int(request["timestamp"])) < 120
    # The answer the app got is the endpoint's, for the tenant the signed body named.
    assert in_a["agenda"] == {OPERATOR_TOOL: operator_endpoint.events_of(call)}
    assert in_a["agenda"][OPERATOR_TOOL]["events"][1] == {"title": "Review with acme", "start": DAY + "T14:00:00Z",
                                                          "end": DAY + "T15:00:00Z", "booked_by": "platform-tour"}
    # The audit record of the call carries the request id the endpoint was sent.
    [record] = [r for r in tour.audit(A, "--kind", "app_call") if r["name"] == OPERATOR_TOOL]
    assert (record["decision"], record["status"], record["request_id"]) == ("allow", "ok", call["request_id"])
    # The stand-in really checks: a request signed with another key, or too old, is refused.
    body = json.dumps({**call, "tenant": B}).encode()
    now = str(int(time.time()))
    forged = operator_endpoint.signature(b"\x00" * 32, now, body)
    real_key = operator_endpoint.load_key(tour.data)
    stale = str(int(time.time()) - 3600)
    for timestamp, signature, reason in ((now, forged, "bad signature"), (stale, operator_endpoint.signature(real_key, stale, body), "stale timestamp"),
                                         (now, None, "bad signature")):
        headers = {"Content-Type": "application/json", "X-Marina-Timestamp": timestamp, **({"X-Marina-Signature": signature} if signature else {})}
        request = urllib.request.Request(f"http://127.0.0.1:{tour.endpoint.port}/marina/tools/{OPERATOR_TOOL}", data=body, headers=headers)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 401 and json.loads(refused.value.read()) == {"error": reason}
    assert [r["refusal"] for r in tour.received[1:]] == ["bad signature", "stale timestamp", "bad signature"]


def test_a_tenant_that_granted_only_kv_read_is_refused_everything_else(tour, in_a, in_b):
    probe = in_b["before"]
    assert probe["granted"] == ["kv_get", "kv_list"]
    calls = probe["calls"]
    assert set(calls) == set(SCOPE_OF)   # every platform tool was tried
    # kv is private to (tenant, app): acme's tour:kept does not exist for globex.
    assert calls["kv_get"] == {"ok": True, "result": {"found": False, "value": None}}
    assert calls["kv_list"] == {"ok": True, "result": {"keys": [], "next_cursor": None}}
    for tool, scope in SCOPE_OF.items():
        if scope == "kv.read":
            continue
        outcome = calls[tool]
        assert (outcome["ok"], outcome["decision"], outcome["needed_scopes"]) == (False, "scope_denied", [scope]), (tool, outcome)
        assert f"has not granted {scope}" in outcome["message"], outcome
    # A tour tool that does not catch the refusal fails (app_error, the message naming the decision).
    refused = in_b["refused"]
    assert refused.returncode == 1 and "scope_denied" in refused.stderr, refused.stderr
    # Nothing reached the operator's endpoint or the status page for globex.
    assert all(r["body"] is None or r["body"]["tenant"] == A for r in tour.received)
    assert len(tour.status.requests) == (1 if tour.can_fetch else 0)


def test_files_of_a_tenant_are_invisible_to_another(tour, in_a, in_b):
    # globex, installed again with kv.read and files.read.
    probe = in_b["after"]
    assert probe["granted"] == ["files_list", "files_read", "kv_get", "kv_list"]
    calls = probe["calls"]
    assert calls["files_list"] == {"ok": True, "result": {"files": []}}
    assert (calls["files_read"]["ok"], calls["files_read"]["decision"]) == (False, "invalid_args")
    assert "no file tour/notes.txt" in calls["files_read"]["message"]
    assert calls["files_write"]["decision"] == "scope_denied" and calls["files_write"]["needed_scopes"] == ["files.write"]


def test_audit_shows_each_call_and_each_refusal(tour, in_a, in_b):
    calls_a = [r for r in tour.audit(A, "--kind", "app_call") if r["app"] == "platform-tour"]
    allowed = {r["name"] for r in calls_a if (r["decision"], r["status"]) == ("allow", "ok")}
    # Every tool, and the listing (`ctx.tools.list()`, audited as `(list)` like every app call).
    expected = set(SCOPE_OF) - ({"http_fetch"} if not tour.can_fetch else set()) | {"(list)"}
    assert allowed == expected, allowed
    assert all(r["tenant"] == A and r["version"] == "1.0.0" for r in calls_a)
    if tour.can_fetch:
        assert [(r["name"], r["decision"], r["status"]) for r in calls_a if r["decision"] != "allow"] == \
            [("http_fetch", "deny:invalid_args", "invalid_args")]
        egress = [r for r in tour.audit(A, "--kind", "egress") if r["name"] != "smtp"]
        assert sorted((r["name"], r["decision"]) for r in egress) == \
            [("example.org:80", "deny:host_not_allowed"), (f"{STATUS_HOST}:{tour.status.port}", "allow")]
    calls_b = tour.audit(B, "--kind", "app_call")
    assert {r["tenant"] for r in calls_b} == {B}
    denied = [r["name"] for r in calls_b if r["decision"] == "deny:no_scope"]
    assert all(r["status"] == "scope_denied" for r in calls_b if r["decision"] == "deny:no_scope")
    # The first probe: every tool but kv_get and kv_list; files_tour: files_write; the second
    # probe: all but kv_* reads and files.read's tools.
    first = [t for t, s in SCOPE_OF.items() if s != "kv.read"]
    second = [t for t, s in SCOPE_OF.items() if s not in ("kv.read", "files.read")]
    assert sorted(denied) == sorted(first + ["files_write"] + second)
    assert {r["name"] for r in calls_b if r["decision"] == "allow"} == {"kv_get", "kv_list", "files_list", "(list)"}
