"""The contract suite against apps that break it on purpose (broken/): `marina conformance` must fail
exactly the checks that cover the broken rule, and pass the correct app on every check.

    MARINA_BIN=.build/debug/marina .build/sdk-venv/bin/python -m pytest -q conformance/contract

The apps run with this interpreter (they need `cryptography` to verify tokens)."""
import json
import os
import shlex
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
BROKEN = os.path.join(HERE, "broken")
MARINA = os.path.abspath(os.environ.get("MARINA_BIN") or os.path.join(REPO, ".build", "debug", "marina"))

# The checks, in the order and with the names `marina conformance` prints them.
HEALTH = "GET /health answers 200"
MANIFEST = "GET /manifest hashes to the manifest"
NO_TOKEN = "a tool call without a token is refused (401 invalid_token)"
FORGED = "a tool call with a forged token is refused (401)"
OTHER_INSTALL = "a token for another install is refused (401)"
EXPIRED = "an expired token is refused (401)"
ROUTED = "a declared tool is routed (not 401/404)"
UNKNOWN_TOOL = "an unknown tool is 404 with the error shape"
EVENT_ONCE = "an event delivered twice with one id is handled once"
CHECKS = [HEALTH, MANIFEST, NO_TOKEN, FORGED, OTHER_INSTALL, EXPIRED, ROUTED, UNKNOWN_TOOL, EVENT_ONCE]

# Each fault of broken/app.py and the checks that must fail for it (no other may).
CAUGHT_BY = {
    "no-health": {HEALTH},  # the suite stops there: nothing else can be checked
    "wrong-manifest": {MANIFEST},
    "unknown-tool-200": {UNKNOWN_TOOL},
    "error-shape": {NO_TOKEN, FORGED, OTHER_INSTALL, EXPIRED, UNKNOWN_TOOL},  # every check that looks at an error's body
    "no-token": {NO_TOKEN},
    "bad-signature": {FORGED},
    "wrong-audience": {OTHER_INSTALL},
    "expired": {EXPIRED},
    "not-idempotent": {EVENT_ONCE},
}
def require_marina():
    if not os.access(MARINA, os.X_OK):
        pytest.fail(f"no marina binary at {MARINA}: build it (swift build --product marina) or set MARINA_BIN")


def conformance(*args):
    """`marina conformance ARGS --json`: (exit status, the JSON verdict)."""
    require_marina()
    run = subprocess.run([MARINA, "conformance", *args, "--json"], capture_output=True, text=True, timeout=120)
    try:
        verdict = json.loads(run.stdout)
    except ValueError:
        pytest.fail(f"no JSON verdict (exit {run.returncode}):\n{run.stdout}\n{run.stderr}")
    assert run.returncode == (0 if verdict["ok"] else 1), run.stderr
    return verdict


def check_app(fault):
    return conformance("--app", os.path.join(BROKEN, fault), "--command", f"{sys.executable} ../app.py {fault}")


@pytest.fixture(scope="session")
def verdicts():
    """The verdict on every app of broken/, run a few at a time (each run takes seconds, mostly waiting)."""
    faults = ["correct", *CAUGHT_BY]
    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip(faults, pool.map(check_app, faults)))


def failed(verdict):
    return {c["name"] for c in verdict["checks"] if not c["ok"]}


def test_every_fault_has_its_app():
    on_disk = {d for d in os.listdir(BROKEN) if os.path.isdir(os.path.join(BROKEN, d)) and d != "__pycache__"}
    assert on_disk == {"correct"} | set(CAUGHT_BY)
    for fault in on_disk:
        with open(os.path.join(BROKEN, fault, "marina.app.json"), encoding="utf-8") as f:
            manifest = json.load(f)
        assert manifest["runtime"]["command"] == ["python3", "../app.py", fault]
        assert manifest["app"]["id"] == "contract-" + fault


def test_the_correct_app_passes_every_check(verdicts):
    verdict = verdicts["correct"]
    assert verdict["ok"] is True
    assert [c["name"] for c in verdict["checks"]] == CHECKS
    assert all(c["ok"] for c in verdict["checks"])


@pytest.mark.parametrize("fault", sorted(CAUGHT_BY))
def test_a_fault_fails_exactly_its_checks(fault, verdicts):
    verdict = verdicts[fault]
    assert verdict["ok"] is False
    assert failed(verdict) == CAUGHT_BY[fault], verdict["checks"]
    if fault == "no-health":
        assert [c["name"] for c in verdict["checks"]] == [HEALTH]
    else:
        assert [c["name"] for c in verdict["checks"]] == CHECKS


def test_url_mode_with_the_printed_environment():
    manifest = os.path.join(BROKEN, "correct", "marina.app.json")
    require_marina()
    printed = subprocess.run([MARINA, "conformance", "--print-env", "--manifest", manifest], capture_output=True, text=True, check=True)
    env = dict(shlex.split(line)[0].split("=", 1) for line in printed.stdout.splitlines() if line.strip())
    assert {"MARINA_JWKS", "MARINA_INSTALL_ID", "MARINA_TENANT", "MARINA_APP"} <= set(env)
    assert env["MARINA_APP"] == "contract-correct"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = subprocess.Popen([sys.executable, "../app.py", "correct"], cwd=os.path.dirname(manifest),
                           env={"PATH": os.environ.get("PATH", ""), **env, "PORT": str(port)},
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        verdict = conformance("--url", f"http://127.0.0.1:{port}", "--manifest", manifest)
    finally:
        app.terminate()
        app.wait(timeout=10)
    assert verdict["ok"] is True and [c["name"] for c in verdict["checks"]] == CHECKS


def test_the_readme_names_every_check_and_fault():
    with open(os.path.join(HERE, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    for name in CHECKS:
        assert f"`{name}`" in readme
    for fault in ["correct", *CAUGHT_BY]:
        assert f"`{fault}`" in readme


def test_an_app_that_exits_at_once_is_reported_not_waited_for():
    # An app that cannot start (here: exits with 3, as one that fails to bind its port would) ends
    # the wait for /health at once, and the verdict says why.
    verdict = conformance("--app", os.path.join(BROKEN, "correct"), "--command", f"{sys.executable} -c raise(SystemExit(3))")
    assert verdict["ok"] is False
    assert [c["name"] for c in verdict["checks"]] == [HEALTH]
    assert "exited with status 3" in verdict["checks"][0]["detail"]

