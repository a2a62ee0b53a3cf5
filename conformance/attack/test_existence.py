"""Existence oracles (issue 18, finding #15): a caller outside an app's or a tenant's circle — another
developer, a tenant's admin or member — gets the same answer for an app (or a tenant) that exists
but is not theirs to see as for one that does not exist; otherwise private apps and other tenants
can be enumerated. And a refused publish stores nothing (the bundle was stored before the owner
check).

Rule enforced: for every route below, the (status, error code) of the existing-but-invisible name
equals that of a name that does not exist, and is not a success.
"""
import json

import pytest

from harness import MARINA, PROBE, AttackPlatform, prepare_probe, run

OWN, OTHER = "acme", "globex"
PRIVATE = "attack-private"        # D1's, published, on no channel: visible to D1 and the admin only
NOTHING = "attack-nothing"        # no such app
NO_TENANT = "no-such-tenant"


def as_private(manifest):
    manifest["app"]["id"] = PRIVATE


def as_private_next(manifest):
    manifest["app"]["id"], manifest["app"]["version"] = PRIVATE, "1.0.1"


def app_routes(app):
    return [
        ("GET", f"/api/v1/apps/{app}", None),
        ("GET", f"/api/v1/apps/{app}/versions", None),
        ("GET", f"/api/v1/apps/{app}/versions/1.0.0", None),
        ("GET", f"/api/v1/apps/{app}/versions/1.0.0/bundle", None),
        ("GET", f"/api/v1/apps/{app}/channels", None),
        ("PUT", f"/api/v1/apps/{app}/channels/current", {"version": "1.0.0"}),
        ("GET", f"/api/v1/apps/{app}/secrets", None),
        ("PUT", f"/api/v1/apps/{app}/secrets/PROBE_KEY", {"value": "x"}),
        ("DELETE", f"/api/v1/apps/{app}/secrets/PROBE_KEY", None),
    ]


def tenant_app_routes(tenant, app):
    return [
        ("GET", f"/api/v1/tenants/{tenant}/apps/{app}/secrets", None),
        ("PUT", f"/api/v1/tenants/{tenant}/apps/{app}/secrets/PROBE_KEY", {"value": "x"}),
        ("PUT", f"/api/v1/tenants/{tenant}/installs/{app}", {}),
        ("GET", f"/api/v1/tenants/{tenant}/installs/{app}", None),
        ("POST", f"/api/v1/tenants/{tenant}/apps/{app}/tools/whoami", {}),
        ("POST", f"/api/v1/tenants/{tenant}/apps/{app}/events/install", {}),
        ("GET", f"/api/v1/tenants/{tenant}/apps/{app}/logs", None),
    ]


def tenant_routes(tenant):
    return [
        ("GET", f"/api/v1/tenants/{tenant}", None),
        ("GET", f"/api/v1/tenants/{tenant}/installs", None),
        ("GET", f"/api/v1/tenants/{tenant}/audit", None),
        ("GET", f"/api/v1/tenants/{tenant}/installs/{PROBE}", None),
        ("POST", f"/api/v1/tenants/{tenant}/apps/{PROBE}/tools/whoami", {}),
        ("GET", f"/api/v1/tenants/{tenant}/apps/{PROBE}/secrets", None),
    ]


def bundle_files(root):
    return sorted(str(p.relative_to(root)) for p in (root / "bundles").rglob("*") if p.is_file()) if (root / "bundles").exists() else []


@pytest.fixture(scope="module")
def oracle(scratch):
    root = scratch("existence")
    p = AttackPlatform(root / "p")
    try:
        d1 = p.key("developer", name="d1")
        d2 = p.key("developer", name="d2")
        private = prepare_probe(root, edit=as_private, name="private")
        published = run([MARINA, "publish", private, "--json"], cwd=root, env={**p.env, "MARINA_API_KEY": d1})
        assert published.returncode == 0, published.stderr
        p.ship_probe(prepare_probe(root))
        for tenant in (OWN, OTHER):
            p.tenant(tenant)
        p.install(OWN)
        callers = {"another developer": d2, "tenant admin of globex": p.key("tenant_admin", tenant=OTHER, name="globex-admin"),
                   "tenant member of globex": p.key("tenant_member", tenant=OTHER, name="globex-member")}
        pairs = []
        for caller, key in callers.items():
            routes = list(zip(app_routes(PRIVATE), app_routes(NOTHING)))
            if caller != "another developer":
                routes += list(zip(tenant_app_routes(OTHER, PRIVATE), tenant_app_routes(OTHER, NOTHING)))
            routes += list(zip(tenant_routes(OWN), tenant_routes(NO_TENANT)))
            for (method, path, body), (_, other_path, _) in routes:
                exists, missing = p.request(method, path, body=body, key=key), p.request(method, other_path, body=body, key=key)
                pairs.append({"caller": caller, "route": f"{method} {path}", "exists": (exists.status, exists.code), "missing": (missing.status, missing.code)})
        stored_before = bundle_files(p.data)
        probe_copy = prepare_probe(root, edit=as_private_next, name="takeover")
        takeover = run([MARINA, "publish", probe_copy, "--json"], cwd=root, env={**p.env, "MARINA_API_KEY": d2})
        stored_after = bundle_files(p.data)
        yield {"p": p, "pairs": pairs, "takeover": takeover, "stored": (stored_before, stored_after)}
    finally:
        p.stop()


def test_an_invisible_app_or_tenant_answers_like_a_missing_one(oracle):
    leaks = [pair for pair in oracle["pairs"] if pair["exists"] != pair["missing"]]
    assert leaks == [], f"{len(leaks)} routes tell an existing name from a missing one:\n" + "\n".join(json.dumps(l) for l in leaks)


def test_no_foreign_caller_succeeds(oracle):
    succeeded = [pair for pair in oracle["pairs"] if 200 <= pair["exists"][0] < 300]
    assert succeeded == [], succeeded


def test_a_refused_publish_stores_no_bundle(oracle):
    takeover = oracle["takeover"]
    assert takeover.returncode != 0, f"another developer published a version of {PRIVATE}: {takeover.stdout}"
    before, after = oracle["stored"]
    assert after == before, f"the refused publish left {sorted(set(after) - set(before))} in the bundle store"
