"""Named string formats of the manifest, with the rules of the Swift reference (StringFormat.swift).
``docs/manifest.md`` states every rule in words."""
from __future__ import annotations

import re
import unicodedata
from typing import Optional, Tuple

from . import errors as E
from . import graphemes
from ._tznames import ICU_ZONE_IDS
from ._values import WHITE_SPACE
from .cron import CronError, CronExpression
from .semver import SemanticVersion

Problem = Optional[Tuple[str, str]]

_SLUG = re.compile(r"[a-z][a-z0-9-]{2,63}")
_SCOPE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+")
_TOOL = re.compile(r"[a-z][a-z0-9_]{0,63}")
_EVENT = re.compile(r"[a-z][a-z0-9_-]{0,63}")
_SECRET_KEY = re.compile(r"[A-Z][A-Z0-9_]{0,63}")
_SETTING = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")
_CLOCK_TIME = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
_LINKWORLD_EVENT = re.compile(r"[a-z][a-z0-9_]*")
_PORT_TEXT = re.compile(r"[0-9]{1,5}")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_REVERSE_DNS = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*(\.[a-z0-9]+(-[a-z0-9]+)*)+")
_OPENSAIL_SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_VISIBILITY = re.compile(r"public|private|team:[0-9a-f-]{36}")
_TZ_SHAPE = re.compile(r"[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*")
_HOST_IP = re.compile(r"[0-9.]+")
_HOST_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
_OS_NAME = re.compile(r"[a-zA-Z][a-zA-Z0-9_-]*")
_OS_KEY = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_-]*")
_OS_REFERENCE = re.compile(r"\$\{secret:([a-zA-Z][a-zA-Z0-9_-]*)/([a-zA-Z0-9][a-zA-Z0-9_-]*)\}")
_NATIVE_REFERENCE = re.compile(r"\$\{secret:([A-Z][A-Z0-9_]{0,63})\}")

PLATFORM_ENV = ("PORT", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY")


def is_slug(s: str) -> bool:
    return _SLUG.fullmatch(s) is not None


def is_secret_key(s: str) -> bool:
    return _SECRET_KEY.fullmatch(s) is not None


def is_tool_name(s: str) -> bool:
    return _TOOL.fullmatch(s) is not None


def is_event_name(s: str) -> bool:
    return _EVENT.fullmatch(s) is not None


def port_number(value) -> Optional[int]:
    """The port an imported ``PORT`` variable names: one to five decimal digits, else None."""
    return int(value) if isinstance(value, str) and _PORT_TEXT.fullmatch(value) else None


# --- Characters as Swift sees them ------------------------------------------------------------------
# Swift's `Character` is an extended grapheme cluster; where the reference asks a question of each
# Character (`isWhitespace` looks at its first scalar), a combining mark after a space belongs to the
# space's Character. See graphemes.py.

def _first_scalars(s: str) -> list:
    b = graphemes.boundaries(s)
    return [s[k] for k in b[:-1]]


def _has_whitespace(s: str) -> bool:
    return any(ord(c) in WHITE_SPACE for c in _first_scalars(s))


def _has_non_whitespace(s: str) -> bool:
    return any(ord(c) not in WHITE_SPACE for c in _first_scalars(s))


def _is_volume_size(s: str) -> bool:
    """``\\d+(Mi|Gi)`` matched Character by Character: ``\\d`` is a Character whose first scalar is numeric."""
    chars = graphemes.characters(s)
    if len(chars) < 3 or chars[-1] != "i" or chars[-2] not in ("M", "G"):
        return False
    return all(unicodedata.numeric(c[0], None) is not None for c in chars[:-2])


# --- Helpers -----------------------------------------------------------------------------------------

def host_name_problem(value: str) -> Optional[str]:
    if value == "":
        return "a host name cannot be empty"
    if ":" in value or _HOST_IP.fullmatch(value):
        return f'"{value}" is an IP address or has a port; egress_hosts lists DNS names only'
    name = value[2:] if value.startswith("*.") else value
    if len(name) > 253:
        return f'"{value}" is longer than 253 characters'
    labels = name.split(".")
    if len(labels) < 2:
        return f'"{value}" is not a fully qualified host name (like api.example.com)'
    for label in labels:
        if not _HOST_LABEL.fullmatch(label):
            return f'"{value}" is not a valid lowercase host name'
    if all(c.isdigit() for c in labels[-1]):
        return f'"{value}" has a numeric top-level label'
    return None


def native_secret_keys(value: str) -> list:
    """The secret keys a native env value references, in order."""
    return [m.group(1) for m in _NATIVE_REFERENCE.finditer(value)]


def _references(value: str):
    """Yields ``(body, error)`` for each ``${secret:`` in ``value`` as the reference scans them: the
    marker and the closing ``}`` count only as whole Characters."""
    bounds = set(graphemes.boundaries(value)) | {0}
    pos = 0
    while True:
        at = graphemes.find_character_sequence(value, "${secret:", pos, bounds)
        if at < 0:
            return
        start = at + len("${secret:")
        close = graphemes.find_character_sequence(value, "}", start, bounds)
        if close < 0:
            yield None
            return
        yield value[start:close]
        pos = close + 1


def native_reference_problem(value: str) -> Optional[str]:
    for key in _references(value):
        if key is None:
            return f'unterminated secret reference in "{value}"; write ${{secret:KEY}}'
        if not is_secret_key(key):
            return f'"${{secret:{key}}}" does not name a valid secret key (A-Z, 0-9, \'_\', starting with a letter)'
    return None


def opensail_native_key(name: str, key: str) -> str:
    return (name + "_" + key).upper().replace("-", "_")


def opensail_reference_problem(value: str) -> Optional[str]:
    for body in _references(value):
        if body is None:
            return f'unterminated secret reference in "{value}"; write ${{secret:name/key}}'
        parts = body.split("/")
        if len(parts) != 2 or not _OS_NAME.fullmatch(parts[0]) or not _OS_KEY.fullmatch(parts[1]):
            return f'"${{secret:{body}}}" is not a well-formed secret reference; write ${{secret:name/key}}'
        key = opensail_native_key(parts[0], parts[1])
        if not is_secret_key(key):
            return f'"${{secret:{body}}}" maps to secret key {key}, which is longer than 64 characters'
    return None


def opensail_to_native(value: str) -> str:
    """Rewrites OpenSail ``${secret:name/key}`` references to native ``${secret:NAME_KEY}`` ones (matches
    start and end at Character boundaries, as the reference's regular expression does)."""
    bounds = set(graphemes.boundaries(value)) | {0}
    out, pos, i = [], 0, 0
    while i < len(value):
        m = _OS_REFERENCE.match(value, i)
        if m and i in bounds and m.end() in bounds:
            out.append(value[pos:i])
            out.append("${secret:" + opensail_native_key(m.group(1), m.group(2)) + "}")
            pos = i = m.end()
        else:
            i += 1
    out.append(value[pos:])
    return "".join(out)


def gmt_offset(name: str) -> Optional[int]:
    """Seconds east of GMT for ``GMT``/``UTC`` names with an offset (``GMT+5``, ``UTC-0830``), as Foundation reads them."""
    n = len(name)
    if not 3 <= n <= 9 or not (name.startswith("GMT") or name.startswith("UTC")):
        return None
    if n == 3:
        return 0
    if n < 5 or name[3] not in "+-":
        return None
    sign = -1 if name[3] == "-" else 1
    if not "0" <= name[4] <= "9":
        return None
    hours = int(name[4])
    if n == 5:
        return sign * hours * 3600
    second = name[5]
    two_digit = "0" <= second <= "9"
    if not two_digit and second not in ":.":
        return None
    idx = 6
    if two_digit:
        hours = hours * 10 + int(second)
    if hours > 18:
        return None
    if two_digit and n == 6:
        return sign * hours * 3600
    if n < 8:
        return None
    c = name[idx]
    is_digit = "0" <= c <= "5"
    is_punct = c in ":."
    if not ((is_digit and n == 8) or (is_punct and n == 9)):
        return None
    if is_punct:
        idx += 1
    first, second_minute = name[idx], name[idx + 1]
    if not ("0" <= first <= "9" and "0" <= second_minute <= "9"):
        return None
    minutes = int(first) * 10 + int(second_minute)
    if hours == 18 and minutes != 0:
        return None
    return sign * (hours * 3600 + minutes * 60)


def is_time_zone(value: str) -> bool:
    if not _TZ_SHAPE.fullmatch(value):
        return False
    return gmt_offset(value) is not None or value in ICU_ZONE_IDS


def is_reverse_dns(value: str) -> bool:
    return _REVERSE_DNS.fullmatch(value) is not None


def is_app_ref(value: str) -> bool:
    parts = value.split("@")
    app_id = parts[0]
    return len(parts) == 2 and (is_slug(app_id) or is_reverse_dns(app_id)) and SemanticVersion.parse(parts[1]) is not None


_HUMAN = {"uuid": "UUID", "reverseDNS": "reverse-DNS id (like com.example.app)",
          "volumeSize": "volume size (like 512Mi or 2Gi)", "image": "container image reference",
          "nonEmpty": "non-blank string"}


def check(fmt: str, value: str, catalog) -> Problem:
    """``(code, message)`` when ``value`` does not conform to the named format, else None."""
    if fmt == "slug":
        return None if is_slug(value) else (
            E.INVALID_VALUE, f'"{value}" is not a valid app id: 3–64 characters of a-z, 0-9 and \'-\', starting with a letter')
    if fmt == "semver":
        return None if SemanticVersion.parse(value) is not None else (
            E.INVALID_VALUE, f'"{value}" is not a semantic version (MAJOR.MINOR.PATCH, e.g. 1.4.0 or 2.0.0-beta.1)')
    if fmt == "cron":
        try:
            CronExpression(value)
            return None
        except CronError as error:
            return (E.INVALID_CRON, f'"{value}" is not a valid cron expression: {error.reason}')
    if fmt == "hostname":
        problem = host_name_problem(value)
        return None if problem is None else (E.INVALID_VALUE, problem)
    if fmt == "scope":
        if not _SCOPE.fullmatch(value):
            return (E.UNKNOWN_SCOPE, f'"{value}" is not a scope name (like kv.read)')
        if catalog.contains(value):
            return None
        hint = catalog.suggestion(value)
        return (E.UNKNOWN_SCOPE, f'"{value}" is not in the scope catalog' + (f'; did you mean "{hint}"?' if hint else ""))
    if fmt == "toolName":
        return None if is_tool_name(value) else (
            E.INVALID_VALUE, f'"{value}" is not a valid tool name: a lowercase letter, then up to 63 of a-z, 0-9 and \'_\'')
    if fmt == "eventName":
        return None if is_event_name(value) else (
            E.INVALID_VALUE, f'"{value}" is not a valid name: a lowercase letter, then up to 63 of a-z, 0-9, \'_\' and \'-\'')
    if fmt == "secretKey":
        return None if is_secret_key(value) else (
            E.INVALID_VALUE, f'"{value}" is not a valid secret key: an uppercase letter, then up to 63 of A-Z, 0-9 and \'_\'')
    if fmt == "settingId":
        return None if _SETTING.fullmatch(value) else (
            E.INVALID_VALUE, f'"{value}" is not a valid setting id: a letter, then up to 63 letters, digits or \'_\'')
    if fmt in ("envName", "importedEnvName"):
        if not _ENV_NAME.fullmatch(value):
            return (E.INVALID_VALUE, f'"{value}" is not a valid environment variable name')
        if fmt == "importedEnvName" and value == "PORT":
            return None
        if value in PLATFORM_ENV or value.startswith("MARINA_"):
            return (E.INVALID_VALUE, f"{value} is set by the platform and cannot be set in the manifest")
        return None
    if fmt == "clockTime":
        return None if _CLOCK_TIME.fullmatch(value) else (
            E.INVALID_VALUE, f'"{value}" is not a time of day (HH:MM, from 00:00 to 23:59)')
    if fmt == "linkworldEventName":
        return None if _LINKWORLD_EVENT.fullmatch(value) else (
            E.INVALID_VALUE, f'"{value}" is not a valid event name: a lowercase letter, then a-z, 0-9 and \'_\'')
    if fmt == "envValue":
        problem = native_reference_problem(value)
        return None if problem is None else (E.INVALID_VALUE, problem)
    if fmt == "openSailEnvValue":
        problem = opensail_reference_problem(value)
        return None if problem is None else (E.INVALID_VALUE, problem)
    if fmt in ("uuid", "reverseDNS", "volumeSize", "image", "nonEmpty"):
        if fmt == "uuid":
            ok = _UUID.fullmatch(value) is not None
        elif fmt == "reverseDNS":
            ok = is_reverse_dns(value)
        elif fmt == "volumeSize":
            ok = _is_volume_size(value)
        elif fmt == "image":
            ok = value != "" and not _has_whitespace(value)
        else:
            ok = _has_non_whitespace(value)
        return None if ok else (E.INVALID_VALUE, f'"{value}" is not a valid {_HUMAN[fmt]}')
    if fmt == "openSailSlug":
        if not _OPENSAIL_SLUG.fullmatch(value) or not 1 <= len(value) <= 80:
            return (E.INVALID_VALUE, f'"{value}" is not a valid slug')
        return None if is_slug(value) else (
            E.INVALID_VALUE, f'"{value}" is a valid OpenSail slug but not a Marina app id: 3–64 characters, starting with a letter')
    if fmt == "appRef":
        return None if is_app_ref(value) else (E.INVALID_VALUE, f'"{value}" is not an app reference (app-id@1.2.3)')
    if fmt == "timezone":
        return None if is_time_zone(value) else (
            E.INVALID_VALUE, f'"{value}" is not an IANA time zone (like UTC or Europe/Berlin)')
    if fmt == "visibility":
        return None if _VISIBILITY.fullmatch(value) else (
            E.INVALID_VALUE, f'"{value}" is not a visibility (public, private or team:<uuid>)')
    raise ValueError(f"unknown string format {fmt}")
