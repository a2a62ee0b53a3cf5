"""Symlinked sockets (issue 18, finding #5): the probe replaces the sockets of its io directory
(/run/marina/io/app.sock, relay.sock) with symbolic links to a root-only Unix socket on the host.
The sandbox cannot see that path, but a link is only a string: whoever follows it resolves it.
serve runs as root and must never follow the app's links to a socket of the host: the next tenant
call fails cleanly or is served by the real app, and the host's socket never sees a connection
(which would carry the tenant's request and its invocation token).
"""
import time

import pytest

from harness import AttackPlatform, UnixVictim, prepare_probe

VARIANTS = {"both": ["app.sock", "relay.sock"], "app-socket": ["app.sock"], "relay-socket": ["relay.sock"]}


@pytest.fixture(scope="module")
def sockets(scratch):
    root = scratch("sockets")
    victim = UnixVictim(root / "host-only")
    p = AttackPlatform(root / "p")
    try:
        p.ship_probe(prepare_probe(root))
        outcomes = {}
        for variant, names in VARIANTS.items():
            p.tenant(variant)
            p.install(variant)
            before = p.probe(variant, "whoami")
            assert before["served_by"] == "attack-probe"
            swapped = p.probe(variant, "swap_sockets", {"target": victim.path, "names": names})
            # The kept-alive connections to the instance are closed after 1.5 s idle; the next
            # call opens a new one by path.
            time.sleep(3)
            calls = []
            for _ in range(2):
                try:
                    calls.append(p.call(variant, "whoami", timeout=60))
                except OSError as error:
                    calls.append(repr(error))
            outcomes[variant] = {"swapped": swapped, "calls": calls}
        yield {"p": p, "victim": victim, "outcomes": outcomes}
    finally:
        p.stop()
        victim.stop()


def test_serve_never_connects_to_a_host_socket_an_app_linked_to(sockets):
    got = [c["received"].split(b"\r\n")[0].decode(errors="replace") + (" with an invocation token" if b"Authorization: Bearer ey" in c["received"] else "")
           for c in sockets["victim"].connections]
    assert got == [], f"the host-only socket got {len(got)} connections from serve: {got}"


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_the_next_call_is_the_apps_or_a_clean_error(sockets, variant):
    """Never the host socket's answer passed off as the tool's result."""
    outcome = sockets["outcomes"][variant]
    for answer in outcome["calls"]:
        assert not isinstance(answer, str), f"the call did not answer: {answer}"
        if answer.status == 200:
            assert answer.json.get("served_by") == "attack-probe", f"{variant}: the result came from elsewhere: {answer} (swap: {outcome['swapped']})"
        else:
            assert answer.status in (502, 503, 504) and answer.code, f"{variant}: {answer}"
