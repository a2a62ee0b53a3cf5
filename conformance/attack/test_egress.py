"""Egress allow-list bypass (issue 18, findings #1 and #13): the probe, from inside its sandbox, asks
the egress proxy (absolute-form GET and CONNECT through HTTP_PROXY) and the platform's http_fetch
for hosts spelled every way that has fooled allow-lists: control characters, percent-encodings,
Unicode and IDNA forms, userinfo, IPv6 and IPv4 literal forms, trailing dots, mixed case.

The probe's egress_hosts are ["allowed.test", "*.example.test"]. serve's private /etc/hosts puts
the allowed names on 127.0.0.2 (an upstream that answers) and every forbidden name on 127.0.0.1,
where victims listen on one port (IPv4 and ::1). Every attempt names the victims' port, so a
connection a victim records is a forbidden host reached.
"""
import json

import pytest

from harness import ALLOWED_ADDRESS, AttackPlatform, RecordingTCPServer, Victims, prepare_probe, wait_until

TENANT = "egress"

# Hosts the allow-list must refuse, each spelled once; the requests go to the victims' port.
# A host is a DNS name of letters, digits, hyphens and dots: a control character, a '%', a
# backslash, whitespace or an empty label is refused before any lookup, as are IP literals in
# every spelling.
FORBIDDEN = [
    ("nul", "evil.test\x00.example.test"),                 # #1: cut at the NUL by the resolver
    ("nul-mixed-case", "EVIL.test\x00.Example.TEST"),
    ("pct00", "evil.test%00.example.test"),                # #1: decoded to a NUL by URL parsers
    ("pct2e", "evil.test%2e.example.test"),
    ("pct-encoded-name", "%65vil.test"),
    ("pct-crlf", "evil.test%0d%0a.example.test"),
    ("pct2f", "evil.test%2f.example.test"),
    ("tab", "evil.test\t.example.test"),
    ("backslash", "evil.test\\.example.test"),
    ("ipv6-loopback", "[::1]"),
    ("ipv6-mapped", "[::ffff:127.0.0.1]"),
    ("ipv6-mapped-long", "[0:0:0:0:0:ffff:7f00:1]"),
    ("ipv6-mapped-hex", "[::ffff:7f00:1]"),
    ("ipv6-compatible", "[::127.0.0.1]"),
    ("ipv6-zone", "[::1%25lo]"),
    ("v4-dotted", "127.0.0.1"),
    ("v4-decimal", "2130706433"),
    ("v4-hex", "0x7f000001"),
    ("v4-hex-dotted", "0x7f.0.0.1"),
    ("v4-octal", "0177.0.0.1"),
    ("v4-octal-whole", "017700000001"),
    ("v4-short", "127.1"),
    ("v4-trailing-dot", "127.0.0.1."),
    ("name", "evil.test"),
    ("name-trailing-dot", "evil.test."),
    ("name-mixed-case", "EvIl.TeSt"),
    ("wildcard-apex", "example.test"),
    ("suffix-without-dot", "evilexample.test"),
    ("allowed-as-prefix", "allowed.test.evil.test"),
    ("empty-label", ".example.test"),
]


def authority(host, port):
    return f"{host}:{port}"


def absolute_get(url, host_header):
    return f"GET {url} HTTP/1.1\r\nHost: {host_header}\r\nConnection: close\r\n\r\n"


def connect(target):
    return f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n"


TUNNELED = "GET /through-the-tunnel HTTP/1.1\r\nHost: tunnel\r\nConnection: close\r\n\r\n"


# Unicode spellings: IDNA (UTS 46) maps them to an ASCII name, which may then be allowed (the
# full-width and ideographic dots make evil.test.example.test, under the wildcard); refusing every
# non-ASCII host is right too. What must never happen is a check of one name and a lookup of another.
UNICODE = [
    ("fullwidth-dot", "evil.test\uff0eexample.test"),
    ("ideographic-dot", "evil.test\u3002example.test"),
    ("cyrillic-a", "evil.test.ex\u0430mple.test"),
    ("fullwidth-letters", "\uff45\uff56\uff49\uff4c.test"),
]


def proxy_attempts(v, g):
    """(name, send, then, kind): kind "refused" must be refused (400/403 egress_denied), "allowed"
    must reach the allowed upstream, "either" may do either but never reach a victim."""
    attempts = []
    for name, host in FORBIDDEN:
        attempts.append((f"GET {name}", absolute_get(f"http://{authority(host, v)}/", authority(host, v)), None, "refused"))
        attempts.append((f"CONNECT {name}", connect(authority(host, v)), TUNNELED, "refused"))
    for name, host in UNICODE:
        attempts.append((f"GET {name}", absolute_get(f"http://{authority(host, v)}/", authority(host, v)), None, "either"))
        attempts.append((f"CONNECT {name}", connect(authority(host, v)), TUNNELED, "either"))
    attempts += [
        ("GET userinfo names the forbidden host", absolute_get(f"http://allowed.test@evil.test:{v}/", f"evil.test:{v}"), None, "refused"),
        ("GET userinfo with port names the forbidden host", absolute_get(f"http://allowed.test:{g}@evil.test:{v}/", f"evil.test:{v}"), None, "refused"),
        ("CONNECT userinfo", connect(f"allowed.test@evil.test:{v}"), TUNNELED, "refused"),
        ("CONNECT two ports", connect(f"evil.test:{v}@allowed.test:{g}"), TUNNELED, "refused"),
        ("GET userinfo names the allowed host", absolute_get(f"http://evil.test@allowed.test:{g}/userinfo", f"allowed.test:{g}"), None, "either"),
        ("GET backslash before @", absolute_get(f"http://evil.test:{v}\\@allowed.test:{g}/", f"allowed.test:{g}"), None, "either"),
        ("GET fragment before @", absolute_get(f"http://allowed.test:{g}#@evil.test:{v}/", f"allowed.test:{g}"), None, "either"),
        ("GET allowed trailing dot", absolute_get(f"http://allowed.test.:{g}/trailing-dot", f"allowed.test.:{g}"), None, "either"),
        ("GET A-label under the wildcard", absolute_get(f"http://xn--80ak6aa92e.example.test:{v}/", f"xn--80ak6aa92e.example.test:{v}"), None, "either"),
        ("CONNECT A-label", connect(f"xn--evil-ssa.test:{v}"), TUNNELED, "either"),
        # Controls: what the allow-list allows must keep working.
        ("GET allowed", absolute_get(f"http://allowed.test:{g}/ok", f"allowed.test:{g}"), None, "allowed"),
        ("GET allowed mixed case", absolute_get(f"http://Allowed.TEST:{g}/ok", f"Allowed.TEST:{g}"), None, "allowed"),
        ("CONNECT allowed under the wildcard", connect(f"api.example.test:{g}"), TUNNELED, "allowed"),
    ]
    return attempts


def fetch_attempts(v, g):
    """(url, kind) for http_fetch, kinds as for the proxy."""
    attempts = [(f"http://{authority(host, v)}/", "refused") for _, host in FORBIDDEN]
    attempts += [(f"http://{authority(host, v)}/", "either") for _, host in UNICODE]
    attempts += [
        (f"http://allowed.test@evil.test:{v}/", "refused"),
        (f"http://allowed.test:{g}@evil.test:{v}/", "refused"),
        (f"http://evil.test@allowed.test:{g}/userinfo", "either"),
        (f"http://evil.test:{v}\\@allowed.test:{g}/", "either"),
        (f"http://allowed.test:{g}#@evil.test:{v}/", "either"),
        (f"http://allowed.test.:{g}/trailing-dot", "either"),
        (f"http://allowed.test:{g}/ok", "allowed"),
        (f"http://API.Example.Test:{g}/ok", "allowed"),
    ]
    return attempts


class Upstream(RecordingTCPServer):
    """The allowed upstream (allowed.test and api.example.test, on 127.0.0.2): answers 200 naming
    itself, and records each request's Host header."""

    def __init__(self):
        super().__init__(ALLOWED_ADDRESS, respond=self.answer)

    @staticmethod
    def answer(conn, record):
        head = record["received"].split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
        record["request_line"] = head[0]
        record["host"] = next((line.split(":", 1)[1].strip() for line in head[1:] if line.lower().startswith("host:")), None)
        body = json.dumps({"upstream": "allowed", "host_seen": record["host"]}).encode()
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body))


def egress_rows(p):
    return [r for r in p.audit(TENANT, kind="egress") if r.get("name") != "smtp"]


@pytest.fixture(scope="module")
def egress(scratch):
    root = scratch("egress")
    victims, upstream = Victims(), Upstream()
    p = AttackPlatform(root / "p")
    try:
        p.ship_probe(prepare_probe(root))
        p.tenant(TENANT)
        p.install(TENANT)
        v, g = victims.port, upstream.port
        before = len(egress_rows(p))
        attempts = proxy_attempts(v, g)
        answers = p.probe(TENANT, "proxy", {"attempts": [{"name": n, "send": s, **({"then": t} if t else {})} for n, s, t, _ in attempts]},
                          timeout=120)["results"]
        proxied = {a[0]: (a[3], r) for a, r in zip(attempts, answers)}
        # Egress records are written once a connection ends, a moment after the probe saw it.
        wait_until(lambda: len(egress_rows(p)) - before >= len(attempts), 15)
        proxy_records = egress_rows(p)[before:]
        fetches = fetch_attempts(v, g)
        fetched = p.probe(TENANT, "fetch", {"requests": [{"url": u} for u, _ in fetches]}, timeout=170)["results"]
        host_header = p.probe(TENANT, "fetch", {"requests": [{"url": f"http://allowed.test:{g}/fetch-host", "headers": {"Host": f"evil.test:{v}"}}]})
        yield {"p": p, "victims": victims, "upstream": upstream, "proxied": proxied, "proxy_records": proxy_records,
               "fetched": [(u, kind, r) for (u, kind), r in zip(fetches, fetched)], "fetch_host_header": host_header["results"][0], "v": v, "g": g}
    finally:
        p.stop()
        victims.stop()
        upstream.stop()


def describe(answer):
    """A proxy answer in a few words: status, code and decision, or what went wrong."""
    if answer.get("transport_error"):
        return "no answer: " + answer["transport_error"]
    error = answer.get("error") or {}
    tunnel = f", tunnel answered {answer['tunnel_status']}" if answer.get("tunnel_status") else ""
    return f"{answer.get('status')} {error.get('code', '')} {error.get('decision', '')}".strip() + tunnel


def describe_fetch(answer):
    body = answer.get("json") or {}
    if body.get("ok") is True:
        return f"ok: {body['result']['status']} {body['result']['body'][:60]}"
    error = body.get("error") or {}
    return f"{answer.get('status')} {error.get('decision')}: {str(error.get('message'))[:120]}"


def test_no_forbidden_host_is_ever_connected_to(egress):
    """#1: no spelling, through the proxy or http_fetch, reaches a host the allow-list forbids."""
    reached = [c["received"][:100] for c in egress["victims"].connections]
    assert reached == [], f"the victims (forbidden hosts) got {len(reached)} connections; what they were sent:\n" + "\n".join(f"  {r!r}" for r in reached)


def test_proxy_refuses_every_forbidden_spelling(egress):
    """#1: each forbidden spelling is refused by the proxy: 403 egress_denied, or 400 when the
    request is malformed; never a tunnel, never a forwarded request."""
    wrong = {name: describe(answer) for name, (kind, answer) in egress["proxied"].items()
             if kind == "refused" and not (answer.get("status") in (400, 403) and (answer.get("error") or {}).get("code") == "egress_denied")}
    assert wrong == {}, f"{len(wrong)} forbidden spellings were not refused with 400/403 egress_denied:\n" + "\n".join(f"  {n}: {d}" for n, d in wrong.items())


def test_proxy_answers_for_ambiguous_spellings_come_from_the_allowed_host(egress):
    """Userinfo, backslash and fragment tricks, trailing dots, A-labels: refused, unreachable, or
    answered by the allowed upstream; never anything else."""
    wrong = {}
    for name, (kind, answer) in egress["proxied"].items():
        if kind != "either":
            continue
        text = answer.get("tunnel_answer") or answer.get("answer") or ""
        if answer.get("status") == 200 and '"upstream": "allowed"' not in text and '"upstream":"allowed"' not in text:
            wrong[name] = text[:300]
    assert wrong == {}, wrong


def test_allowed_hosts_still_work_through_the_proxy(egress):
    """The controls: the allow-list is not fixed by refusing everything."""
    for name, (kind, answer) in egress["proxied"].items():
        if kind == "allowed":
            seen = answer.get("tunnel_answer") if name.startswith("CONNECT") else answer.get("answer")
            assert answer.get("status") == 200 and '"upstream"' in (seen or ""), (name, answer)


def test_http_fetch_refuses_every_forbidden_spelling(egress):
    """#1: http_fetch applies the same rules: each forbidden spelling is ok:false invalid_args."""
    wrong = {}
    for url, kind, answer in egress["fetched"]:
        body = answer.get("json") or {}
        if kind == "refused" and not (answer.get("status") == 200 and body.get("ok") is False and body["error"].get("decision") == "invalid_args"):
            wrong[url] = describe_fetch(answer)
        if kind == "allowed":
            assert body.get("ok") is True and body["result"]["status"] == 200, (url, answer)
        if kind == "either" and body.get("ok") is True:
            assert json.loads(body["result"]["body"]).get("upstream") == "allowed", (url, answer)
    assert wrong == {}, f"{len(wrong)} forbidden spellings were not refused as invalid_args:\n" + "\n".join(f"  {u!r}: {d}" for u, d in wrong.items())


def test_the_upstream_sees_the_host_of_the_url_not_the_clients_host_header(egress):
    """#13: plain-HTTP proxying sends `Host:` naming the absolute URL's authority (RFC 9112
    §3.2.2), not the client's header, which could front for another site on a shared address;
    http_fetch ignores a Host among its headers."""
    p, g, v = egress["p"], egress["g"], egress["v"]
    answer = p.probe(TENANT, "proxy", {"attempts": [{"name": "fronting", "send": absolute_get(f"http://allowed.test:{g}/fronting", f"evil.test:{v}")}]})["results"][0]
    assert answer["status"] == 200, answer
    seen = [c.get("host") for c in egress["upstream"].connections if "/fronting" in (c.get("request_line") or "")]
    assert seen == [f"allowed.test:{g}"], f"the upstream saw Host {seen}"
    fetched = egress["fetch_host_header"]["json"]
    assert fetched["ok"] is True and json.loads(fetched["result"]["body"])["host_seen"] == f"allowed.test:{g}", fetched


def test_every_proxy_decision_is_audited(egress):
    """#1: each connection to the proxy is one egress record (allowed or refused), however it was spelled."""
    records, attempts = egress["proxy_records"], egress["proxied"]
    assert len(records) == len(attempts), f"{len(attempts)} proxy connections, {len(records)} egress records"
    allowed = sum(1 for _, answer in attempts.values() if answer.get("status") == 200)
    decisions = [r["decision"] for r in records]
    assert decisions.count("allow") == allowed, decisions
    assert all(d == "allow" or d.startswith("deny:") for d in decisions), decisions


def test_every_http_fetch_decision_is_audited(egress):
    """Each http_fetch call is one app_call record, its refusals as deny:invalid_args."""
    p = egress["p"]
    calls = [r for r in p.audit(TENANT, kind="app_call") if r.get("name") == "http_fetch"]
    answered = [answer.get("json") or {} for _, _, answer in egress["fetched"]] + [egress["fetch_host_header"].get("json") or {}]
    assert len(calls) == len(answered), f"{len(answered)} http_fetch calls, {len(calls)} app_call records"
    refused = sum(1 for a in answered if (a.get("error") or {}).get("decision") == "invalid_args")
    assert sum(1 for r in calls if r["decision"] == "deny:invalid_args") == refused, [r["decision"] for r in calls]
