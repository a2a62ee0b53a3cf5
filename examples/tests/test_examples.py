"""The example apps, end to end: each is built (into a temporary copy), checked with
`marina conformance --app`, then published to a real `marina serve`, installed in sandboxed
instances and called through the CLI.

Run from the repository root with the SDK venv's Python (scripts/test does):

    MARINA_BIN=.build/debug/marina .build/sdk-venv/bin/python -m pytest -q examples/tests

invoice-triage's vendor lookups go through the platform's `http_fetch` to a stand-in vendor
directory on 127.0.0.1. The manifest may name only DNS names (not `localhost`), so serve runs
in a private mount namespace where /etc/hosts maps `vendors.example.com` to 127.0.0.1 (this needs
root and `unshare`), with `--egress-allow-private` so the egress rules let a loopback address through.
"""
import json
import os
import shutil
import time
import urllib.parse

import pytest

from support import (SERVE_OPTIONS, JSONStandIn, Platform, build, can_override_hosts, check_conformance, copy_example,
                     import_example_module)

VENDOR_HOST = "vendors.example.com"


@pytest.fixture(scope="module")
def hello_platform(scratch):
    platform = Platform(scratch("hello"), extra=SERVE_OPTIONS)
    yield platform
    platform.stop()


# --- hello-python: standard library only, its own Ed25519 verification -------------------------------

def test_ed25519_verify_agrees_with_cryptography():
    """The example's pure-Python verifier against RFC 8032's first test vector and OpenSSL's signatures."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    ed25519_verify = import_example_module("hello-python", "ed25519_verify")
    public = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
    signature = bytes.fromhex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555"
                              "fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")
    assert ed25519_verify.verify(public, b"", signature)
    assert not ed25519_verify.verify(public, b"\x00", signature)
    for i in range(8):
        key = Ed25519PrivateKey.generate()
        raw = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        message = os.urandom(17 * i)
        signed = key.sign(message)
        assert ed25519_verify.verify(raw, message, signed)
        tampered = bytearray(signed)
        tampered[(7 * i) % 64] ^= 0x10
        assert not ed25519_verify.verify(raw, message, bytes(tampered))
        other = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        assert not ed25519_verify.verify(other, message, signed)
    # S at or above the group order is refused (signature malleability).
    s = int.from_bytes(signature[32:], "little") + ed25519_verify.L
    assert not ed25519_verify.verify(public, b"", signature[:32] + s.to_bytes(32, "little"))
    assert not ed25519_verify.verify(public[:31], b"", signature)


def test_hello_python_passes_conformance(scratch):
    check_conformance(copy_example("hello-python", scratch("conformance")))


def test_hello_python_runs_in_a_sandbox(hello_platform, scratch):
    p = hello_platform
    app = copy_example("hello-python", scratch("app"))
    published = p.ship(app, "hello-python")
    assert p.bundle_members(published["bundle_hash"]) == {"marina.app.json", "server.py", "invocation_tokens.py", "ed25519_verify.py"}
    p.cli("tenants", "create", "acme")
    installed = p.json("install", "hello-python", "--tenant", "acme")
    assert installed["state"] == "active", installed
    # The platform's invocation token passed the app's own check, or the call would be 401.
    assert p.invoke("hello-python", "greet", "acme", {"name": "Ada"}) == {"greeting": "Hello, Ada!"}
    log = p.cli("logs", "hello-python", "--tenant", "acme").stdout
    assert "installed for acme (event evt_" in log, log
    calls = p.audit("acme", "--kind", "tool_call")
    assert [(c["name"], c["status"]) for c in calls] == [("greet", "ok")]


# --- hello-typescript: the TypeScript SDK, vendored into the bundle ----------------------------------

@pytest.fixture(scope="module")
def hello_typescript(scratch):
    if shutil.which("tsc") is None or shutil.which("node") is None:
        pytest.skip("needs node and tsc (apt-get install -y nodejs node-typescript node-yaml)")
    app = copy_example("hello-typescript", scratch("app"))
    build(app, "typescript")
    return app


def test_hello_typescript_builds_and_passes_conformance(hello_typescript):
    assert (hello_typescript / "dist" / "server.js").is_file()
    vendored = hello_typescript / "node_modules" / "@marina" / "sdk"
    assert json.loads((vendored / "package.json").read_text())["main"] == "dist/index.js"
    assert (vendored / "dist" / "runtime" / "app.js").is_file()
    assert not (vendored / "dist" / "test").exists()
    check_conformance(hello_typescript)


def test_hello_typescript_runs_in_a_sandbox(hello_platform, hello_typescript):
    p = hello_platform
    published = p.ship(hello_typescript, "hello-typescript")
    members = p.bundle_members(published["bundle_hash"])
    assert "dist/server.js" in members and "node_modules/@marina/sdk/dist/index.js" in members
    assert "node_modules/@marina/sdk/package.json" in members and "marina.app.yaml" in members
    assert not [m for m in members if m.endswith(".ts") or m.startswith("src/") or m in ("build", "tsconfig.json", "README.md", ".gitignore")], members
    for tenant in ("initech", "globex"):
        p.cli("tenants", "create", tenant)
        installed = p.json("install", "hello-typescript", "--tenant", tenant, "--grant", "kv.read", "--grant", "kv.write")
        assert installed["state"] == "active", installed
    # The count lives in the platform's kv, per tenant: it persists across calls and never leaks.
    assert p.invoke("hello-typescript", "greet", "initech", {"name": "Ada"}) == {"greeting": "Hello, Ada!", "times": 1}
    assert p.invoke("hello-typescript", "greet", "initech", {"name": "ada"}) == {"greeting": "Hello, ada!", "times": 2}
    assert p.invoke("hello-typescript", "greet", "globex", {"name": "Ada"}) == {"greeting": "Hello, Ada!", "times": 1}
    # The SDK read the YAML manifest with Debian's node-yaml from /usr inside the sandbox, and
    # serves a manifest hashing to the published one (else the instance would not be ready).
    log = p.cli("logs", "hello-typescript", "--tenant", "initech").stdout
    assert published["manifest_hash"] in log and '"msg":"installed"' in log, log
    app_calls = p.audit("initech", "--kind", "app_call")
    assert {c["name"] for c in app_calls} == {"kv_get", "kv_set"} and all(c["decision"] == "allow" for c in app_calls)


# --- invoice-triage: the Python SDK with kv, http_fetch, a secret, a schedule and a webhook ----------

class VendorDirectory(JSONStandIn):
    """A stand-in for the vendor directory API on 127.0.0.1: knows one vendor, wants a bearer key."""

    def __init__(self, key):
        self.key, self.requests = key, []
        super().__init__()

    def answer(self, request):
        url = urllib.parse.urlsplit(request.path)
        name = urllib.parse.parse_qs(url.query).get("name", [""])[0]
        self.requests.append({"path": url.path, "name": name, "authorization": request.headers.get("Authorization")})
        if request.headers.get("Authorization") != "Bearer " + self.key:
            return 401, {"error": "bad key"}
        if url.path == "/v1/vendors" and name.lower().startswith("acme office"):
            return 200, {"vendor": {"id": "v_1001", "name": "Acme Office Supplies GmbH", "category": "office_supplies"}}
        return 404, {"error": "unknown vendor"}


VENDOR_KEY = "vk_live_" + os.urandom(8).hex()
ACME_TONER = """INVOICE
From: Acme Office Supplies
Invoice No. INV-2041
Toner cartridges x4            EUR 1.020,50
Printer paper A4, 10 boxes     EUR 180,00
Subtotal                       EUR 1.200,50
VAT 19%                        EUR 228,10
Total due                      EUR 1.428,60
"""


@pytest.fixture(scope="module")
def triage_platform(scratch):
    if not can_override_hosts():
        pytest.skip("needs root and unshare: serve gets a private /etc/hosts mapping vendors.example.com to 127.0.0.1")
    root = scratch("triage")
    vendor = VendorDirectory(VENDOR_KEY)
    app = copy_example("invoice-triage", root)
    build(app, "python")
    # Point the app at the stand-in's port (the manifest's URL has none: port 80 in production).
    manifest = app / "marina.app.yaml"
    text = manifest.read_text()
    assert f"VENDOR_API_URL: http://{VENDOR_HOST}\n" in text
    manifest.write_text(text.replace(f"VENDOR_API_URL: http://{VENDOR_HOST}\n", f"VENDOR_API_URL: http://{VENDOR_HOST}:{vendor.port}\n"))
    try:
        platform = Platform(root / "platform", extra=[*SERVE_OPTIONS, "--egress-allow-private"], hosts={VENDOR_HOST: "127.0.0.1"})
    except BaseException:
        vendor.stop()
        raise
    platform.app, platform.vendor = app, vendor
    yield platform
    platform.stop()
    vendor.stop()


def test_invoice_triage_builds_and_passes_conformance(scratch):
    app = copy_example("invoice-triage", scratch("conformance"))
    build(app, "python")
    assert (app / "marina_sdk" / "__init__.py").is_file() and not list(app.glob("marina_sdk/**/__pycache__"))
    check_conformance(app)


def test_invoice_triage_end_to_end(triage_platform):
    p, vendor = triage_platform, triage_platform.vendor
    published = p.ship(p.app, "invoice-triage")
    members = p.bundle_members(published["bundle_hash"])
    assert {"marina.app.yaml", "server.py", "triage.py", "marina_sdk/__init__.py", "marina_sdk/tokens.py"} <= members
    assert not {"build", "README.md", ".gitignore"} & members and not [m for m in members if "__pycache__" in m]
    p.cli("tenants", "create", "acme")
    assert p.json("install", "invoice-triage", "--tenant", "acme", "--grant-all")["state"] == "active"

    # Without the vendor directory key the invoice is read but the vendor is not confirmed.
    first = p.invoke("invoice-triage", "triage", "acme", {"text": ACME_TONER})
    assert (first["invoice_id"], first["amount"], first["currency"]) == ("INV-2041", 1428.6, "EUR")
    assert first["vendor_lookup"] == "no_api_key" and first["vendor"]["verified"] is False and first["needs_review"] is True
    assert vendor.requests == []

    # The tenant sets the key (write-only); the next call reads it and looks the vendor up through http_fetch.
    p.cli("secrets", "set", "VENDOR_API_KEY=-", "--app", "invoice-triage", "--tenant", "acme", input=VENDOR_KEY + "\n")
    second = p.invoke("invoice-triage", "triage", "acme", {"text": "From: Acme Office Supplies\nInvoice #INV-2042\nStaples\nTotal: EUR 12,40"})
    assert second["vendor_lookup"] == "found" and second["vendor"] == {"name": "Acme Office Supplies GmbH", "id": "v_1001", "verified": True}
    assert second["category"] == "office_supplies" and second["category_source"] == "vendor_directory" and second["amount"] == 12.4
    assert vendor.requests == [{"path": "/v1/vendors", "name": "Acme Office Supplies", "authorization": "Bearer " + VENDOR_KEY}]

    # kv persists across calls: the vendor answer is cached (no second request), and the stored
    # invoices are what summary reads back.
    third = p.invoke("invoice-triage", "triage", "acme", {"text": "From: Acme Office Supplies\nInvoice No. INV-2043\nPens\nTotal EUR 30,00"})
    assert third["vendor_lookup"] == "cached" and third["vendor"]["verified"] is True
    assert len(vendor.requests) == 1
    summary = p.invoke("invoice-triage", "summary", "acme", {})
    assert summary["invoices"] == 3 and summary["by_category"] == {"office_supplies": {"count": 3, "totals": {"EUR": 1471.0}}}
    assert summary["needs_review"] == ["INV-2041"] and summary["last_report"] is None

    # webhook.ingest: a batch posted by the mail pipeline (no webhook ingress yet: `marina event`).
    batch = {"invoices": [{"text": "Cloudly Hosting Inc.\nInvoice #CH-77\nMonthly subscription, 25 seats\nTotal: $ 2,450.00"},
                          {"text": "From: Acme Office Supplies\nPaper\nTotal due EUR 99,00", "invoice_id": "MAIL-9"}]}
    delivered = p.json("event", "invoice-triage", "webhook.ingest", "--tenant", "acme", "--payload", json.dumps(batch))
    assert delivered["state"] == "delivered", delivered
    assert [r["name"] for r in vendor.requests] == ["Acme Office Supplies", "Cloudly Hosting Inc."]
    summary = p.invoke("invoice-triage", "summary", "acme", {})
    assert summary["invoices"] == 5 and summary["by_source"] == {"tool": 3, "webhook": 2}
    assert summary["by_category"]["software"] == {"count": 1, "totals": {"USD": 2450.0}}
    assert summary["by_category"]["office_supplies"]["totals"] == {"EUR": 1570.0}
    assert summary["needs_review"] == ["CH-77", "INV-2041"]

    # schedule.nightly (no scheduler yet: `marina event`) writes the day's report to kv.
    nightly = p.json("event", "invoice-triage", "schedule.nightly", "--tenant", "acme", "--payload", '{"date": "2026-03-31"}')
    assert nightly["state"] == "delivered", nightly
    report = p.invoke("invoice-triage", "summary", "acme", {})["last_report"]
    assert report["date"] == "2026-03-31" and report["event_id"] == nightly["id"] and report["invoices"] == 5
    # Events the manifest does not declare are refused before they reach the app.
    refused = p.cli("event", "invoice-triage", "webhook.unknown", "--tenant", "acme", ok=False)
    assert refused.returncode == 1 and "unknown_event" in refused.stderr

    # The audit log shows the platform fetching for the app, and the secret reads by name only.
    deadline = time.time() + 5
    while True:
        records = p.audit("acme")
        egress = [r for r in records if r["kind"] == "egress"]
        if len(egress) >= 2 or time.time() > deadline:
            break
        time.sleep(0.2)
    assert [(r["name"], r["decision"]) for r in egress] == [(f"{VENDOR_HOST}:{vendor.port}", "allow")] * 2
    # Each decision was recorded before the fetch went out; how each ended follows it.
    ends = [r for r in records if r["kind"] == "egress_end"]
    assert [(r["name"], r["status"]) for r in ends] == [(f"{VENDOR_HOST}:{vendor.port}", "ok")] * 2
    assert all(e["seq"] > d["seq"] for d, e in zip(sorted(egress, key=lambda r: r["seq"]), sorted(ends, key=lambda r: r["seq"])))
    fetches = [r for r in records if r["kind"] == "app_call" and r["name"] == "http_fetch"]
    assert len(fetches) == 2 and all(r["decision"] == "allow" and r["status"] == "ok" for r in fetches)
    reads = [r["status"] for r in records if r["kind"] == "secret_read" and r["name"] == "VENDOR_API_KEY"]
    assert "not_found" in reads and "found_override" in reads
    assert VENDOR_KEY not in json.dumps(records)
    assert VENDOR_KEY not in p.cli("logs", "invoice-triage", "--tenant", "acme").stdout

    # Another tenant that did not grant http.fetch: the scope gate refuses the lookup (and audits
    # it), the app degrades to keywords, and it sees none of acme's invoices.
    p.cli("tenants", "create", "globex")
    assert p.json("install", "invoice-triage", "--tenant", "globex", "--grant", "kv.read", "--grant", "kv.write")["state"] == "active"
    p.cli("secrets", "set", "VENDOR_API_KEY=-", "--app", "invoice-triage", "--tenant", "globex", input="globex-key\n")
    denied = p.invoke("invoice-triage", "triage", "globex", {"text": ACME_TONER})
    assert denied["vendor_lookup"] == "refused:scope_denied" and denied["category_source"] == "keywords"
    assert len(vendor.requests) == 2
    assert p.invoke("invoice-triage", "summary", "globex", {})["invoices"] == 1
    assert any(r["name"] == "http_fetch" and r["decision"] == "deny:no_scope" for r in p.audit("globex", "--kind", "app_call"))
