"""invoice-triage: sorts incoming invoices for a tenant, written with the Marina Python SDK.

- tool `triage`: reads one invoice's text (triage.py), confirms the vendor with the vendor directory
  (http_fetch to VENDOR_API_URL, authenticated with the tenant's VENDOR_API_KEY secret; answers
  cached in kv for a day) and stores the result in kv under `invoice:<id>`;
- tool `summary`: totals by category and currency from kv, the invoices that need a person, and
  the last nightly report;
- schedule `nightly` (event `schedule.nightly`): writes the day's report to kv;
- webhook `ingest` (event `webhook.ingest`): triages the invoices a mail or upload pipeline posts.

Everything is kept in the platform's kv store, so the instance holds no state of its own and every
handler can run twice (events are delivered at least once): an invoice is stored under its own id.
"""
import datetime
import json
import os
import re
import urllib.parse

from marina_sdk import App, AppError, ToolCallError

import triage

app = App(os.path.join(os.path.dirname(os.path.abspath(__file__)), "marina.app.yaml"))
VENDOR_API_URL = os.environ.get("VENDOR_API_URL", "http://vendors.example.com").rstrip("/")
VENDOR_CACHE_S = 86400
INVOICE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9./-]{0,63}")


def now():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def lookup_vendor(ctx, name):
    """(vendor record or None, how it was found): the directory's answer, cached in kv for a day."""
    cache_key = "vendor:" + urllib.parse.quote(name.lower())[:240]   # kv keys are printable ASCII
    cached = ctx.kv.get(cache_key)
    if cached is not None:
        return cached.get("vendor"), "cached"
    api_key = ctx.secrets.get("VENDOR_API_KEY")
    if not api_key:
        return None, "no_api_key"
    url = VENDOR_API_URL + "/v1/vendors?" + urllib.parse.urlencode({"name": name})
    try:
        answer = ctx.tools.call("http_fetch", {"url": url, "headers": {"Authorization": "Bearer " + api_key,
                                                                      "Accept": "application/json"}})
    except ToolCallError as error:
        ctx.log.warning("vendor lookup refused: %s", error)
        return None, "refused:" + error.decision
    if answer["status"] == 404:
        vendor, found = None, "not_found"
    elif answer["status"] == 200:
        vendor, found = json.loads(answer["body"]).get("vendor"), "found"
    else:
        ctx.log.warning("vendor directory answered %s", answer["status"])
        return None, "error:%s" % answer["status"]   # not cached: try again next time
    ctx.kv.set(cache_key, {"vendor": vendor}, ttl_s=VENDOR_CACHE_S)
    return vendor, found


def triage_invoice(ctx, text, invoice_id=None, source="tool"):
    """Reads, checks and stores one invoice; returns what was stored."""
    if not text.strip():
        raise AppError("empty_invoice", "the invoice text is empty", 400)
    result = triage.read_invoice(text)
    if invoice_id and INVOICE_ID.fullmatch(invoice_id):
        result["invoice_id"] = invoice_id
    vendor, lookup = lookup_vendor(ctx, result["vendor"]) if result["vendor"] else (None, "no_vendor")
    result["vendor"] = {"name": vendor["name"] if vendor else result["vendor"],
                        "id": vendor.get("id") if vendor else None, "verified": vendor is not None}
    result["vendor_lookup"] = lookup
    if vendor and vendor.get("category"):
        result["category"], result["category_source"] = vendor["category"], "vendor_directory"
    else:
        result["category_source"] = "keywords"
    result["needs_review"] = result["amount"] is None or result["category"] == "other" or vendor is None
    result["source"] = source
    result["triaged_at"] = now()
    ctx.kv.set("invoice:" + result["invoice_id"], result)
    ctx.log.info("invoice %s: %s %s, %s", result["invoice_id"], result["amount"], result["currency"], result["category"])
    return result


@app.tool("triage")
def triage_tool(ctx, args):
    return triage_invoice(ctx, args["text"], args.get("invoice_id"))


def totals(ctx):
    """The summary of every stored invoice."""
    by_category, review, sources = {}, [], {}
    count = 0
    for key in ctx.kv.keys(prefix="invoice:"):
        invoice = ctx.kv.get(key)
        if invoice is None:
            continue
        count += 1
        entry = by_category.setdefault(invoice["category"], {"count": 0, "totals": {}})
        entry["count"] += 1
        if invoice["amount"] is not None:
            currency = invoice["currency"] or "unknown"
            entry["totals"][currency] = round(entry["totals"].get(currency, 0) + invoice["amount"], 2)
        if invoice["needs_review"]:
            review.append(invoice["invoice_id"])
        kind = invoice["source"].split(":", 1)[0]
        sources[kind] = sources.get(kind, 0) + 1
    return {"invoices": count, "by_category": by_category, "needs_review": sorted(review), "by_source": sources}


@app.tool("summary")
def summary_tool(ctx, args):
    return {**totals(ctx), "last_report": ctx.kv.get("report:last")}


@app.on("install")
def installed(ctx, event):
    configured = ctx.secrets.get("VENDOR_API_KEY") is not None
    ctx.log.info("installed for %s; vendor directory key %s", ctx.tenant, "set" if configured else "not set yet")


@app.schedule("nightly")
def nightly(ctx, event):
    """The day's report: kept for 90 days under report:<date>, the latest also under report:last."""
    day = (event.payload or {}).get("date") or now()[:10]
    report = {"date": day, "event_id": event.id, "written_at": now(), **totals(ctx)}
    ctx.kv.set("report:" + day, report, ttl_s=90 * 86400)
    ctx.kv.set("report:last", report)
    return {"ok": True, "report": "report:" + day, "invoices": report["invoices"]}


@app.webhook("ingest")
def ingest(ctx, event):
    """Payload: {"invoices": [{"text", "invoice_id"?}, ...]} (or one {"text", "invoice_id"?})."""
    payload = event.payload if isinstance(event.payload, dict) else {}
    items = payload.get("invoices", [payload] if "text" in payload else [])
    stored = []
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("text"), str) and item["text"].strip():
            stored.append(triage_invoice(ctx, item["text"], item.get("invoice_id"), source="webhook:" + event.id)["invoice_id"])
    return {"ok": True, "triaged": stored}


if __name__ == "__main__":
    app.run()
