"""OpenSail's app manifest, ``manifest_schema_version: "2025-02"``, accepted as its JSON Schema says
plus the rules it forgets, and converted to ``marina/v1`` like OpenSailFormat.swift does."""
from __future__ import annotations

from typing import Any, List, Tuple

from . import errors as E
from . import formats
from ._values import MISSING, json_equal, member
from .native import AGENT, CONNECTION, CONNECTOR, MIGRATION, PLATFORM_FEE, STATE, items
from .native import API_VERSION as NATIVE_API_VERSION
from .provenance import Provenance
from .shape import (FieldSpec, ObjectShape, SAny, SArray, SBoolean, SEnum, SInteger, SJsonSchema, SMap, SNullable,
                    SNumber, SString, normalize)

SCHEMA_VERSION = "2025-02"
F = FieldSpec
R = FieldSpec.required

DIMENSION = ObjectShape("OpenSailDimensionBilling", [
    R("payer", SEnum(["creator", "platform", "installer", "byok"])),
    F("markup_pct", SNumber(min=0), default=0),
    F("cap_usd_per_session", SNumber(min=0)),
    F("cap_usd_per_month_per_install", SNumber(min=0)),
    F("on_cap", SEnum(["pause", "degrade", "notify-only"]), default="pause"),
    F("free_tier", ObjectShape("OpenSailFreeTier", [
        F("cpu_seconds_per_month", SInteger(min=0)), F("volume_gb", SNumber(min=0)),
    ], allows_unknown_fields=True)),
])

CONTAINER = ObjectShape("OpenSailContainer", [
    R("name", SString(min_length=1, max_length=64)),
    R("image", SString("image", max_length=512)),
    F("primary", SBoolean(), default=False),
    F("ports", SArray(SInteger(min=1, max=65535)), default=[]),
    F("env", SMap(SString("openSailEnvValue", max_length=32768), key_format="importedEnvName"), default={}),
    F("startup_command", SString("nonEmpty", max_length=8192)),
    F("resources", SMap(SAny())),
], allows_unknown_fields=True)

SHAPE = ObjectShape("OpenSailManifest", [
    R("manifest_schema_version", SEnum([SCHEMA_VERSION])),
    R("app", ObjectShape("OpenSailApp", [
        R("id", SString("reverseDNS")),
        R("name", SString(min_length=1, max_length=120)),
        R("slug", SString("openSailSlug")),
        F("creator_id", SNullable(SString("uuid"))),
        R("version", SString("semver")),
        F("description", SString(max_length=4000)),
        F("category", SString(max_length=64)),
        F("icon_ref", SNullable(SString(max_length=2048))),
        F("changelog", SString(max_length=8000)),
        F("forkable", SEnum(["true", "restricted", "no"]), default="restricted"),
        F("forked_from", SNullable(SString("appRef"))),
    ])),
    F("source_visibility", ObjectShape("OpenSailSourceVisibility", [
        F("level", SEnum(["public", "installers", "private"]), default="installers"),
        F("excluded_paths", SArray(SString()), default=[".env*", "secrets/**", ".git/**", ".tesslate/internal/**"]),
        F("manifest_always_public", SBoolean(), default=True),
    ])),
    R("compatibility", ObjectShape("OpenSailCompatibility", [
        R("studio", ObjectShape("OpenSailStudio", [R("min", SString()), F("max", SString())])),
        R("manifest_schema", SEnum([SCHEMA_VERSION])),
        R("runtime_api", SString(max_length=64)),
        F("required_features", SArray(SString()), default=[]),
    ])),
    R("surfaces", SArray(ObjectShape("OpenSailSurface", [
        R("kind", SEnum(["ui", "chat", "scheduled", "triggered", "mcp-tool"])),
        F("entrypoint", SString(max_length=1024)),
        F("name", SString(max_length=120)),
        F("description", SString(max_length=4000)),
        F("tool_schema", SJsonSchema()),
    ]), max_items=256)),
    F("compute", ObjectShape("OpenSailCompute", [
        F("tier", SInteger(allowed=[0, 1, 2]), default=0),
        F("model", SEnum(["always-on", "job-only"]), default="always-on"),
        F("compute_model", SEnum(["per-invocation", "per-installer", "shared-singleton"]), default="per-invocation"),
        F("containers", SArray(CONTAINER, max_items=16)),
        F("connections", SArray(CONNECTION, max_items=64), default=[]),
        F("hosted_agents", SArray(AGENT, max_items=32)),
    ])),
    R("state", STATE),
    F("connectors", SArray(CONNECTOR, max_items=64)),
    F("schedules", SArray(ObjectShape("OpenSailSchedule", [
        R("name", SString("eventName")),
        F("default_cron", SString("cron")),
        F("entrypoint", SString(max_length=1024)),
        F("execution", SEnum(["job", "http-post"]), default="job"),
        F("trigger_kind", SEnum(["cron", "webhook"]), default="cron"),
        F("editable", SBoolean(), default=True),
        F("optional", SBoolean(), default=True),
    ]), max_items=64)),
    F("migrations", SArray(MIGRATION)),
    R("billing", ObjectShape("OpenSailBilling", [
        R("ai_compute", DIMENSION),
        R("general_compute", DIMENSION),
        R("platform_fee", PLATFORM_FEE),
        F("promotional_budget", ObjectShape("OpenSailPromotionalBudget", [
            F("fund_usd", SNumber(min=0), default=0),
            F("covers", SArray(SEnum(["ai_compute", "general_compute", "platform_fee"]))),
            F("on_exhaust", SEnum(["disable", "flip_to_installer", "degrade_to_free"]), default="flip_to_installer"),
        ])),
    ])),
    R("listing", ObjectShape("OpenSailListing", [
        R("visibility", SString("visibility")),
        F("update_policy_default", SEnum(["manual", "patch-auto", "minor-auto", "pinned"]), default="manual"),
        F("minimum_rollback_version", SString("semver")),
    ])),
    F("eval_scenarios", SArray(ObjectShape("OpenSailEvalScenario", [
        R("entrypoint", SString(min_length=1, max_length=1024)),
        R("input", SAny()),
        R("expected_behavior", SString(min_length=1, max_length=4000)),
    ]), min_items=3, max_items=200)),
])


def extra_rules(root: Any, d: E.Diagnostics) -> None:
    """An ``mcp-tool`` surface becomes a tool, so it needs a tool's name."""
    from .scopes import DEFAULT_CATALOG
    for i, surface in items(member(root, "surfaces")):
        if member(surface, "kind") != "mcp-tool":
            continue
        path = ("surfaces", str(i), "name")
        name = member(surface, "name")
        if name is MISSING:
            d.add(E.MISSING_FIELD, path, "an mcp-tool surface needs a name: it becomes the tool's name")
            continue
        if isinstance(name, str):
            problem = formats.check("toolName", name, DEFAULT_CATALOG)
            if problem:
                d.add(problem[0], path, problem[1])
    # A container's PORT is the port its process listens on; the primary's becomes runtime.port.
    for i, container in items(member(member(root, "compute"), "containers")):
        value = member(member(container, "env"), "PORT")
        if not isinstance(value, str):
            continue
        port = formats.port_number(value)
        primary = member(container, "primary") is True
        low = 1024 if primary else 1
        if port is None or not low <= port <= 65535:
            what = "the primary container's PORT becomes runtime.port" if primary else "PORT is the port the container listens on"
            d.add(E.INVALID_VALUE, ("compute", "containers", str(i), "env", "PORT"),
                  f'PORT "{value}": {what}, a number from {low} to 65535')


def notes(source: Any) -> List[E.Note]:
    """What the conversion of a valid manifest did that its author should know."""
    out: List[E.Note] = []
    for i, container in items(member(member(source, "compute"), "containers")):
        port = formats.port_number(member(member(container, "env"), "PORT"))
        if port is None:
            continue
        path = f"/compute/containers/{i}/env/PORT"
        if member(container, "primary") is True:
            out.append(E.Note(E.PORT_FROM_ENV, path,
                              f"PORT is the platform's to set: runtime.port is {port}, and the platform sets PORT={port} for the app"))
        else:
            out.append(E.Note(E.PORT_FROM_ENV, path,
                              f"kept as containers[{i}].port; a container driver sets PORT={port} for it (the local driver runs only the primary container)"))
    return out


def _shell_command(value: Any) -> Any:
    """OpenSail's ``startup_command`` is a shell command line; Marina's ``command`` an argument vector."""
    return ["/bin/sh", "-c", value] if isinstance(value, str) else value


def _rewrite_secrets(env: Any) -> Any:
    if not isinstance(env, dict):
        return env
    return {k: formats.opensail_to_native(v) if isinstance(v, str) else v for k, v in env.items()}


def convert(source: Any) -> Tuple[Any, Provenance]:
    src = normalize(source, SHAPE)
    p = Provenance()
    out: dict = {"apiVersion": NATIVE_API_VERSION}
    p.map(("apiVersion",), ("manifest_schema_version",))

    a = member(src, "app")
    app: dict = {}
    p.map(("app",), ("app",))
    for native, theirs in (("id", "slug"), ("name", "name"), ("version", "version"), ("description", "description"),
                           ("category", "category"), ("icon", "icon_ref"), ("changelog", "changelog"),
                           ("forked_from", "forked_from"), ("qualified_id", "id"), ("creator_id", "creator_id")):
        v = member(a, theirs)
        if v is MISSING or v is None:
            continue
        app[native] = v
        p.map(("app", native), ("app", theirs))
    forkable = member(a, "forkable")
    if forkable is not MISSING:
        app["forkable"] = "yes" if json_equal(forkable, "true") else forkable
    out["app"] = app

    runtime: dict = {}
    p.map(("runtime",), ("compute",))
    tools: list = []
    surfaces: list = []
    for i, surface in items(member(src, "surfaces")):
        if not isinstance(surface, dict):
            continue
        if json_equal(member(surface, "kind"), "mcp-tool"):
            tool: dict = {}
            for native, theirs in (("name", "name"), ("description", "description"), ("input_schema", "tool_schema"),
                                   ("entrypoint", "entrypoint")):
                p.map(("tools", str(len(tools)), native), ("surfaces", str(i), theirs))
                if theirs in surface:
                    tool[native] = surface[theirs]
            p.map(("tools", str(len(tools))), ("surfaces", str(i)))
            tools.append(tool)
        else:
            p.map(("surfaces", str(len(surfaces))), ("surfaces", str(i)))
            surfaces.append(surface)
    out["tools"] = tools
    if surfaces:
        out["surfaces"] = surfaces

    compute = member(src, "compute")
    if compute is not MISSING:
        for key in ("tier", "model", "compute_model"):
            v = member(compute, key)
            if v is not MISSING:
                runtime[key] = v
                p.map(("runtime", key), ("compute", key))
        containers_in = member(compute, "containers")
        if isinstance(containers_in, list):
            p.map(("containers",), ("compute", "containers"))
            containers: list = []
            for i, item in enumerate(containers_in):
                if not isinstance(item, dict):
                    containers.append(item)
                    continue
                c = item
                origin = ("compute", "containers", str(i))
                p.map(("containers", str(i)), origin)
                native: dict = {}
                extensions: dict = {}
                env = member(c, "env")
                port = formats.port_number(member(env, "PORT"))
                if port is not None:
                    # PORT is the platform's to set (to this port); it leaves the env.
                    env = {k: v for k, v in env.items() if k != "PORT"}
                    native["port"] = float(port)
                    p.map(("containers", str(i), "port"), origin + ("env", "PORT"))
                for key, value in c.items():
                    if key in ("name", "image", "primary", "ports", "resources"):
                        native[key] = value
                    elif key == "env":
                        native["env"] = _rewrite_secrets(env)
                    elif key == "startup_command":
                        native["command"] = _shell_command(value)
                    else:
                        extensions[key] = value
                p.map(("containers", str(i), "command"), origin + ("startup_command",))
                if extensions:
                    native["extensions"] = extensions
                    p.map(("containers", str(i), "extensions"), origin)
                containers.append(native)
                if member(c, "primary") is True:
                    _put(runtime, "image", member(c, "image"))
                    p.map(("runtime", "image"), origin + ("image",))
                    command = member(c, "startup_command")
                    if command is not MISSING:
                        runtime["command"] = _shell_command(command)
                        p.map(("runtime", "command"), origin + ("startup_command",))
                    ports = member(c, "ports")
                    if port is not None:
                        runtime["port"] = float(port)
                        p.map(("runtime", "port"), origin + ("env", "PORT"))
                    elif isinstance(ports, list) and ports:
                        runtime["port"] = ports[0]
                        p.map(("runtime", "port"), origin + ("ports", "0"))
                    if env is not MISSING:
                        runtime["env"] = _rewrite_secrets(env)
                        p.map(("runtime", "env"), origin + ("env",))
            out["containers"] = containers
        connections = member(compute, "connections")
        if connections is not MISSING and not json_equal(connections, []):
            out["connections"] = connections
            p.map(("connections",), ("compute", "connections"))
        agents = member(compute, "hosted_agents")
        if agents is not MISSING:
            out["agents"] = agents
            p.map(("agents",), ("compute", "hosted_agents"))
    out["runtime"] = runtime

    for native, theirs in (("state", "state"), ("connectors", "connectors"), ("migrations", "migrations"),
                           ("billing", "billing"), ("listing", "listing"), ("eval_scenarios", "eval_scenarios"),
                           ("source", "source_visibility")):
        v = member(src, theirs)
        if v is MISSING:
            continue
        out[native] = v
        p.map((native,), (theirs,))
    compatibility = member(src, "compatibility")
    if compatibility is not MISSING:
        c: dict = {}
        studio = member(compatibility, "studio")
        if studio is not MISSING:
            c["platform"] = studio
            p.map(("compatibility", "platform"), ("compatibility", "studio"))
        for key in ("runtime_api", "required_features"):
            _put(c, key, member(compatibility, key))
        out["compatibility"] = c
        p.map(("compatibility",), ("compatibility",))
    schedules = member(src, "schedules")
    if isinstance(schedules, list):
        converted = []
        for i, item in enumerate(schedules):
            if not isinstance(item, dict):
                converted.append(item)
                continue
            s: dict = {}
            p.map(("schedules", str(i)), ("schedules", str(i)))
            for mine, theirs in (("name", "name"), ("cron", "default_cron"), ("entrypoint", "entrypoint"),
                                 ("execution", "execution"), ("trigger", "trigger_kind"), ("editable", "editable"),
                                 ("optional", "optional")):
                p.map(("schedules", str(i), mine), ("schedules", str(i), theirs))
                if theirs in item:
                    s[mine] = item[theirs]
            converted.append(s)
        out["schedules"] = converted
    return out, p


def _put(obj: dict, key: str, value: Any) -> None:
    if value is MISSING:
        obj.pop(key, None)
    else:
        obj[key] = value
