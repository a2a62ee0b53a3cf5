"""Unbounded growth (issue 18, finding #11): refusals an attacker can cause at will must not grow
the audit log one row each, and the rate limit must hold for every call an app makes.

Rules enforced here (serve runs with `--rate-install 5`, a burst of 10):
- 300 POSTs to /api/mcp/app-tools with bogus app tokens (from outside, no sandbox needed) answer
  401 (or 429), and add at most 30 audit records; the refusals stay accounted for: the records'
  summaries carry a `count` (a record without one counts 1) that sums to 300 within 15 s.
- The rate limit is checked before every other refusal: calls of an unknown tool, of a tool whose
  scope the app lacks, or with invalid arguments are `rate_limited` once the burst is spent.
- /api/mcp/app-secrets is rate limited too (429, or ok:false with decision rate_limited).
"""
import json
import time

import pytest

from harness import AttackPlatform, prepare_probe, wait_until

TENANT = "growth"
BOGUS = 300
RAPID = 60


def count_of(record):
    try:
        summary = json.loads(record.get("summary") or "{}")
    except ValueError:
        return 1
    # A record of counted refusals carries `repeated` (docs/trust.md); every other record is one.
    count = summary.get("repeated") if isinstance(summary, dict) else None
    return count if isinstance(count, int) and count > 0 else 1


def rapid(p, path, body):
    """RAPID posts of `body` by the probe, back to back; the answers' decisions."""
    results = p.probe(TENANT, "platform_calls", {"path": path, "bodies": [json.dumps(body)], "repeat": RAPID}, timeout=120)["results"]
    decisions = []
    for r in results:
        error = (r.get("json") or {}).get("error") if isinstance(r.get("json"), dict) else None
        if r.get("status") == 429:
            decisions.append("rate_limited")
        elif isinstance(error, dict):
            decisions.append(error.get("decision") or error.get("code"))
        else:
            decisions.append(f"{r.get('status')} ok" if (r.get("json") or {}).get("ok") else f"{r.get('status')}")
    return decisions


@pytest.fixture(scope="module")
def growth(scratch):
    root = scratch("growth")
    p = AttackPlatform(root / "p", extra=["--rate-install", "5"])
    try:
        p.ship_probe(prepare_probe(root))
        p.tenant(TENANT)
        p.install(TENANT)
        p.probe(TENANT, "whoami")

        def refused_tokens():
            return [r for r in p.audit(kind="app_call", decision="deny:invalid_token") if r.get("name") == "authenticate"]
        before = {r["seq"] for r in refused_tokens()}
        statuses = [p.request("POST", "/api/mcp/app-tools", body={"tool": "kv_get", "args": {"key": "k"}}, key=f"bogus.{i}.token").status
                    for i in range(BOGUS)]

        def burst_records():
            rows = [r for r in refused_tokens() if r["seq"] not in before]
            return rows if sum(count_of(r) for r in rows) >= BOGUS else None
        records = wait_until(burst_records, 15, interval=1) or [r for r in refused_tokens() if r["seq"] not in before]
        decisions = {}
        for name, path, body in [("unknown tool", "/api/mcp/app-tools", {"tool": "no_such_tool", "args": {}}),
                                 ("scope refused", "/api/mcp/app-tools", {"tool": "files_write", "args": {"path": "a.txt", "content_base64": ""}}),
                                 ("invalid arguments", "/api/mcp/app-tools", {"tool": "kv_get", "args": {}}),
                                 ("app-secrets", "/api/mcp/app-secrets", {"key": "NOT_SET"})]:
            time.sleep(2.5)   # the install's bucket refills (5 a second, 10 at most)
            decisions[name] = rapid(p, path, body)
        yield {"p": p, "statuses": statuses, "records": records, "decisions": decisions}
    finally:
        p.stop()


def test_bogus_tokens_are_refused(growth):
    wrong = [s for s in growth["statuses"] if s not in (401, 429)]
    assert wrong == [], f"{len(wrong)} of {BOGUS} bogus-token posts answered {sorted(set(wrong))}"


def test_bogus_tokens_do_not_add_a_record_each(growth):
    count = len(growth["records"])
    assert count <= 30, f"{BOGUS} bogus-token posts added {count} audit records"


def test_bogus_tokens_are_still_accounted_for(growth):
    counted = sum(count_of(r) for r in growth["records"])
    assert counted == BOGUS, f"the audit accounts for {counted} of {BOGUS} refused tokens ({len(growth['records'])} records)"


@pytest.mark.parametrize("name", ["unknown tool", "scope refused", "invalid arguments"])
def test_the_rate_limit_comes_before_other_refusals(growth, name):
    decisions = growth["decisions"][name]
    limited = decisions.count("rate_limited")
    assert limited >= RAPID // 2, f"{name}: {limited} of {RAPID} back-to-back calls were rate_limited (burst 10); decisions: {sorted(set(decisions))}"


def test_app_secrets_is_rate_limited(growth):
    decisions = growth["decisions"]["app-secrets"]
    limited = decisions.count("rate_limited")
    assert limited >= RAPID // 2, f"{limited} of {RAPID} back-to-back app-secrets reads were rate limited; answers: {sorted(set(decisions))}"
