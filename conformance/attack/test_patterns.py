"""Hostile patterns (issue 18, finding #8): a developer publishes a tool whose input_schema has
`pattern: "^(a+)+$"` (catastrophic backtracking in a backtracking regex engine). Tenants' calls
with 30 to 5,000 'a's and a '!' must be answered `invalid_args` (the platform checks arguments
before the app is touched), and serve must keep answering /healthz meanwhile. No timing is asserted
beyond a generous bound (60 s a call) that the 68 s stall of 20 characters would blow, let alone 30.
"""
import threading
import time

import pytest

from harness import AttackPlatform, prepare_probe

TENANT = "patterns"
EVIL = "^(a+)+$"
LENGTHS = [30, 100, 1000, 5000]


def with_hostile_pattern(manifest):
    [echo] = [t for t in manifest["tools"] if t["name"] == "echo"]
    echo["input_schema"]["properties"]["text"]["pattern"] = EVIL
    echo["input_schema"]["required"] = ["text"]


@pytest.fixture(scope="module")
def patterns(scratch):
    root = scratch("patterns")
    p = AttackPlatform(root / "p")
    try:
        p.ship_probe(prepare_probe(root, edit=with_hostile_pattern))
        p.tenant(TENANT)
        p.install(TENANT)
        accepted = p.call(TENANT, "echo", {"text": "aaaa"})
        answers, health, done = {}, [], threading.Event()

        def watch():
            while not done.is_set():
                health.append(p.healthz(timeout=5))
                time.sleep(0.5)
        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        try:
            for n in LENGTHS:
                try:
                    answers[n] = p.call(TENANT, "echo", {"text": "a" * n + "!"}, timeout=60)
                except OSError as error:
                    answers[n] = f"no answer within 60 s ({type(error).__name__})"
                    break   # serve is stuck; later calls would only wait too
        finally:
            done.set()
            watcher.join(timeout=10)
        yield {"p": p, "accepted": accepted, "answers": answers, "health": health}
    finally:
        p.stop()


def test_the_pattern_still_applies(patterns):
    """The fix must not drop the pattern: a matching value reaches the app."""
    assert patterns["accepted"].status == 200 and patterns["accepted"].json == {"text": "aaaa"}, patterns["accepted"]


@pytest.mark.parametrize("n", LENGTHS)
def test_a_backtracking_input_is_refused_as_invalid_args(patterns, n):
    answer = patterns["answers"].get(n, "not tried: an earlier call got no answer")
    assert not isinstance(answer, str), f"{n} a's and '!': {answer}"
    assert answer.status == 400 and answer.code == "invalid_args", answer


def test_serve_keeps_answering_during_the_calls(patterns):
    health = patterns["health"]
    assert health and all(health), f"/healthz missed {health.count(False)} of {len(health)} probes (5 s each)"
