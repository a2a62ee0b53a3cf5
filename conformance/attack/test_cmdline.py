"""Secrets in process arguments (issue 18, finding #6): any local user may read every process's
arguments (/proc/*/cmdline). A tenant's secret and the instance's app token are handed to the
sandbox somehow; they must not be in anybody's arguments while the instance runs.
"""
import os
import secrets
from pathlib import Path

import pytest

from harness import AttackPlatform, digest, prepare_probe

TENANT = "cmdline"
KEY = "PROBE_SECRET"


def with_secret_reference(manifest):
    manifest["runtime"]["env"] = {KEY: "${secret:%s}" % KEY}


def every_cmdline():
    """{pid: arguments as bytes} of every process on the host."""
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                found[int(entry)] = Path(f"/proc/{entry}/cmdline").read_bytes()
            except OSError:
                pass
    return found


@pytest.fixture(scope="module")
def awake(scratch):
    root = scratch("cmdline")
    p = AttackPlatform(root / "p")
    try:
        p.ship_probe(prepare_probe(root, edit=with_secret_reference))
        p.tenant(TENANT)
        value = "s3cr3t-" + secrets.token_hex(16)
        p.cli("secrets", "set", f"{KEY}=-", "--app", "attack-probe", "--tenant", TENANT, input=value)
        p.install(TENANT)
        who = p.probe(TENANT, "whoami", {"env": [KEY]})
        yield {"p": p, "value": value, "who": who, "cmdlines": every_cmdline()}
    finally:
        p.stop()


def test_the_instance_really_got_the_secret_and_a_token(awake):
    """The scan below means something only if the secret and the token were handed over."""
    assert awake["who"]["env_sha256"][KEY] == digest(awake["value"])
    assert awake["who"]["app_token"] and awake["who"]["app_token"].count(".") == 2


def test_no_process_argument_holds_the_secret_or_the_app_token(awake):
    token = awake["who"]["app_token"].encode()
    value = awake["value"].encode()
    leaks = {}
    for pid, args in awake["cmdlines"].items():
        holds = [what for what, needle in (("the secret", value), ("the app token", token)) if needle in args]
        if holds:
            leaks[pid] = {"process": args.split(b"\0")[0].decode(errors="replace"), "holds": holds}
    assert leaks == {}, f"{len(leaks)} processes carry the secret or the app token in their arguments: {leaks}"
