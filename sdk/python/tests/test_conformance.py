"""Every fixture of conformance/manifests against expectations.json: verdict, format, the set of
(code, path) pairs, the hash, and the equivalence groups."""
import json
import os
import subprocess
import sys

import pytest

from conftest import FIXTURES, SRC
from marina_sdk.manifest import load_file

with open(os.path.join(FIXTURES, "expectations.json"), encoding="utf-8") as f:
    EXPECTATIONS = json.load(f)
FIXTURE_LIST = EXPECTATIONS["fixtures"]


def test_every_fixture_file_has_an_expectation():
    on_disk = set()
    for directory in ("native", "linkworld", "opensail", "document"):
        for name in os.listdir(os.path.join(FIXTURES, directory)):
            on_disk.add(f"{directory}/{name}")
    assert on_disk == {f["file"] for f in FIXTURE_LIST}
    assert len(FIXTURE_LIST) == 156


@pytest.mark.parametrize("fixture", FIXTURE_LIST, ids=[f["file"] for f in FIXTURE_LIST])
def test_fixture(fixture):
    report = load_file(os.path.join(FIXTURES, fixture["file"]))
    assert report.valid is fixture["valid"]
    assert report.format == fixture["format"]
    assert {(d.code, d.path) for d in report.diagnostics} == {(e["code"], e["path"]) for e in fixture.get("errors", [])}
    assert len(report.diagnostics) == len(fixture.get("errors", []))
    assert report.hash == fixture.get("hash")
    assert {(n.code, n.path) for n in report.notes} == {(n["code"], n["path"]) for n in fixture.get("notes", [])}
    if report.valid:
        assert report.hash.startswith("sha256:") and len(report.hash) == 71


@pytest.mark.parametrize("group", EXPECTATIONS["equivalent"], ids=lambda g: g[0])
def test_equivalence_group(group):
    hashes = {load_file(os.path.join(FIXTURES, name)).hash for name in group}
    assert len(hashes) == 1 and None not in hashes


def test_check_command_prints_one_json_line_per_file():
    files = [f["file"] for f in FIXTURE_LIST]
    result = subprocess.run([sys.executable, "-m", "marina_sdk", "check", *files], cwd=FIXTURES,
                            capture_output=True, text=True, env={**os.environ, "PYTHONPATH": SRC})
    assert result.returncode == 1  # some fixtures are invalid
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["file"] for line in lines] == files
    for line, fixture in zip(lines, FIXTURE_LIST):
        assert set(line) >= {"file", "valid", "format", "errors", "hash"}
        assert line["valid"] is fixture["valid"] and line["format"] == fixture["format"]
        assert line["hash"] == fixture.get("hash")
        assert {(e["code"], e["path"]) for e in line["errors"]} == {(e["code"], e["path"]) for e in fixture.get("errors", [])}
        assert {(n["code"], n["path"]) for n in line["notes"]} == {(n["code"], n["path"]) for n in fixture.get("notes", [])}


def test_check_command_exit_status_and_unreadable_file(tmp_path):
    good = os.path.join(FIXTURES, "native/valid-minimal.yaml")
    run = lambda *a: subprocess.run([sys.executable, "-m", "marina_sdk", "check", *a], capture_output=True, text=True,
                                    env={**os.environ, "PYTHONPATH": SRC})
    assert run(good).returncode == 0
    missing = run(str(tmp_path / "nope.yaml"))
    assert missing.returncode == 2
    line = json.loads(missing.stdout)
    assert line["valid"] is False and line["errors"][0]["code"] == "unreadable" and line["hash"] is None
