"""Verification of the platform's invocation tokens (docs/app-contract.md, "Invocation tokens").

A token is a JWT signed with Ed25519 (``alg: EdDSA``). It is accepted only when: the header's ``alg``
is ``EdDSA``; its ``kid`` names a key of the JWK set (on an unknown ``kid`` the set may be fetched
again from ``$MARINA_URL/.well-known/jwks.json``, at most once a minute); the signature over
``header.claims`` verifies; ``typ`` is ``invocation``; ``aud`` equals the install id; ``tenant`` and
``app`` equal this instance's; ``exp`` is later than now minus 30 s; ``iat`` is not later than now plus
30 s; and ``exp - iat`` is at most 60.
"""
from __future__ import annotations

import base64
import json
import re
import threading
import time
import urllib.request
from typing import Any, Callable, Dict, Optional

from .errors import InvalidTokenError
from .manifest import jsonparse
from .manifest.errors import DocumentError

CLOCK_SKEW_S = 30
MAX_LIFETIME_S = 60
REFETCH_INTERVAL_S = 60
_B64URL = re.compile(r"[A-Za-z0-9_-]*")


def b64url_decode(text: str) -> bytes:
    """Base64url without padding, strictly."""
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def parse_jwks(jwks: Any) -> Dict[str, Any]:
    """The Ed25519 public keys of a JWK set (a JSON string, bytes or a parsed object), by ``kid``."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if isinstance(jwks, (str, bytes)):
        jwks = json.loads(jwks) if jwks else {}
    keys: Dict[str, Any] = {}
    for jwk in (jwks or {}).get("keys", []) if isinstance(jwks, dict) else []:
        if not isinstance(jwk, dict) or jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
            continue
        if jwk.get("alg", "EdDSA") != "EdDSA" or not isinstance(jwk.get("kid"), str) or not isinstance(jwk.get("x"), str):
            continue
        try:
            raw = b64url_decode(jwk["x"])
            keys[jwk["kid"]] = Ed25519PublicKey.from_public_bytes(raw)
        except ValueError:
            continue
    return keys


def _fetch_jwks(url: str) -> Any:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # the platform is reached directly
    with opener.open(url.rstrip("/") + "/.well-known/jwks.json", timeout=5) as response:
        return json.loads(response.read())


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


class TokenVerifier:
    """Checks invocation tokens for one instance (install, tenant, app)."""

    def __init__(self, jwks: Any, install_id: Optional[str], tenant: Optional[str], app: Optional[str],
                 marina_url: Optional[str] = None, clock: Callable[[], float] = time.time,
                 fetch: Optional[Callable[[str], Any]] = None) -> None:
        self.keys = parse_jwks(jwks) if not isinstance(jwks, dict) or "keys" in jwks else dict(jwks)
        self.install_id, self.tenant, self.app = install_id, tenant, app
        self.marina_url = marina_url
        self.clock = clock
        self.fetch = fetch or _fetch_jwks
        self._lock = threading.Lock()
        self._last_fetch: Optional[float] = None

    @classmethod
    def from_environment(cls, env: Optional[dict] = None, **kwargs: Any) -> "TokenVerifier":
        import os
        env = os.environ if env is None else env
        try:
            keys = parse_jwks(env.get("MARINA_JWKS", ""))
        except ValueError:
            keys = {}
        return cls(keys, env.get("MARINA_INSTALL_ID"), env.get("MARINA_TENANT"), env.get("MARINA_APP"),
                   marina_url=env.get("MARINA_URL"), **kwargs)

    def _key(self, kid: str) -> Any:
        key = self.keys.get(kid)
        if key is not None or not self.marina_url:
            return key
        with self._lock:
            now = time.monotonic()
            if self._last_fetch is not None and now - self._last_fetch < REFETCH_INTERVAL_S:
                return self.keys.get(kid)
            self._last_fetch = now
            try:
                fetched = parse_jwks(self.fetch(self.marina_url))
            except Exception:  # noqa: BLE001 - an unreachable platform just means "unknown key"
                return self.keys.get(kid)
            self.keys = {**self.keys, **fetched}
            return self.keys.get(kid)

    def verify(self, token: str) -> dict:
        """The token's claims; raises InvalidTokenError when it is not acceptable."""
        if not isinstance(token, str):
            raise InvalidTokenError("no token")
        parts = token.split(".")
        if len(parts) != 3:
            raise InvalidTokenError("malformed token")
        try:
            header_bytes, claim_bytes, signature = (b64url_decode(p) for p in parts)
            header = jsonparse.parse(header_bytes)
        except (ValueError, DocumentError):
            raise InvalidTokenError("malformed token") from None
        if not isinstance(header, dict) or header.get("alg") != "EdDSA":
            raise InvalidTokenError("the token is not signed with EdDSA")
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise InvalidTokenError("the token names no key")
        key = self._key(kid)
        if key is None:
            raise InvalidTokenError("the token is signed with an unknown key")
        from cryptography.exceptions import InvalidSignature

        try:
            key.verify(signature, (parts[0] + "." + parts[1]).encode("ascii"))
        except InvalidSignature:
            raise InvalidTokenError("the token's signature does not verify") from None
        try:
            claims = jsonparse.parse(claim_bytes)
        except DocumentError:
            raise InvalidTokenError("malformed token") from None
        if not isinstance(claims, dict):
            raise InvalidTokenError("malformed token")
        if claims.get("typ") != "invocation":
            raise InvalidTokenError("not an invocation token")
        if self.install_id is None or claims.get("aud") != self.install_id:
            raise InvalidTokenError("the token is meant for another install")
        if self.tenant is None or claims.get("tenant") != self.tenant:
            raise InvalidTokenError("the token is meant for another tenant")
        if self.app is None or claims.get("app") != self.app:
            raise InvalidTokenError("the token is meant for another app")
        exp, iat = claims.get("exp"), claims.get("iat")
        if not _is_number(exp) or not _is_number(iat):
            raise InvalidTokenError("the token has no valid exp and iat")
        now = self.clock()
        if not exp > now - CLOCK_SKEW_S:
            raise InvalidTokenError("the token has expired")
        if iat > now + CLOCK_SKEW_S:
            raise InvalidTokenError("the token is issued in the future")
        if exp - iat > MAX_LIFETIME_S:
            raise InvalidTokenError("the token lives longer than 60 s")
        return claims


def sign_token(private_key: Any, kid: str, claims: dict) -> str:
    """Signs claims as the platform does (for tests and local tools): canonical JSON, base64url, Ed25519."""
    from .manifest.canonical import canonical_string
    from .manifest._values import to_json_value

    header = {"alg": "EdDSA", "typ": "JWT", "kid": kid}
    signing_input = (b64url_encode(canonical_string(header).encode()) + "." +
                     b64url_encode(canonical_string(to_json_value(claims)).encode()))
    return signing_input + "." + b64url_encode(private_key.sign(signing_input.encode("ascii")))
