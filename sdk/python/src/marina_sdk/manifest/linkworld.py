"""``apiVersion: linkworld.ai/v2`` (file ``linkworld.app.yaml``), converted to ``marina/v1`` like
LinkworldFormat.swift does. It has no start command: the local driver uses the bundle's Dockerfile."""
from __future__ import annotations

from typing import Any, Tuple

from ._values import MISSING, member
from .native import API_VERSION as NATIVE_API_VERSION
from .native import SETTING
from .provenance import Provenance
from .shape import (FieldSpec, ObjectShape, SArray, SBoolean, SEnum, SInteger, SJsonSchema, SMap, SNullable,
                    SNumber, SString, normalize)

API_VERSION = "linkworld.ai/v2"
F = FieldSpec
R = FieldSpec.required

TOOL = ObjectShape("LinkworldTool", [
    R("name", SString("toolName")),
    F("description", SString(max_length=4000)),
    F("scopes_required", SArray(SString("scope")), default=[]),
    F("agent_visible", SBoolean(), default=True),
    F("input_schema", SJsonSchema()),
    F("output_schema", SJsonSchema()),
])

PRICING = ObjectShape("LinkworldPricing", [
    R("model", SEnum(["free", "one_time", "subscription", "per_invocation"])),
    F("price_usd", SNumber(min=0)),
    F("billing_period", SNullable(SEnum(["monthly", "yearly"]))),
    F("trial_days", SInteger(min=0), default=0),
])

SHAPE = ObjectShape("LinkworldManifest", [
    R("apiVersion", SEnum([API_VERSION])),
    R("app_id", SString("slug")),
    R("version", SString("semver")),
    R("name", SString(min_length=1, max_length=120)),
    R("runtime", ObjectShape("LinkworldRuntime", [
        R("image", SString("image", max_length=512)),
        F("port", SInteger(min=1024, max=65535), default=8080),
        F("resources", ObjectShape("LinkworldResources", [
            F("memory_mb", SInteger(min=64, max=4096), default=256),
            F("cpu_cores", SNumber(min=0.1, max=4), default=1),
        ]), default={}),
        F("env", SMap(SString("envValue", max_length=32768), key_format="envName"), default={}),
    ])),
    F("network", ObjectShape("LinkworldNetwork", [
        F("egress_hosts", SArray(SString("hostname"), max_items=100), default=[]),
    ]), default={}),
    F("required_scopes", SArray(SString("scope")), default=[]),
    F("tools", SArray(TOOL, max_items=256), default=[]),
    F("lifecycle", ObjectShape("LinkworldLifecycle", [
        F("on_install", SBoolean(), default=False),
        F("on_uninstall", SBoolean(), default=False),
        F("on_inbound", SBoolean(), default=False),
        F("on_user_added", SBoolean(), default=False),
        F("schedules", SArray(ObjectShape("LinkworldSchedule", [
            R("name", SString("eventName")),
            R("cron", SString("cron")),
        ]), max_items=64), default=[]),
    ]), default={}),
    F("install_settings", SArray(SETTING, max_items=128), default=[]),
    F("pricing", PRICING),
])


def extra_rules(root: Any, d) -> None:
    return None


def _put(obj: dict, key: str, value: Any) -> None:
    """``obj[key] = value`` of the reference, where assigning nil removes the key."""
    if value is MISSING:
        obj.pop(key, None)
    else:
        obj[key] = value


def convert(source: Any) -> Tuple[Any, Provenance]:
    src = normalize(source, SHAPE)
    p = Provenance()
    out: dict = {"apiVersion": NATIVE_API_VERSION}
    p.map(("apiVersion",), ("apiVersion",))

    app: dict = {}
    for native, theirs in (("id", "app_id"), ("name", "name"), ("version", "version")):
        _put(app, native, member(src, theirs))
        p.map(("app", native), (theirs,))
    out["app"] = app

    runtime = member(src, "runtime")
    if isinstance(runtime, dict):
        runtime = {k: v for k, v in runtime.items() if k != "command"}
    _put(out, "runtime", runtime)
    p.map(("runtime",), ("runtime",))
    _put(out, "network", member(src, "network"))
    p.map(("network",), ("network",))
    _put(out, "scopes", member(src, "required_scopes"))
    p.map(("scopes",), ("required_scopes",))

    tools = member(src, "tools")
    if isinstance(tools, list):
        converted = []
        for i, tool in enumerate(tools):
            if not isinstance(tool, dict):
                converted.append(tool)
                continue
            t = dict(tool)
            scopes = t.pop("scopes_required", MISSING)
            t.pop("scopes", None)
            _put(t, "scopes", scopes)
            p.map(("tools", str(i), "scopes"), ("tools", str(i), "scopes_required"))
            converted.append(t)
        out["tools"] = converted
    p.map(("tools",), ("tools",))

    events = []
    lifecycle = member(src, "lifecycle")
    for flag, event in (("on_install", "install"), ("on_uninstall", "uninstall"), ("on_inbound", "inbound"),
                        ("on_user_added", "user_added")):
        if member(lifecycle, flag) is True:
            p.map(("events", str(len(events))), ("lifecycle", flag))
            events.append(event)
    out["events"] = events
    schedules = member(lifecycle, "schedules")
    out["schedules"] = [] if schedules is MISSING else schedules
    p.map(("schedules",), ("lifecycle", "schedules"))

    _put(out, "settings", member(src, "install_settings"))
    p.map(("settings",), ("install_settings",))

    pricing = member(src, "pricing")
    if pricing is not MISSING:
        out["billing"] = {"platform_fee": pricing}
        p.map(("billing", "platform_fee"), ("pricing",))
    return out, p
