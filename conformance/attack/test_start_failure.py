"""A start failure must not stick (issue 18, finding #10): an app whose runtime.env needs the secret
NEEDED_SECRET cannot start while it is not set (`secret_missing`). Once the tenant sets it, the
very next call starts the instance and succeeds, without restarting serve.
"""
import secrets

import pytest

from harness import AttackPlatform, digest, prepare_probe

TENANT = "startfail"
APP = "attack-probe-needs-secret"
KEY = "NEEDED_SECRET"


def needing_a_secret(manifest):
    manifest["app"]["id"] = APP
    manifest["runtime"]["env"] = {KEY: "${secret:%s}" % KEY}
    manifest["events"] = []   # installing must not start it


@pytest.fixture(scope="module")
def start(scratch):
    root = scratch("startfail")
    p = AttackPlatform(root / "p")
    try:
        p.ship_probe(prepare_probe(root, edit=needing_a_secret), app_id=APP)
        p.tenant(TENANT)
        p.install(TENANT, app=APP)
        failed = p.call(TENANT, "whoami", {"env": [KEY]}, app=APP)
        value = "late-" + secrets.token_hex(8)
        p.cli("secrets", "set", f"{KEY}=-", "--app", APP, "--tenant", TENANT, input=value)
        after = p.call(TENANT, "whoami", {"env": [KEY]}, app=APP)
        yield {"p": p, "failed": failed, "after": after, "value": value}
    finally:
        p.stop()


def test_without_the_secret_the_start_fails_naming_it(start):
    failed = start["failed"]
    text = failed.raw.decode(errors="replace")
    assert failed.status >= 400 and "secret_missing" in text and KEY in text, failed


def test_the_next_call_after_setting_the_secret_succeeds(start):
    after = start["after"]
    assert after.status == 200, f"after `marina secrets set {KEY}` the next call answered {after}"
    assert after.json["env_sha256"][KEY] == digest(start["value"]), after.json
