"""Marina Python SDK: the manifest core (validation, conversion, canonical hash) and the app runtime
(the HTTP contract of docs/app-contract.md)."""
from .app import LIFECYCLE_EVENTS, App
from .context import KV, Context, Event, Secrets, Tools
from .errors import (AppError, DuplicateHandlerError, EventNotEnabledError, InvalidTokenError, ManifestError,
                     MarinaError, RegistrationError, ToolCallError, UnknownEventError, UnknownScheduleError,
                     UnknownToolError, UnknownWebhookError)
from .idempotency import IdempotencyStore
from .manifest import ManifestReport, load_bytes, load_document, load_file, load_text
from .platform import MemoryKV, MockPlatform, PlatformClient
from .tokens import TokenVerifier

__version__ = "0.1.0"

__all__ = [
    "App", "AppError", "Context", "DuplicateHandlerError", "Event", "EventNotEnabledError", "IdempotencyStore",
    "InvalidTokenError", "KV", "LIFECYCLE_EVENTS", "ManifestError", "ManifestReport", "MarinaError", "MemoryKV",
    "MockPlatform", "PlatformClient", "RegistrationError", "Secrets", "ToolCallError", "TokenVerifier", "Tools",
    "UnknownEventError", "UnknownScheduleError", "UnknownToolError", "UnknownWebhookError", "load_bytes",
    "load_document", "load_file", "load_text",
]
