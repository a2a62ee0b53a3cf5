"""Hostile YAML (issue 18, finding #4): a manifest whose aliases nest a long scalar (a 60,000-byte
string, ten times, ten times, ten times: about 1,100 nodes, 67 MB once expanded) in a place any
value may go (a tool's input_schema `examples`). The document is 60 KB and its bundle a few
hundred bytes. (Today's binaries take 15 s and 350 MB to validate it.) Publishing it, by a developer straight to the API, must be refused with a
limit error (`document_too_large`), and serve's memory must stay bounded (rule: its peak resident
size grows by less than 128 MB); `marina validate` refuses it too, in bounded memory (256 MB).
"""
import subprocess
import sys

import pytest

from harness import MARINA, AttackPlatform, bundle_of

APP = "attack-bomb"
SCALAR = 60_000
FANOUT = 10
SERVE_GROWTH_KB = 128 * 1024
CLI_PEAK_KB = 256 * 1024


def alias_bomb():
    refs = lambda anchor: "[" + ", ".join(["*" + anchor] * FANOUT) + "]"
    return f"""apiVersion: marina/v1
app:
  id: {APP}
  name: Alias bomb
  version: 1.0.0
runtime:
  command: [python3, server.py]
tools:
  - name: echo
    description: Echo
    input_schema:
      type: object
      examples: [&s0 "{'A' * SCALAR}", &l1 {refs('s0')}, &l2 {refs('l1')}, {refs('l2')}]
"""


@pytest.fixture(scope="module")
def bomb(scratch):
    root = scratch("yaml")
    p = AttackPlatform(root / "p")
    try:
        developer = p.key("developer", name="hostile-dev")
        manifest = alias_bomb().encode()
        (root / "bomb").mkdir()
        (root / "bomb" / "marina.app.yaml").write_bytes(manifest)
        bundle = bundle_of({"marina.app.yaml": manifest, "server.py": b"print('never runs')\n"})
        # Peak resident size from here on: writing 5 to clear_refs resets VmHWM.
        with open(f"/proc/{p.pid}/clear_refs", "w") as f:
            f.write("5")
        rss_before = p.rss_kb()
        try:
            answer = p.request("POST", f"/api/v1/apps/{APP}/versions", body=bundle, key=developer,
                               headers={"Content-Type": "application/gzip"}, timeout=120)
        except OSError as error:
            answer = f"no answer within 120 s ({type(error).__name__})"
        peak = p.peak_rss_kb() if p.alive() else None
        alive = p.alive() and p.healthz()
        yield {"p": p, "answer": answer, "rss_before": rss_before, "peak": peak, "alive": alive, "bundle": len(bundle), "dir": root / "bomb"}
    finally:
        p.stop()


def test_publishing_the_bomb_is_refused_with_a_limit_error(bomb):
    answer = bomb["answer"]
    assert not isinstance(answer, str), answer
    assert answer.status in (413, 422) and b"document_too_large" in answer.raw, f"a {bomb['bundle']}-byte bundle: {answer}"


def test_serve_memory_stays_bounded(bomb):
    assert bomb["alive"], "serve is down or not answering after the publish"
    grown = bomb["peak"] - bomb["rss_before"]
    assert grown < SERVE_GROWTH_KB, f"serve's peak resident size grew by {grown // 1024} MB publishing a {bomb['bundle']}-byte bundle"


def test_validate_refuses_it_in_bounded_memory(bomb):
    measure = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=120); "
               "print(r.returncode); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); print(r.stdout[-2000:] + r.stderr[-2000:])")
    out = subprocess.run([sys.executable, "-c", measure, MARINA, "validate", str(bomb["dir"])], capture_output=True, text=True, timeout=180)
    code, peak_kb, text = out.stdout.split("\n", 2)
    assert int(code) == 1 and "document_too_large" in text, f"marina validate exited {code}: {text[-1500:]}"
    assert int(peak_kb) < CLI_PEAK_KB, f"marina validate peaked at {int(peak_kb) // 1024} MB"
