"""``apiVersion: linkworld.ai/v2`` (file ``linkworld.app.yaml``), converted to ``marina/v1`` like
LinkworldFormat.swift does. It has no start command: the local driver uses the bundle's Dockerfile.
Every field linkworld documents is read; what has no home in marina/v1 yet is kept under
``linkworld`` and reported in the conversion notes."""
from __future__ import annotations

from typing import Any, List, Tuple

from . import errors as E
from . import formats
from ._values import MISSING, member
from .native import API_VERSION as NATIVE_API_VERSION
from .native import (LINKWORLD_AGENT, LINKWORLD_FIELDS, LINKWORLD_HTTP_ROUTE, LINKWORLD_SUBSCRIPTION,
                     LINKWORLD_WORKFLOW, SETTING_OPTION, SETTING_TYPES, items)
from .provenance import Provenance
from .shape import (FieldSpec, ObjectShape, SAny, SArray, SBoolean, SEither, SEnum, SInteger, SJsonSchema, SMap,
                    SNullable, SNumber, SString, normalize)

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

# An install setting as linkworld writes it: ``key`` is another spelling of ``id``, ``help`` of
# ``description``.
SETTING = ObjectShape("LinkworldSetting", [
    F("id", SString("settingId")),
    F("key", SString("settingId")),
    R("type", SEnum(SETTING_TYPES)),
    F("label", SString(max_length=120)),
    F("description", SString(max_length=1000)),
    F("help", SString(max_length=1000)),
    F("required", SBoolean(), default=False),
    F("default", SAny()),
    F("options", SArray(SEither([SString(max_length=256), SETTING_OPTION]), max_items=500)),
    F("min", SNumber()),
    F("max", SNumber()),
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
    F("description", SString(max_length=4000)),
    F("icon", SString(max_length=2048)),
    F("category", SString(max_length=64)),
    R("runtime", ObjectShape("LinkworldRuntime", [
        R("image", SString("image", max_length=512)),
        F("port", SInteger(min=1024, max=65535), default=8080),
        F("resources", ObjectShape("LinkworldResources", [
            F("memory_mb", SInteger(min=64, max=4096), default=256),
            F("cpu_cores", SNumber(min=0.1, max=4), default=1),
        ]), default={}),
        F("env", SMap(SString("envValue", max_length=32768), key_format="importedEnvName"), default={}),
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
    F("workflows", SArray(LINKWORLD_WORKFLOW)),
    F("http_routes", SArray(LINKWORLD_HTTP_ROUTE)),
    F("agents", SArray(LINKWORLD_AGENT)),
    F("emits", SArray(SString("linkworldEventName"), max_items=30)),
    F("subscribes_to", SArray(LINKWORLD_SUBSCRIPTION)),
])

#: What the conversion notes say each kept field is.
KEPT = {"workflows": "workflows (hints for the tenant's orchestrator)", "http_routes": "custom HTTP routes",
        "agents": "agents and their heartbeats", "emits": "emitted events", "subscribes_to": "event subscriptions"}


def extra_rules(root: Any, d: E.Diagnostics) -> None:
    """A setting has an ``id`` (or ``key``), and where both spellings are given they agree; a ``PORT`` in
    ``runtime.env`` is a port the app listens on, so it is a port number and agrees with ``runtime.port``."""
    for i, setting in items(member(root, "install_settings")):
        if not isinstance(setting, dict):
            continue
        for name, other in (("id", "key"), ("description", "help")):
            a, b = member(setting, name), member(setting, other)
            if name == "id" and a is MISSING and b is MISSING:
                d.add(E.MISSING_FIELD, ("install_settings", str(i), "id"), '"id" (or "key") is required')
            if isinstance(a, str) and isinstance(b, str) and a != b:
                d.add(E.INVALID_VALUE, ("install_settings", str(i), other),
                      f'"{other}" is another spelling of "{name}"; give one of them, or the same value')
    runtime = member(root, "runtime")
    env = member(runtime, "env")
    value = member(env, "PORT")
    if not isinstance(value, str):
        return
    port = formats.port_number(value)
    if port is None or not 1024 <= port <= 65535:
        d.add(E.INVALID_VALUE, ("runtime", "env", "PORT"),
              f'PORT "{value}" is the port the app listens on: a number from 1024 to 65535')
        return
    declared = member(runtime, "port")
    if isinstance(declared, float) and declared != port:
        d.add(E.INVALID_VALUE, ("runtime", "env", "PORT"),
              f"PORT is {port} but runtime.port is {int(declared) if declared.is_integer() else declared}: the app listens on one port")


def notes(source: Any) -> List[E.Note]:
    """What the conversion of a valid manifest did that its author should know."""
    out: List[E.Note] = []
    port = formats.port_number(member(member(member(source, "runtime"), "env"), "PORT"))
    if port is not None:
        out.append(E.Note(E.PORT_FROM_ENV, "/runtime/env/PORT",
                          f"PORT is the platform's to set: runtime.port is {port}, and the platform sets PORT={port} for the app"))
    for i, setting in items(member(source, "install_settings")):
        if member(setting, "type") == "project_picker":
            out.append(E.Note(E.NOT_ACTED_ON, f"/install_settings/{i}/type",
                              "project_picker is kept, but Marina has no project picker yet: the installer gives the project's id as text"))
    for name in LINKWORLD_FIELDS:
        value = member(source, name)
        if isinstance(value, list) and value:
            out.append(E.Note(E.NOT_ACTED_ON, f"/{name}",
                              f"kept as linkworld.{name} in the marina/v1 form; Marina does not act on {KEPT[name]} yet"))
    return out


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
    for native, theirs in (("id", "app_id"), ("name", "name"), ("version", "version"), ("description", "description"),
                           ("icon", "icon"), ("category", "category")):
        _put(app, native, member(src, theirs))
        p.map(("app", native), (theirs,))
    out["app"] = app

    runtime = member(src, "runtime")
    if isinstance(runtime, dict):
        runtime = {k: v for k, v in runtime.items() if k != "command"}
        env = runtime.get("env")
        port = formats.port_number(member(env, "PORT"))
        if port is not None:
            # The app listens on PORT: that is the port the platform gives it (and sets PORT to).
            runtime["port"] = float(port)
            runtime["env"] = {k: v for k, v in env.items() if k != "PORT"}
            p.map(("runtime", "port"), ("runtime", "env", "PORT"))
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

    settings = member(src, "install_settings")
    if isinstance(settings, list):
        converted_settings = []
        for i, setting in enumerate(settings):
            if not isinstance(setting, dict):
                converted_settings.append(setting)
                continue
            s = dict(setting)
            for name, other in (("id", "key"), ("description", "help")):
                spelled = s.pop(other, MISSING)
                if spelled is not MISSING and name not in s:
                    s[name] = spelled
                    p.map(("settings", str(i), name), ("install_settings", str(i), other))
            converted_settings.append(s)
        settings = converted_settings
    _put(out, "settings", settings)
    p.map(("settings",), ("install_settings",))

    pricing = member(src, "pricing")
    if pricing is not MISSING:
        out["billing"] = {"platform_fee": pricing}
        p.map(("billing", "platform_fee"), ("pricing",))

    kept: dict = {}
    for name in LINKWORLD_FIELDS:
        value = member(src, name)
        if value is not MISSING:
            kept[name] = value
            p.map(("linkworld", name), (name,))
    if kept:
        out["linkworld"] = kept
    return out, p
