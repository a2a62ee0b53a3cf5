"""The scope catalog: the permissions partners may ask for, and the platform tools each gates."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, List, Optional, Tuple

_SCOPE_NAME = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+")


@dataclass(frozen=True)
class ScopeDefinition:
    name: str
    description: str
    tools: Tuple[str, ...] = field(default_factory=tuple)


def edit_distance(a: str, b: str) -> int:
    if not a:
        return len(b)
    if not b:
        return len(a)
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (0 if a[i - 1] == b[j - 1] else 1))
        previous = current
    return previous[len(b)]


class ScopeCatalog:
    def __init__(self, scopes: Iterable[ScopeDefinition]) -> None:
        self.scopes: List[ScopeDefinition] = list(scopes)
        self._by_name = {s.name: s for s in self.scopes}

    def contains(self, name: str) -> bool:
        return name in self._by_name

    def __contains__(self, name: str) -> bool:
        return self.contains(name)

    def __getitem__(self, name: str) -> ScopeDefinition:
        return self._by_name[name]

    def scope_for_tool(self, tool: str) -> Optional[ScopeDefinition]:
        return next((s for s in self.scopes if tool in s.tools), None)

    def suggestion(self, name: str) -> Optional[str]:
        best = None
        for s in self.scopes:
            d = edit_distance(s.name, name)
            if best is None or d < best[1]:
                best = (s.name, d)
        if best is None or best[1] > max(2, len(name) // 3):
            return None
        return best[0]

    def extended(self, data: bytes, file_name: Optional[str] = None) -> "ScopeCatalog":
        """This catalog extended by an operator's scope file; raises ScopeCatalogError with every problem."""
        from . import errors as E
        from . import pointer as jp
        from ._values import member
        from .loader import parse_document
        from .native import items, strings
        from .shape import FieldSpec, ObjectShape, SArray, SString, ShapeValidator

        shape = ObjectShape("ScopeCatalogFile", [
            FieldSpec.required("scopes", SArray(ObjectShape("ScopeDefinition", [
                FieldSpec.required("name", SString("nonEmpty", max_length=128)),
                FieldSpec.required("description", SString(min_length=1, max_length=1000)),
                FieldSpec("tools", SArray(SString("toolName")), default=[]),
            ]), max_items=1000)),
        ])
        try:
            document = parse_document(data, file_name)
        except E.DocumentError as error:
            raise ScopeCatalogError([error.diagnostic]) from None
        validator = ShapeValidator(self)
        validator.check(document, shape, jp.ROOT)
        d = validator.diagnostics
        scopes = list(self.scopes)
        owner = {t: s.name for s in self.scopes for t in s.tools}
        for i, item in items(member(document, "scopes")):
            name, description = member(item, "name"), member(item, "description")
            if not isinstance(name, str) or not isinstance(description, str):
                continue
            path = ("scopes", str(i))
            if not _SCOPE_NAME.fullmatch(name):
                d.add(E.INVALID_VALUE, path + ("name",), f'"{name}" is not a scope name: dot-separated lowercase words, like crm.read')
            if any(s.name == name for s in scopes):
                d.add(E.DUPLICATE_NAME, path + ("name",), f'the scope "{name}" is already defined')
                continue
            tools = strings(member(item, "tools"))
            for j, tool in enumerate(tools):
                if tool in owner:
                    d.add(E.DUPLICATE_NAME, path + ("tools", str(j)), f'the tool "{tool}" is already gated by "{owner[tool]}"')
                else:
                    owner[tool] = name
            scopes.append(ScopeDefinition(name, description, tuple(tools)))
        if d:
            raise ScopeCatalogError(d.items)
        return ScopeCatalog(scopes)


class ScopeCatalogError(ValueError):
    def __init__(self, problems: list) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


DEFAULT_CATALOG = ScopeCatalog([
    ScopeDefinition("kv.read", "Read the app's private key-value store for this tenant", ("kv_get", "kv_list")),
    ScopeDefinition("kv.write", "Write and delete keys in the app's private key-value store for this tenant", ("kv_set", "kv_delete")),
    ScopeDefinition("files.read", "Read and list files in the tenant's file area", ("files_read", "files_list")),
    ScopeDefinition("files.write", "Create and replace files in the tenant's file area", ("files_write",)),
    ScopeDefinition("mail.read", "Read the tenant's mailbox", ("mail_list", "mail_read")),
    ScopeDefinition("mail.send", "Send mail on the tenant's behalf through the platform's outbox", ("mail_send",)),
    ScopeDefinition("calendar.read", "Read the tenant's calendar events", ("calendar_list_events",)),
    ScopeDefinition("calendar.write", "Create and change events in the tenant's calendar", ("calendar_create_event", "calendar_update_event")),
    ScopeDefinition("http.fetch", "Fetch URLs on the manifest's egress allow-list through the platform's egress proxy", ("http_fetch",)),
    ScopeDefinition("apps.invoke", "Call agent-visible tools of other apps installed in the same tenant", ("apps_invoke",)),
    ScopeDefinition("ai.complete", "Ask the platform's language model for a completion, billed to the payer of ai_compute", ("ai_complete",)),
])
