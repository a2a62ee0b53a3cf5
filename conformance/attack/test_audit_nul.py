"""The audit chain and NUL (issue 18, finding #3): every value an app controls that lands in an
audit column (a tool name, an egress host) may hold NUL and other control characters. The chain
must stay verifiable (`marina audit verify` reports it intact), and the listed record must show
what was sent, escaped if need be, never cut at the NUL (which would hide the rest).
"""
import json

import pytest

from harness import AttackPlatform, prepare_probe, wait_until

TENANT = "auditnul"
NAMES = ["kv_get\x00hidden-after-nul", "kv_get\x01\x1b[31m\x7fcontrols-after"]
ARGS = {"key": "k\x00v\x01\x02", "note": "\x00" * 8}
EGRESS_HOST = "evil.test\x00.example.test"


def api_records(p):
    """The tenant's records as the API lists them (GET …/audit), oldest first."""
    answer = p.request("GET", f"/api/v1/tenants/{TENANT}/audit?limit=1000")
    assert answer.status == 200, answer
    return sorted(answer.json["records"], key=lambda r: r["seq"])


@pytest.fixture(scope="module")
def audited(scratch):
    root = scratch("auditnul")
    p = AttackPlatform(root / "p")
    try:
        p.ship_probe(prepare_probe(root))
        p.tenant(TENANT)
        p.install(TENANT)
        intact_before = p.cli("audit", "verify", ok=False)
        bodies = [json.dumps({"tool": name, "args": ARGS}) for name in NAMES]
        calls = p.probe(TENANT, "platform_calls", {"path": "/api/mcp/app-tools", "bodies": bodies})["results"]
        proxied = p.probe(TENANT, "proxy", {"attempts": [{"name": "nul host", "send": f"CONNECT {EGRESS_HOST}:80 HTTP/1.1\r\nHost: x\r\n\r\n"}]})
        fetched = p.probe(TENANT, "fetch", {"requests": [{"url": "http://evil.test%00.example.test/"}]})
        # Egress records are written once the connection ended.
        api = wait_until(lambda: [r for r in api_records(p) if r["kind"] == "egress"] and api_records(p), 10) or api_records(p)
        cli = p.audit_cli(TENANT)
        verify = p.cli("audit", "verify", ok=False)
        yield {"p": p, "before": intact_before, "calls": calls, "proxied": proxied, "fetched": fetched, "api": api, "cli": cli, "verify": verify}
    finally:
        p.stop()


def test_the_chain_verifies_after_control_characters(audited):
    before, after = audited["before"], audited["verify"]
    assert before.returncode == 0, f"the chain was broken before the attack: {before.stdout}{before.stderr}"
    assert after.returncode == 0, f"`marina audit verify` after NULs in audited columns: {after.stdout[-1500:]}{after.stderr[-1500:]}"


def test_the_cli_lists_every_record(audited):
    """`marina audit` shows every record the API has, whatever characters they hold (a record with
    a DEL in its name made it print nothing at all, and exit 0)."""
    assert [r["seq"] for r in audited["cli"]] == [r["seq"] for r in audited["api"]], \
        f"the API lists {len(audited['api'])} records of {TENANT}, `marina audit --json` {len(audited['cli'])}"


def listed_as_sent(records, sent):
    """Whether some app_call record's name is `sent`, or an escaped form of it not cut at its first
    control character (the printable tail is there either way)."""
    return any(r["kind"] == "app_call" and r["name"].startswith("kv_get") and (r["name"] == sent or sent[-8:] in r["name"]) for r in records)


@pytest.mark.parametrize("sent", NAMES)
@pytest.mark.parametrize("view", ["api", "cli"])
def test_a_tool_name_is_listed_as_sent(audited, sent, view):
    names = [r["name"] for r in audited[view] if r["kind"] == "app_call"]
    assert listed_as_sent(audited[view], sent), f"sent {sent!r}; the {view} lists the app's calls as {names!r}"


@pytest.mark.parametrize("view", ["api", "cli"])
def test_an_egress_host_is_listed_as_sent(audited, view):
    listed = [r["name"] for r in audited[view] if r["kind"] == "egress" and r["name"].startswith("evil.test")]
    assert listed, f"no egress record for {EGRESS_HOST!r} in the {view}'s {len(audited[view])} records"
    cut = [name for name in listed if "example.test" not in name]
    assert cut == [], f"the {view} lists {cut!r} for the host {EGRESS_HOST!r} (cut at the NUL)"
