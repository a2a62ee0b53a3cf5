"""Forged lifecycle events (issue 18, finding #9): `install` and `uninstall` are the platform's
events: their payload tells the app what the tenant granted. A tenant member (a non-admin key of
the tenant) posting them through the events route, with a payload claiming scopes the install
does not have, must be refused (a 4xx; `403 forbidden` is the natural answer), the app must never receive the forgery,
and no audit record may present the attempt as the platform's (`actor: platform`).
"""
import json

import pytest

from harness import AttackPlatform, prepare_probe

TENANT = "events"
FORGED = {"granted_scopes": ["kv.read", "http.fetch", "files.write", "mail.send", "forged.marker"], "settings": {}}


@pytest.fixture(scope="module")
def forged(scratch):
    root = scratch("events")
    p = AttackPlatform(root / "p")
    try:
        p.ship_probe(prepare_probe(root))
        p.tenant(TENANT)
        installed = p.install(TENANT, grants=("kv.read",))
        member = p.key("tenant_member", tenant=TENANT, name="member")
        whoami = p.request("GET", "/api/v1/whoami", key=member).json
        platform_before = [r for r in p.audit(TENANT) if r.get("actor") == "platform"]
        answers = {kind: p.request("POST", f"/api/v1/tenants/{TENANT}/apps/attack-probe/events/{kind}", body=FORGED, key=member)
                   for kind in ("install", "uninstall")}
        seen = p.probe(TENANT, "events_seen")["events"]
        rows = p.audit(TENANT)
        yield {"p": p, "member": whoami, "answers": answers, "seen": seen, "platform_before": platform_before, "rows": rows, "installed": installed}
    finally:
        p.stop()


@pytest.mark.parametrize("kind", ["install", "uninstall"])
def test_a_tenant_member_cannot_send_lifecycle_events(forged, kind):
    answer = forged["answers"][kind]
    assert 400 <= answer.status < 500, f"{kind} posted by a tenant member: {answer}"


def test_the_app_never_receives_the_forged_payload(forged):
    got = [e for e in forged["seen"] if "forged.marker" in json.dumps(e.get("payload"))]
    assert got == [], f"the app was delivered the forged events: {got}"


def test_the_audit_never_credits_the_platform_with_a_members_call(forged):
    """No record after the forgery says `actor: platform` for an event of this install; a record
    of the attempt, if any, names the member."""
    before = {json.dumps(r, sort_keys=True) for r in forged["platform_before"]}
    new_platform = [r for r in forged["rows"] if r.get("actor") == "platform" and json.dumps(r, sort_keys=True) not in before]
    shown = [{k: r.get(k) for k in ("actor", "kind", "name", "decision", "status", "request_id")} for r in new_platform]
    assert new_platform == [], f"records credited to the platform after a member's events: {shown}"


def test_the_install_is_untouched(forged):
    p = forged["p"]
    answer = p.call(TENANT, "whoami")
    assert answer.status == 200 and answer.json["served_by"] == "attack-probe", answer
