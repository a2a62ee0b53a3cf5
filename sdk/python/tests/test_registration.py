"""Registration rules: a handler needs its tool, event, schedule or webhook declared in the manifest,
and registers once."""
import os

import pytest

from conftest import FIXTURES, MANIFEST
from marina_sdk import (App, DuplicateHandlerError, EventNotEnabledError, ManifestError, RegistrationError,
                        UnknownEventError, UnknownScheduleError, UnknownToolError, UnknownWebhookError)


@pytest.fixture()
def app(env):
    return App(MANIFEST, env=env)


def test_app_reads_the_manifest(app):
    assert app.manifest["app"]["id"] == "test-app"
    assert app.format == "marina/v1" and app.hash.startswith("sha256:")
    assert set(app.declared_tools) >= {"echo", "boom"} and app.enabled_events == ["install", "inbound"]


def test_invalid_manifest_is_refused_with_every_problem(env):
    with pytest.raises(ManifestError) as info:
        App(os.path.join(FIXTURES, "native/invalid-types.yaml"), env=env)
    assert len(info.value.diagnostics) == 15
    assert ("invalid_type", "/app/name") in {(d.code, d.path) for d in info.value.diagnostics}


def test_imported_formats_work_too(env):
    app = App(os.path.join(FIXTURES, "linkworld/valid-full.yaml"), env=env)
    assert app.format == "linkworld.ai/v2" and app.manifest["apiVersion"] == "marina/v1"


def test_tool_registration(app):
    @app.tool("echo")
    def echo(ctx, args):
        return args

    @app.tool()
    def boom(ctx, args):
        raise RuntimeError("x")

    @app.tool
    def refuse(ctx, args):
        return None

    assert app.tools == {"echo": echo, "boom": boom, "refuse": refuse}
    assert app.call_tool("echo", {"a": 1}) == {"a": 1}


def test_undeclared_tool_is_refused(app):
    with pytest.raises(UnknownToolError, match="no tool \"nope\""):
        app.tool("nope")(lambda ctx, args: None)
    assert "nope" not in app.tools


def test_registering_twice_is_an_error(app):
    app.tool("echo")(lambda ctx, args: 1)
    with pytest.raises(DuplicateHandlerError):
        app.tool("echo")(lambda ctx, args: 2)
    app.on("install")(lambda ctx, event: None)
    with pytest.raises(DuplicateHandlerError):
        app.on_install(lambda ctx, event: None)
    app.schedule("nightly")(lambda ctx, event: None)
    with pytest.raises(DuplicateHandlerError):
        app.schedule("nightly")(lambda ctx, event: None)
    app.webhook("ingest")(lambda ctx, event: None)
    with pytest.raises(DuplicateHandlerError):
        app.webhook("ingest")(lambda ctx, event: None)


def test_lifecycle_event_needs_to_be_enabled(app):
    app.on("install")(lambda ctx, event: None)
    app.on_inbound(lambda ctx, event: None)
    with pytest.raises(EventNotEnabledError):
        app.on("uninstall")(lambda ctx, event: None)
    with pytest.raises(EventNotEnabledError):
        app.on_user_added(lambda ctx, event: None)
    with pytest.raises(UnknownEventError):
        app.on("deploy")(lambda ctx, event: None)
    with pytest.raises(UnknownEventError):
        app.on("schedule.nightly")(lambda ctx, event: None)


def test_schedules_and_webhooks_need_to_be_declared(app):
    with pytest.raises(UnknownScheduleError):
        app.schedule("weekly")(lambda ctx, event: None)
    with pytest.raises(UnknownWebhookError):
        app.webhook("other")(lambda ctx, event: None)
    assert issubclass(UnknownWebhookError, RegistrationError)
    app.schedule("nightly")(lambda ctx, event: "ran")
    app.webhook("ingest")(lambda ctx, event: {"got": event.payload})
    assert set(app.events) == {"schedule.nightly", "webhook.ingest"}
    assert app.deliver_event("webhook.ingest", {"n": 1}) == {"got": {"n": 1}}
