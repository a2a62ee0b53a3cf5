"""Runs every quickstart in docs/ as a newcomer would: each ```sh block, in order, in one shell.

What a person does by hand the runner does for them, and only that: after `marina dev &` it waits
until dev has deployed (DIR/.marina/dev.json appears, which is when dev prints "ready"); a line
naming marina.example.com is skipped (it needs the reader's own platform); after `kill %1` it
waits for dev to stop. Each ```json block must appear in the output (whitespace aside), and at
the end nothing the quickstart started may still run.

MARINA_BIN (default .build/debug/marina) must be built: scripts/marina would otherwise build it.
"""
import json
import os
import re
import signal
import subprocess
import sys

import pytest

DOCS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(DOCS)
MARINA = os.path.abspath(os.environ.get("MARINA_BIN") or os.path.join(REPO, ".build", "debug", "marina"))
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)


def blocks(doc):
    with open(os.path.join(DOCS, doc), encoding="utf-8") as f:
        return [(lang, body) for lang, body in FENCE.findall(f.read())]


def script_of(doc):
    lines = ["set -euo pipefail", 'DEV_PID=""',
             'trap \'[ -n "$DEV_PID" ] && kill "$DEV_PID" 2>/dev/null; wait 2>/dev/null || true\' EXIT']
    for lang, body in blocks(doc):
        if lang != "sh":
            continue
        for line in body.splitlines():
            if "marina.example.com" in line:
                continue
            lines.append(line)
            command = line.split("#", 1)[0].strip()
            if command == "marina dev &":
                lines += ['DEV_PID=$!',
                          'for i in $(seq 1 1800); do [ -f .marina/dev.json ] && break; kill -0 "$DEV_PID" || { echo "marina dev exited" >&2; exit 1; }; sleep 0.5; done',
                          '[ -f .marina/dev.json ] || { echo "marina dev did not deploy" >&2; exit 1; }',
                          'echo "== dev ready: $(cat .marina/dev.json)"']
            elif command == "kill %1":
                lines += ['wait "$DEV_PID" || true', 'DEV_PID=""',
                          '[ ! -f .marina/dev.json ] || { echo "dev left .marina/dev.json behind" >&2; exit 1; }',
                          '! pgrep -f "serve --data $PWD/.marina" >/dev/null || { echo "dev left its platform running" >&2; exit 1; }']
    return "\n".join(lines) + "\n"


def squeeze(text):
    return re.sub(r"\s+", "", text)


APPS = "/srv/apps"  # where the quickstarts make their app directories


def listing():
    return set(os.listdir(APPS)) if os.path.isdir(APPS) else set()


@pytest.mark.parametrize("doc", ["quickstart-python.md", "quickstart-typescript.md", "quickstart-swift.md"])
def test_quickstart_runs_verbatim(doc, tmp_path):
    assert os.access(MARINA, os.X_OK), f"{MARINA} is not built (swift build --product marina)"
    env = dict(os.environ, TMPDIR=str(tmp_path), MARINA_PROGRESS="0")
    env.pop("MARINA_SERVER", None)
    env.pop("MARINA_API_KEY", None)
    before = listing()
    process = subprocess.Popen(["bash", "-c", script_of(doc)], cwd=REPO, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        output, _ = process.communicate(timeout=1500)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        pytest.fail(f"{doc} did not finish in 25 minutes:\n{output[-4000:]}")
    finally_remove = listing() - before
    for name in finally_remove:
        subprocess.run(["rm", "-rf", os.path.join(APPS, name)], check=False)
    sys.stdout.write(output[-3000:])
    assert process.returncode == 0, f"{doc} failed (exit {process.returncode}):\n{output[-4000:]}"
    assert "the app follows the contract" in output
    for lang, body in blocks(doc):
        if lang == "json":
            json.loads(body)
            assert squeeze(body) in squeeze(output), f"{doc}: this output was not printed:\n{body}"
