"""The size of a YAML document after alias expansion is bounded by its text, not only by its number
of values, and a manifest's canonical form is bounded (ExpansionLimitTests.swift)."""
import pytest

from marina_sdk.manifest import DEFAULT_LIMITS, load_bytes, load_text, parse_document
from marina_sdk.manifest.errors import DocumentError


def _list(alias: str) -> str:
    return "[" + ", ".join(["*" + alias] * 10) + "]"


def aliased_long_string() -> str:
    """A valid manifest but for its size: 11,000 values (under the node limit), 44 MB of text."""
    long = "x" * 4096
    return ("apiVersion: marina/v1\napp: {id: hello-app, name: Hello, version: 1.0.0}\ntools:\n  - name: t\n"
            "    input_schema:\n      type: object\n      examples:\n"
            f"        - &s {long}\n        - &a {_list('s')}\n        - &b {_list('a')}\n"
            f"        - &c {_list('b')}\n        - {_list('c')}\n")


def test_a_long_string_aliased_many_times_is_refused_where_the_text_runs_out():
    report = load_text(aliased_long_string(), "m.yaml")
    assert report.format is None
    # The fifth *b (item 4 of c) takes the text past 2 MiB: the composer stops there.
    assert [(d.code, d.path) for d in report.diagnostics] == [("document_too_large", "/tools/0/input_schema/examples/3/4")]
    assert f"{DEFAULT_LIMITS.max_text_bytes} bytes of text" in report.diagnostics[0].message
    assert DEFAULT_LIMITS.max_text_bytes == 2 << 20


def test_a_long_key_aliased_in_many_mappings_counts():
    text = "k: &k " + "k" * 4096 + "\nm: [" + ", ".join(["{*k : 1}"] * 600) + "]\n"
    with pytest.raises(DocumentError) as caught:
        parse_document(text.encode(), "m.yaml")
    assert (caught.value.code, caught.value.diagnostic.path) == ("document_too_large", "/m/510")


def test_an_aliased_mapping_counts_its_keys_too():
    # 1 kB of key in m, m used 3,000 times: 1,002 bytes before the list, 1,000 per alias.
    text = "m: &m {" + "k" * 1000 + ": 1}\nl: [" + ", ".join(["*m"] * 3000) + "]\n"
    with pytest.raises(DocumentError) as caught:
        parse_document(text.encode(), "m.yaml")
    assert (caught.value.code, caught.value.diagnostic.path) == ("document_too_large", "/l/2096")


def test_a_document_without_aliases_cannot_reach_the_text_limit():
    body = 'a: "' + "\\L" * (((1 << 20) - 10) // 2) + '"\n'
    assert len(body.encode()) <= 1 << 20
    value = parse_document(body.encode(), "m.yaml")
    assert len(value["a"].encode()) > 1_500_000


def test_a_canonical_form_over_the_limit_is_refused():
    aliases = ", ".join(["*s"] * 1999)
    text = ("apiVersion: marina/v1\napp: {id: hello-app, name: Hello, version: 1.0.0}\ntools:\n  - name: t\n"
            "    input_schema:\n      type: object\n"
            '      examples: [&s "' + "\\x01" * 1000 + f'", {aliases}]\n')
    report = load_text(text, "m.yaml")
    assert report.format == "marina/v1"
    assert [(d.code, d.path) for d in report.diagnostics] == [("document_too_large", "")]
    assert report.hash is None
    assert load_text(text.replace(aliases, "*s, *s"), "m.yaml").valid
