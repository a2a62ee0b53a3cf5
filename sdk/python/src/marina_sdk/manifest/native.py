"""The native format ``marina/v1``: its shape (NativeShape.swift) and the rules that span several
fields (NativeRules.swift). The rules run on the native form of every manifest, imported ones after
conversion, with paths mapped back to the original document."""
from __future__ import annotations

import unicodedata
from typing import Any, List, Tuple

from . import errors as E
from . import pointer as jp
from ._values import MISSING, member, type_name
from .semver import SemanticVersion
from .shape import (FieldSpec, ObjectShape, SAny, SArray, SBoolean, SEither, SEnum, SInteger, SJsonSchema, SMap,
                    SNullable, SNumber, SString)

API_VERSION = "marina/v1"
EVENTS = ["install", "uninstall", "inbound", "user_added"]
F = FieldSpec
R = FieldSpec.required

APP = ObjectShape("App", [
    R("id", SString("slug")),
    R("name", SString(min_length=1, max_length=120)),
    R("version", SString("semver")),
    F("description", SString(max_length=4000)),
    F("category", SString(max_length=64)),
    F("icon", SString(max_length=2048)),
    F("changelog", SString(max_length=8000)),
    F("forkable", SEnum(["yes", "restricted", "no"]), default="no"),
    F("forked_from", SString("appRef")),
    F("qualified_id", SString("reverseDNS")),
    F("creator_id", SString("uuid")),
])

RESOURCES = ObjectShape("Resources", [
    F("memory_mb", SInteger(min=64, max=4096), default=256),
    F("cpu_cores", SNumber(min=0.1, max=4), default=1),
    F("max_processes", SInteger(min=1, max=4096), default=64),
])

RUNTIME = ObjectShape("Runtime", [
    F("command", SArray(SString("nonEmpty"), min_items=1, max_items=64)),
    F("image", SString("image", max_length=512)),
    F("port", SInteger(min=1024, max=65535), default=8080),
    F("resources", RESOURCES, default={}),
    F("env", SMap(SString("envValue", max_length=32768), key_format="envName"), default={}),
    F("idle_timeout_s", SInteger(min=10, max=86400), default=900),
    F("tier", SInteger(allowed=[0, 1, 2])),
    F("model", SEnum(["always-on", "job-only"])),
    F("compute_model", SEnum(["per-invocation", "per-installer", "shared-singleton"])),
])

NETWORK = ObjectShape("Network", [
    F("egress_hosts", SArray(SString("hostname"), max_items=100), default=[]),
])

TOOL = ObjectShape("Tool", [
    R("name", SString("toolName")),
    F("title", SString(max_length=120)),
    F("description", SString(max_length=4000)),
    F("input_schema", SJsonSchema(), default={"type": "object"}),
    F("output_schema", SJsonSchema()),
    F("scopes", SArray(SString("scope")), default=[]),
    F("agent_visible", SBoolean(), default=True),
    F("timeout_s", SInteger(min=1, max=900), default=25),
    F("entrypoint", SString(max_length=1024)),
])

SCHEDULE = ObjectShape("Schedule", [
    R("name", SString("eventName")),
    F("cron", SString("cron")),
    F("timezone", SString("timezone"), default="UTC"),
    F("description", SString(max_length=1000)),
    F("entrypoint", SString(max_length=1024)),
    F("execution", SEnum(["http-post", "job"]), default="http-post"),
    F("trigger", SEnum(["cron", "webhook"]), default="cron"),
    F("editable", SBoolean(), default=False),
    F("optional", SBoolean(), default=False),
])

WEBHOOK = ObjectShape("Webhook", [
    R("name", SString("eventName")),
    F("description", SString(max_length=1000)),
])

SETTING_TYPES = ["string", "text", "number", "boolean", "select", "select_or_custom", "secret", "project_picker"]

SETTING_OPTION = ObjectShape("SettingOption", [
    R("value", SString(max_length=256)),
    F("label", SString(max_length=120)),
])

SETTING = ObjectShape("Setting", [
    R("id", SString("settingId")),
    R("type", SEnum(SETTING_TYPES)),
    F("label", SString(max_length=120)),
    F("description", SString(max_length=1000)),
    F("required", SBoolean(), default=False),
    F("default", SAny()),
    F("options", SArray(SEither([SString(max_length=256), SETTING_OPTION]), max_items=500)),
    F("min", SNumber()),
    F("max", SNumber()),
])

CONNECTOR = ObjectShape("Connector", [
    R("id", SString(min_length=1, max_length=128)),
    R("kind", SEnum(["mcp", "api_key", "oauth", "webhook"])),
    F("scopes", SArray(SString(max_length=256)), default=[]),
    F("required", SBoolean(), default=True),
    F("oauth", SBoolean(), default=False),
    F("secret_key", SString(max_length=256)),
])

SURFACE = ObjectShape("Surface", [
    R("kind", SEnum(["ui", "chat", "scheduled", "triggered"])),
    F("entrypoint", SString(max_length=1024)),
    F("name", SString(max_length=120)),
    F("description", SString(max_length=4000)),
])

CONTAINER = ObjectShape("Container", [
    R("name", SString(min_length=1, max_length=64)),
    R("image", SString("image", max_length=512)),
    F("primary", SBoolean(), default=False),
    F("ports", SArray(SInteger(min=1, max=65535)), default=[]),
    F("port", SInteger(min=1, max=65535)),
    F("env", SMap(SString("envValue", max_length=32768), key_format="envName"), default={}),
    F("command", SArray(SString("nonEmpty"), min_items=1, max_items=64)),
    F("resources", SMap(SAny())),
    F("extensions", SMap(SAny())),
])

CONNECTION = ObjectShape("Connection", [
    R("source_container", SString()),
    R("target_container", SString()),
    R("connector_type", SEnum(["env_injection", "http_api", "database", "cache", "message_queue", "websocket", "depends_on"])),
    F("config", SMap(SAny()), default={}),
])

AGENT = ObjectShape("Agent", [
    R("id", SString(min_length=1, max_length=128)),
    R("system_prompt_ref", SString(min_length=1, max_length=1024)),
    F("model_pref", SString(max_length=256)),
    F("tools_ref", SArray(SString())),
    F("mcps_ref", SArray(SString())),
    F("temperature", SNumber()),
    F("max_tokens", SInteger()),
    F("thinking_effort", SString(max_length=64)),
    F("warm_pool_size", SInteger(min=0)),
])

STATE = ObjectShape("State", [
    R("model", SEnum(["stateless", "per-install-volume", "byo-database"])),
    F("volume_size", SString("volumeSize")),
    F("byo_database", ObjectShape("ByoDatabase", [
        F("schema", SString()), F("connection_env", SString()), F("external_db_version", SString()),
    ])),
])

COMPATIBILITY = ObjectShape("Compatibility", [
    F("platform", ObjectShape("PlatformRange", [R("min", SString()), F("max", SString())])),
    F("runtime_api", SString(max_length=64)),
    F("required_features", SArray(SString()), default=[]),
])

SOURCE = ObjectShape("SourceVisibility", [
    F("level", SEnum(["public", "installers", "private"]), default="installers"),
    F("excluded_paths", SArray(SString()), default=[".env*", "secrets/**", ".git/**"]),
    F("manifest_always_public", SBoolean(), default=True),
])

MIGRATION = ObjectShape("Migration", [
    R("from", SString()), R("to", SString()),
    F("auto_safe", SBoolean(), default=False),
    F("up", SString()), F("down", SString()),
])

BILLING_DIMENSION = ObjectShape("BillingDimension", [
    R("payer", SEnum(["creator", "platform", "installer", "byok"])),
    F("markup_pct", SNumber(min=0), default=0),
    F("cap_usd_per_session", SNumber(min=0)),
    F("cap_usd_per_month_per_install", SNumber(min=0)),
    F("on_cap", SEnum(["pause", "degrade", "notify-only"]), default="pause"),
    F("free_tier", ObjectShape("FreeTier", [
        F("cpu_seconds_per_month", SInteger(min=0)), F("volume_gb", SNumber(min=0)),
    ], allows_unknown_fields=True)),
])

PLATFORM_FEE = ObjectShape("PlatformFee", [
    R("model", SEnum(["free", "one_time", "subscription", "per_invocation"])),
    F("price_usd", SNumber(min=0)),
    F("billing_period", SNullable(SEnum(["monthly", "yearly"]))),
    F("trial_days", SInteger(min=0), default=0),
])

BILLING = ObjectShape("Billing", [
    F("ai_compute", BILLING_DIMENSION),
    F("general_compute", BILLING_DIMENSION),
    F("platform_fee", PLATFORM_FEE),
    F("promotional_budget", ObjectShape("PromotionalBudget", [
        F("fund_usd", SNumber(min=0), default=0),
        F("covers", SArray(SEnum(["ai_compute", "general_compute", "platform_fee"])), default=[]),
        F("on_exhaust", SEnum(["disable", "flip_to_installer", "degrade_to_free"]), default="flip_to_installer"),
    ])),
])

LISTING = ObjectShape("Listing", [
    F("visibility", SString("visibility"), default="public"),
    F("update_policy_default", SEnum(["auto", "manual", "patch-auto", "minor-auto", "pinned"]), default="manual"),
    F("minimum_rollback_version", SString("semver")),
])

EVAL_SCENARIO = ObjectShape("EvalScenario", [
    R("entrypoint", SString(min_length=1, max_length=1024)),
    F("input", SAny()),
    R("expected_behavior", SString(min_length=1, max_length=4000)),
])

# linkworld.ai/v2 fields Marina keeps but does not act on yet (LinkworldExtras in NativeShape.swift).
LINKWORLD_WORKFLOW = ObjectShape("LinkworldWorkflow", [
    R("id", SString(min_length=1)),
    F("name", SString()),
    F("intent", SString()),
    F("triggers", SArray(SAny())),
    F("flow", SArray(SAny())),
    F("tools_required", SArray(SString())),
])

LINKWORLD_HTTP_ROUTE = ObjectShape("LinkworldHttpRoute", [
    R("path", SString(min_length=1)),
    F("methods", SArray(SString())),
    F("public", SBoolean()),
])

LINKWORLD_HEARTBEAT = ObjectShape("LinkworldHeartbeat", [
    R("slug", SString(min_length=1)),
    F("skill", SString()),
    F("tool", SString()),
    F("params", SAny()),
    F("schedule_type", SEnum(["interval", "daily", "weekly", "cron"]), default="interval"),
    F("interval_minutes", SInteger(min=5, max=43200)),
    F("cron_expression", SString("cron")),
    F("time_of_day", SString("clockTime")),
    F("day_of_week", SInteger(min=0, max=6)),
    F("active_hours", ObjectShape("LinkworldActiveHours", [
        R("start", SString("clockTime")),
        R("end", SString("clockTime")),
        F("timezone", SString("timezone")),
    ])),
    F("invoke_always", SBoolean(), default=False),
    F("cooldown_seconds", SInteger(min=0)),
    F("conversation_mode", SString()),
    F("model_tier", SString()),
    F("prompt", SString()),
])

LINKWORLD_AGENT = ObjectShape("LinkworldAgent", [
    R("id", SString(min_length=1)),
    F("name", SString()),
    F("system_prompt", SString()),
    F("is_default", SBoolean()),
    F("team", SArray(SAny())),
    F("heartbeats", SArray(LINKWORLD_HEARTBEAT)),
])

LINKWORLD_SUBSCRIPTION = ObjectShape("LinkworldSubscription", [
    R("emitter_app", SString("slug")),
    R("event_name", SString("linkworldEventName")),
    R("target_agent", SString(min_length=1)),
    F("target_heartbeat", SString(min_length=1)),
])

#: The fields of LINKWORLD, in order; an imported linkworld manifest keeps each under ``linkworld``.
LINKWORLD_FIELDS = ["workflows", "http_routes", "agents", "emits", "subscribes_to"]

LINKWORLD = ObjectShape("LinkworldExtras", [
    F("workflows", SArray(LINKWORLD_WORKFLOW)),
    F("http_routes", SArray(LINKWORLD_HTTP_ROUTE)),
    F("agents", SArray(LINKWORLD_AGENT)),
    F("emits", SArray(SString("linkworldEventName"), max_items=30)),
    F("subscribes_to", SArray(LINKWORLD_SUBSCRIPTION)),
])

ROOT = ObjectShape("MarinaAppManifest", [
    R("apiVersion", SEnum([API_VERSION])),
    R("app", APP),
    F("runtime", RUNTIME, default={}),
    F("network", NETWORK, default={}),
    F("scopes", SArray(SString("scope")), default=[]),
    F("tools", SArray(TOOL, max_items=256), default=[]),
    F("events", SArray(SEnum(EVENTS)), default=[]),
    F("schedules", SArray(SCHEDULE, max_items=64), default=[]),
    F("webhooks", SArray(WEBHOOK, max_items=64), default=[]),
    F("settings", SArray(SETTING, max_items=128), default=[]),
    F("connectors", SArray(CONNECTOR, max_items=64)),
    F("surfaces", SArray(SURFACE, max_items=64)),
    F("containers", SArray(CONTAINER, max_items=16)),
    F("connections", SArray(CONNECTION, max_items=64)),
    F("agents", SArray(AGENT, max_items=32)),
    F("state", STATE),
    F("compatibility", COMPATIBILITY),
    F("source", SOURCE),
    F("migrations", SArray(MIGRATION)),
    F("billing", BILLING),
    F("listing", LISTING),
    F("eval_scenarios", SArray(EVAL_SCENARIO, max_items=200)),
    F("linkworld", LINKWORLD),
])

# Integer fields the reference decodes into a 64-bit `Int` after validation; a value out of that
# range makes the valid-looking manifest unreadable (`invalid_value` at the root).
INT_FIELDS = [
    ("runtime", "port"), ("runtime", "resources", "memory_mb"), ("runtime", "resources", "max_processes"),
    ("runtime", "idle_timeout_s"), ("runtime", "tier"), ("tools", "*", "timeout_s"), ("containers", "*", "ports", "*"),
    ("agents", "*", "max_tokens"), ("agents", "*", "warm_pool_size"), ("billing", "platform_fee", "trial_days"),
]


# --- Rules across fields ---------------------------------------------------------------------------

def items(value: Any) -> List[Tuple[int, Any]]:
    return list(enumerate(value)) if isinstance(value, list) else []


def strings(value: Any) -> List[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _p(*tokens: Any) -> jp.Pointer:
    return tuple(str(t) for t in tokens)


def duplicates(value: Any, path: jp.Pointer, d: E.Diagnostics) -> None:
    """Reports the second and later occurrences of a string in an array."""
    seen = set()
    for i, item in items(value):
        if not isinstance(item, str):
            continue
        if item in seen:
            d.add(E.DUPLICATE_NAME, jp.child(path, i), f'"{item}" is listed more than once')
        seen.add(item)


def duplicate_names(value: Any, key: str, path: jp.Pointer, what: str, d: E.Diagnostics) -> None:
    seen = set()
    for i, item in items(value):
        s = member(item, key)
        if not isinstance(s, str):
            continue
        if s in seen:
            d.add(E.DUPLICATE_NAME, _p(*path, i, key), f'another {what} is already named "{s}"')
        seen.add(s)


def check_rules(root: Any, d: E.Diagnostics, catalog) -> None:
    declared = strings(member(root, "scopes"))
    duplicates(member(root, "scopes"), _p("scopes"), d)
    duplicates(member(root, "events"), _p("events"), d)
    duplicates(member(member(root, "network"), "egress_hosts"), _p("network", "egress_hosts"), d)

    duplicate_names(member(root, "tools"), "name", _p("tools"), "tool", d)
    for i, tool in items(member(root, "tools")):
        path = _p("tools", i, "scopes")
        duplicates(member(tool, "scopes"), path, d)
        for j, scope in enumerate(strings(member(tool, "scopes"))):
            if catalog.contains(scope) and scope not in declared:
                d.add(E.SCOPE_NOT_DECLARED, jp.child(path, j), f'the tool uses "{scope}", which the app\'s scopes do not declare')

    duplicate_names(member(root, "schedules"), "name", _p("schedules"), "schedule", d)
    for i, schedule in items(member(root, "schedules")):
        trigger = member(schedule, "trigger")
        if member(schedule, "cron") is MISSING and (trigger if isinstance(trigger, str) else "cron") == "cron":
            d.add(E.MISSING_FIELD, _p("schedules", i, "cron"), "a schedule triggered by cron needs a cron expression")
    duplicate_names(member(root, "webhooks"), "name", _p("webhooks"), "webhook", d)
    duplicate_names(member(root, "connectors"), "id", _p("connectors"), "connector", d)

    _check_settings(member(root, "settings"), d)
    _check_containers(root, d)

    for i, surface in items(member(root, "surfaces")):
        kind = member(surface, "kind")
        if isinstance(kind, str) and kind in ("ui", "chat") and member(surface, "entrypoint") is MISSING:
            d.add(E.MISSING_FIELD, _p("surfaces", i, "entrypoint"), f"a {kind} surface needs an entrypoint")

    _check_linkworld(member(root, "linkworld"), d)

    minimum_text = member(member(root, "listing"), "minimum_rollback_version")
    version_text = member(member(root, "app"), "version")
    minimum = SemanticVersion.parse(minimum_text) if isinstance(minimum_text, str) else None
    version = SemanticVersion.parse(version_text) if isinstance(version_text, str) else None
    if minimum is not None and version is not None and version < minimum:
        d.add(E.INVALID_VALUE, _p("listing", "minimum_rollback_version"), f"{minimum} is above the app's own version {version}")


def _swift_string_key(s: str) -> str:
    # Swift's String equality (a Dictionary key) is canonical equivalence.
    return unicodedata.normalize("NFD", s)


def _check_settings(settings: Any, d: E.Diagnostics) -> None:
    duplicate_names(settings, "id", _p("settings"), "setting", d)
    secret_keys: dict = {}
    for i, setting in items(settings):
        path = _p("settings", i)
        kind = member(setting, "type")
        if not isinstance(kind, str):
            continue
        is_select = kind in ("select", "select_or_custom")
        raw_options = member(setting, "options")
        options: List[str] = []
        if isinstance(raw_options, list):
            for o in raw_options:
                s = o if isinstance(o, str) else member(o, "value")
                if isinstance(s, str):
                    options.append(s)
        if is_select and raw_options is MISSING:
            d.add(E.MISSING_FIELD, jp.child(path, "options"), f"a {kind} setting needs options")
        elif is_select and isinstance(raw_options, list) and len(raw_options) == 0:
            d.add(E.INVALID_VALUE, jp.child(path, "options"), f"a {kind} setting needs at least one option")
        elif not is_select and raw_options is not MISSING:
            d.add(E.INVALID_VALUE, jp.child(path, "options"), "only select settings have options")
        if is_select:
            duplicates(options, jp.child(path, "options"), d)
        exact_options = set(options)
        for bound in ("min", "max"):
            if kind != "number" and member(setting, bound) is not MISSING:
                d.add(E.INVALID_VALUE, jp.child(path, bound), f"only number settings have {bound}")
        lo, hi = member(setting, "min"), member(setting, "max")
        lo = float(lo) if isinstance(lo, float) else None
        hi = float(hi) if isinstance(hi, float) else None
        if lo is not None and hi is not None and lo > hi:
            d.add(E.INVALID_VALUE, jp.child(path, "max"), "max is below min")
        setting_id = member(setting, "id")
        if kind == "secret" and isinstance(setting_id, str):
            key = setting_id.upper()
            canonical = _swift_string_key(key)
            if canonical in secret_keys:
                d.add(E.DUPLICATE_NAME, jp.child(path, "id"), f"secret settings {secret_keys[canonical]} and {i} are both stored as {key}")
            else:
                secret_keys[canonical] = i
        value = member(setting, "default")
        if value is MISSING:
            continue
        p = jp.child(path, "default")
        if kind == "secret":
            d.add(E.INVALID_VALUE, p, "a secret setting cannot have a default: the manifest is public")
        elif kind in ("string", "text", "select_or_custom", "project_picker"):
            if not isinstance(value, str):
                d.add(E.INVALID_TYPE, p, f"expected string, got {type_name(value)}")
        elif kind == "select":
            if isinstance(value, str):
                if options and value not in exact_options:
                    d.add(E.INVALID_VALUE, p, f'"{value}" is not one of the options')
            else:
                d.add(E.INVALID_TYPE, p, f"expected string, got {type_name(value)}")
        elif kind == "number":
            if not isinstance(value, float):
                d.add(E.INVALID_TYPE, p, f"expected number, got {type_name(value)}")
            else:
                if lo is not None and value < lo:
                    d.add(E.INVALID_VALUE, p, "the default is below min")
                if hi is not None and value > hi:
                    d.add(E.INVALID_VALUE, p, "the default is above max")
        elif kind == "boolean":
            if not isinstance(value, bool):
                d.add(E.INVALID_TYPE, p, f"expected boolean, got {type_name(value)}")


def _check_containers(root: Any, d: E.Diagnostics) -> None:
    containers = items(member(root, "containers"))
    duplicate_names(member(root, "containers"), "name", _p("containers"), "container", d)
    if containers:
        primaries = [(i, c) for i, c in containers if member(c, "primary") is True]
        if not primaries:
            d.add(E.INVALID_VALUE, _p("containers"), "exactly one container must be primary; none is")
        for i, _ in primaries[1:]:
            d.add(E.INVALID_VALUE, _p("containers", i, "primary"),
                  f"exactly one container must be primary; container {primaries[0][0]} already is")
    names = {n for n in (member(c, "name") for _, c in containers) if isinstance(n, str)}
    for i, connection in items(member(root, "connections")):
        for end in ("source_container", "target_container"):
            name = member(connection, end)
            if isinstance(name, str) and name not in names:
                d.add(E.INVALID_VALUE, _p("connections", i, end), f'no container is named "{name}"')


#: The fields each heartbeat ``schedule_type`` needs to say when it fires.
HEARTBEAT_NEEDS = {"cron": ["cron_expression"], "daily": ["time_of_day"], "weekly": ["day_of_week", "time_of_day"]}


def _check_linkworld(section: Any, d: E.Diagnostics) -> None:
    """Agents are unique by id and their heartbeats by slug; each heartbeat has what its schedule_type
    needs; a subscription's target_agent names an agent of this app, and its target_heartbeat a
    heartbeat of that agent."""
    agents = member(section, "agents")
    duplicate_names(agents, "id", _p("linkworld", "agents"), "agent", d)
    slugs: dict = {}
    for i, agent in items(agents):
        heartbeats = member(agent, "heartbeats")
        duplicate_names(heartbeats, "slug", _p("linkworld", "agents", i, "heartbeats"), "heartbeat", d)
        agent_id = member(agent, "id")
        known = slugs.setdefault(agent_id, set()) if isinstance(agent_id, str) else set()
        for j, heartbeat in items(heartbeats):
            slug = member(heartbeat, "slug")
            if isinstance(slug, str):
                known.add(slug)
            kind = member(heartbeat, "schedule_type")
            kind = kind if isinstance(kind, str) else "interval"
            for name in HEARTBEAT_NEEDS.get(kind, []):
                if member(heartbeat, name) is MISSING:
                    d.add(E.MISSING_FIELD, _p("linkworld", "agents", i, "heartbeats", j, name), f"a {kind} heartbeat needs {name}")
    for k, subscription in items(member(section, "subscribes_to")):
        target = member(subscription, "target_agent")
        if not isinstance(target, str):
            continue
        if target not in slugs:
            d.add(E.INVALID_VALUE, _p("linkworld", "subscribes_to", k, "target_agent"), f'no agent of this app has the id "{target}"')
            continue
        heartbeat = member(subscription, "target_heartbeat")
        if isinstance(heartbeat, str) and heartbeat not in slugs[target]:
            d.add(E.INVALID_VALUE, _p("linkworld", "subscribes_to", k, "target_heartbeat"), f'the agent "{target}" has no heartbeat "{heartbeat}"')
