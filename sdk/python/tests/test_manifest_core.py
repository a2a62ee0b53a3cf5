"""The manifest core's building blocks: canonical JSON, YAML 1.2 core schema, limits, string formats."""
import hashlib

import pytest

from marina_sdk.manifest import canonical_hash, canonical_string, format_number, load_bytes, load_text
from marina_sdk.manifest.cron import CronError, CronExpression
from marina_sdk.manifest.formats import gmt_offset, is_time_zone
from marina_sdk.manifest.semver import SemanticVersion

MINIMAL = "apiVersion: marina/v1\napp:\n  id: hello-app\n  name: Hello\n  version: 1.0.0\n"


@pytest.mark.parametrize("value,text", [
    (0.0, "0"), (-0.0, "0"), (1.0, "1"), (-3.0, "-3"), (0.5, "0.5"), (1e21, "1e+21"), (1e20, "100000000000000000000"),
    (1e-7, "1e-7"), (1e-6, "0.000001"), (1.5e300, "1.5e+300"), (0.1 + 0.2, "0.30000000000000004"),
    (5e-324, "5e-324"), (123e-20, "1.23e-18"), (2.0 ** 53, "9007199254740992"), (1.7976931348623157e308, "1.7976931348623157e+308"),
])
def test_numbers_are_written_as_ecmascript_writes_them(value, text):
    assert format_number(value) == text


def test_canonical_json_sorts_keys_by_utf16_code_units_and_escapes_minimally():
    value = {"b": 1.0, "a": [True, None, "x"], "\U0001F600": "astral", "\uff61": "bmp", "é": "\u2028\x7f\x01\"\\\n"}
    # U+1F600 is the surrogate pair D83D DE00, which sorts before U+FF61 in UTF-16 (not in code points)
    assert canonical_string(value) == '{"a":[true,null,"x"],"b":1,"é":"\u2028\x7f\\u0001\\"\\\\\\n","\U0001F600":"astral","\uff61":"bmp"}'
    assert canonical_hash(value) == "sha256:" + hashlib.sha256(canonical_string(value).encode()).hexdigest()


def test_yaml_core_schema():
    text = MINIMAL + "runtime:\n  port: 0x1F90\n  resources: {memory_mb: 0o400, cpu_cores: 1.0}\n  env: {A: no, B: on, C: '0755'}\n"
    report = load_text(text, "m.yaml")
    assert report.valid, report.diagnostics
    runtime = report.native["runtime"]
    assert runtime["port"] == 8080 and runtime["resources"]["memory_mb"] == 256
    assert runtime["env"] == {"A": "no", "B": "on", "C": "0755"}


@pytest.mark.parametrize("text,code,path", [
    (MINIMAL + "runtime: {port: .inf}\n", "invalid_value", "/runtime/port"),
    (MINIMAL + "runtime: !!python/object {}\n", "invalid_syntax", "/runtime"),
    (MINIMAL + "app: {}\n", "duplicate_key", "/app"),
    (MINIMAL + "x: *nope\n", "invalid_syntax", "/x"),
    (MINIMAL + "---\nb: 1\n", "invalid_syntax", ""),
    ("x: " + "[" * 65 + "]" * 65 + "\n", "nesting_too_deep", "/x" + "/0" * 63),
    ("# only a comment\n", "empty_document", ""),
    ("apiVersion: marina/v1\nname: \"\x01\"\n", "invalid_encoding", ""),
    ("apiVersion: marina/v1\nname: \"\u0086\"\n", "invalid_encoding", ""),
])
def test_document_errors(text, code, path):
    report = load_bytes(text.encode(), "m.yaml")
    assert [(d.code, d.path) for d in report.diagnostics] == [(code, path)]
    assert report.format is None and report.hash is None


def test_limits():
    assert load_bytes(b" " * ((1 << 20) + 1), "m.yaml").diagnostics[0].code == "document_too_large"
    many = "apiVersion: marina/v1\nx: [" + ",".join(["1"] * 100_000) + "]\n"
    assert load_bytes(many.encode(), "m.yaml").diagnostics[0].code == "document_too_large"


def test_duplicate_keys_compare_code_points_not_normalised_forms():
    doc = '{"apiVersion":"marina/v1","app":{"id":"hello-app","name":"Hello","version":"1.0.0"},"x":{"caf\u00e9":1,"cafe\u0301":2}}'
    report = load_bytes(doc.encode(), "m.json")
    assert [(d.code, d.path) for d in report.diagnostics] == [("unknown_field", "/x")]
    dup = '{"apiVersion":"marina/v1","apiVersion":"marina/v1"}'
    assert [(d.code, d.path) for d in load_bytes(dup.encode(), "m.json").diagnostics] == [("duplicate_key", "/apiVersion")]


def test_string_length_counts_code_points():
    ok = MINIMAL.replace("name: Hello", "name: " + "\U0001F600" * 120)
    too_long = MINIMAL.replace("name: Hello", "name: " + "e\u0301" * 61)
    assert load_text(ok, "m.yaml").valid
    assert [(d.code, d.path) for d in load_text(too_long, "m.yaml").diagnostics] == [("invalid_value", "/app/name")]


def test_defaults_are_filled_and_counted_in_the_hash():
    report = load_text(MINIMAL, "m.yaml")
    native = report.native
    assert native["runtime"] == {"port": 8080.0, "resources": {"memory_mb": 256.0, "cpu_cores": 1.0, "max_processes": 64.0},
                                 "env": {}, "idle_timeout_s": 900.0}
    assert native["app"]["forkable"] == "no" and native["tools"] == [] and native["network"] == {"egress_hosts": []}
    spelled_out = load_text(MINIMAL + "runtime: {port: 8080, idle_timeout_s: 900}\nscopes: []\n", "m.yaml")
    assert spelled_out.hash == report.hash
    other = load_text(MINIMAL + "runtime: {port: 8081}\n", "m.yaml")
    assert other.hash != report.hash


def test_semver_precedence():
    order = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0"]
    versions = [SemanticVersion.parse(v) for v in order]
    assert all(a < b for a, b in zip(versions, versions[1:]))
    assert SemanticVersion.parse("1.0.0+build.1") == SemanticVersion.parse("1.0.0")
    for bad in ["v1.0.0", "01.0.0", "1.0", "1.0.0-01", "1.0.0-", "1.0.0+", "18446744073709551616.0.0"]:
        assert SemanticVersion.parse(bad) is None, bad


@pytest.mark.parametrize("text", ["0 2 * * *", "*/5 * * * *", "0 0 * * 7", "30 8 * * MON-FRI", "0 0 1,15 JAN-jun *", "5/10 * * * *"])
def test_valid_cron(text):
    CronExpression(text)


@pytest.mark.parametrize("text", ["@daily", "0 0 ? * *", "60 * * * *", "* * * *", "5-1 * * * *", "*/0 * * * *", "1,,2 * * * *", "0 2 * * 8"])
def test_invalid_cron(text):
    with pytest.raises(CronError):
        CronExpression(text)


def test_time_zones_follow_the_reference():
    for name in ["UTC", "GMT", "Europe/Berlin", "America/Argentina/Buenos_Aires", "GMT+5", "UTC-0830", "Etc/GMT+12", "PST"]:
        assert is_time_zone(name), name
    for name in ["utc", "europe/berlin", "localtime", "posixrules", "right/UTC", "Mars/Olympus", "GMT+19", "GMT+5:30", ""]:
        assert not is_time_zone(name), name
    assert gmt_offset("GMT-0830") == -(8 * 3600 + 30 * 60)


def test_combining_mark_after_a_space_is_still_blank():
    # Swift sees " \u0301" as one whitespace Character; the command item is blank.
    text = MINIMAL + 'runtime: {command: [" \u0301"]}\n'
    assert [(d.code, d.path) for d in load_text(text, "m.yaml").diagnostics] == [("invalid_value", "/runtime/command/0")]


def test_imported_errors_point_into_the_original_document():
    text = ("apiVersion: linkworld.ai/v2\napp_id: hello-app\nversion: 1.0.0\nname: Hello\nruntime: {image: x}\n"
            "required_scopes: [kv.read]\ntools:\n  - {name: t, scopes_required: [kv.write]}\n")
    report = load_text(text, "linkworld.app.yaml")
    assert report.format == "linkworld.ai/v2"
    assert [(d.code, d.path) for d in report.diagnostics] == [("scope_not_declared", "/tools/0/scopes_required/0")]
