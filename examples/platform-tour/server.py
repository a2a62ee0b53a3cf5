"""platform-tour: calls each platform tool once and returns exactly what the platform answered.

Every tool answers an object keyed by the platform tools it called, so a caller sees the real
results (docs/app-contract.md, "Platform tools"):

- `kv_tour`: kv_set, kv_get, kv_list, kv_delete (the app's private store for this tenant);
- `files_tour`: files_write, files_read, files_list (the tenant's file area);
- `send_mail`: mail_send (queued in the outbox, delivered by the operator's SMTP relay);
- `fetch`: http_fetch (only hosts in network.egress_hosts);
- `call_app`: apps_invoke (an agent-visible tool of another app in the same tenant);
- `agenda`: calendar_list_events, a tool the operator defines (`serve --operator-tools`);
- `probe`: tries all of them and reports each result or the scope gate's decision, which shows
  what a tenant that granted only some scopes lets the app do.

A refused call raises ToolCallError (decision, message, needed_scopes); the tour tools let it
through, so the SDK answers 502 with the decision as the error code. Only `probe` catches it.
"""
import base64
import datetime
import os
import posixpath

from marina_sdk import App, ToolCallError

app = App(os.path.join(os.path.dirname(os.path.abspath(__file__)), "marina.app.yaml"))
STATUS_URL = os.environ.get("STATUS_URL", "http://status.example.com/status")
OPERATOR_TOOL = "calendar_list_events"   # defined by the operator: operator-tools.yaml


def b64(text):
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


@app.tool("kv_tour")
def kv_tour(ctx, args):
    prefix = args["prefix"]
    kept, scratch = prefix + "kept", prefix + "scratch"
    steps = {"kv_set": ctx.tools.call("kv_set", {"key": kept, "value": args["value"]})}
    ctx.kv.set(scratch, {"temporary": True}, ttl_s=3600)          # the SDK's helper over kv_set
    steps["kv_get"] = ctx.tools.call("kv_get", {"key": kept})
    steps["kv_list"] = ctx.tools.call("kv_list", {"prefix": prefix})
    steps["kv_delete"] = ctx.tools.call("kv_delete", {"key": scratch})
    steps["kv_get_after_delete"] = ctx.tools.call("kv_get", {"key": scratch})
    steps["kv_list_after_delete"] = ctx.kv.list(prefix=prefix)     # the helper over kv_list
    return steps


@app.tool("files_tour")
def files_tour(ctx, args):
    path = args["path"]
    written = ctx.tools.call("files_write", {"path": path, "content_base64": b64(args["text"])})
    read = ctx.tools.call("files_read", {"path": path})
    folder = posixpath.dirname(path)
    listed = ctx.tools.call("files_list", {"prefix": folder + "/" if folder else ""})
    return {"files_write": written,
            "files_read": {"size": read["size"], "text": base64.b64decode(read["content_base64"]).decode("utf-8")},
            "files_list": listed}


@app.tool("send_mail")
def send_mail(ctx, args):
    return {"mail_send": ctx.tools.call("mail_send", {"to": args["to"], "subject": args["subject"], "text": args["text"]})}


@app.tool("fetch")
def fetch(ctx, args):
    request = {"url": args.get("url") or STATUS_URL, "headers": {"Accept": "application/json", **args.get("headers", {})}}
    return {"http_fetch": ctx.tools.call("http_fetch", request)}


@app.tool("call_app")
def call_app(ctx, args):
    return {"apps_invoke": ctx.tools.call("apps_invoke", {"app": args["app"], "tool": args["tool"], "args": args.get("args", {})})}


@app.tool("agenda")
def agenda(ctx, args):
    return {OPERATOR_TOOL: ctx.tools.call(OPERATOR_TOOL, {"day": args["day"]})}


def probe_calls(key, path):
    """One call of each platform tool, reads first; writes go to probe/probe.txt and the key `probe`."""
    return [
        ("kv_get", {"key": key}),
        ("kv_list", {"prefix": key}),
        ("kv_set", {"key": "probe", "value": True}),
        ("kv_delete", {"key": "probe"}),
        ("files_read", {"path": path}),
        ("files_list", {}),
        ("files_write", {"path": "probe/probe.txt", "content_base64": b64("probe")}),
        ("mail_send", {"to": ["probe@example.com"], "subject": "probe", "text": "probe"}),
        ("http_fetch", {"url": STATUS_URL}),
        ("apps_invoke", {"app": "hello-python", "tool": "greet", "args": {"name": "probe"}}),
        (OPERATOR_TOOL, {"day": datetime.date.today().isoformat()}),
    ]


@app.tool("probe")
def probe(ctx, args):
    calls = {}
    for tool, tool_args in probe_calls(args["key"], args.get("path", "probe/probe.txt")):
        try:
            calls[tool] = {"ok": True, "result": ctx.tools.call(tool, tool_args)}
        except ToolCallError as error:
            calls[tool] = {"ok": False, "decision": error.decision, "needed_scopes": error.needed_scopes, "message": error.message}
    return {"granted": sorted(t["name"] for t in ctx.tools.list()), "calls": calls}


@app.on("install")
def installed(ctx, event):
    try:
        granted = ", ".join(sorted(t["name"] for t in ctx.tools.list())) or "none"
    except ToolCallError as error:   # no platform to ask (e.g. marina conformance)
        granted = "unknown (%s)" % error.decision
    ctx.log.info("installed for %s; platform tools it may call: %s", ctx.tenant, granted)


if __name__ == "__main__":
    app.run()
