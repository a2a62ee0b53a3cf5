"""Checks the platform's invocation tokens, as docs/app-contract.md ("Invocation tokens") says.

A token is a JWT (header.claims.signature, base64url without padding) signed with Ed25519. It is
accepted only when: the header's alg is EdDSA; its kid names a key of MARINA_JWKS (on an unknown
kid the set is fetched again from $MARINA_URL/.well-known/jwks.json, at most once a minute); the
signature over "header.claims" verifies; typ is "invocation"; aud is MARINA_INSTALL_ID; tenant and
app are MARINA_TENANT and MARINA_APP; exp is later than now - 30 s; iat (and nbf, when present) is
not later than now + 30 s; exp - iat is at most 60 s. Without MARINA_INSTALL_ID or keys, every
token is refused.
"""
import base64
import binascii
import json
import re
import threading
import time
import urllib.request

import ed25519_verify

CLOCK_SKEW_S = 30
MAX_LIFETIME_S = 60
REFETCH_INTERVAL_S = 60
_B64URL = re.compile(r"[A-Za-z0-9_-]*")


class InvalidToken(Exception):
    pass


def b64url_decode(text):
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _unique_keys(pairs):
    seen = dict(pairs)
    if len(seen) != len(pairs):
        raise ValueError("duplicate key")
    return seen


def _json(data):
    return json.loads(data.decode("utf-8"), object_pairs_hook=_unique_keys)


def parse_jwks(text):
    """{kid: 32-byte Ed25519 public key} of a JWK set given as JSON text."""
    try:
        jwks = json.loads(text) if text else {}
    except ValueError:
        return {}
    keys = {}
    for jwk in jwks.get("keys", []) if isinstance(jwks, dict) else []:
        if not isinstance(jwk, dict) or jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
            continue
        if jwk.get("alg", "EdDSA") != "EdDSA" or not isinstance(jwk.get("kid"), str) or not isinstance(jwk.get("x"), str):
            continue
        try:
            raw = b64url_decode(jwk["x"])
        except (ValueError, binascii.Error):
            continue
        if len(raw) == 32:
            keys[jwk["kid"]] = raw
    return keys


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class TokenVerifier:
    def __init__(self, env):
        self.keys = parse_jwks(env.get("MARINA_JWKS", ""))
        self.install_id = env.get("MARINA_INSTALL_ID")
        self.tenant = env.get("MARINA_TENANT")
        self.app = env.get("MARINA_APP")
        self.marina_url = env.get("MARINA_URL")
        self._lock = threading.Lock()
        self._last_fetch = None

    def _key(self, kid):
        key = self.keys.get(kid)
        if key is not None or not self.marina_url:
            return key
        with self._lock:  # the platform may have rotated its signing key: look again, rarely
            now = time.monotonic()
            if self._last_fetch is not None and now - self._last_fetch < REFETCH_INTERVAL_S:
                return self.keys.get(kid)
            self._last_fetch = now
            try:
                # The platform is reached directly, never through the egress proxy of HTTP_PROXY.
                opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
                with opener.open(self.marina_url.rstrip("/") + "/.well-known/jwks.json", timeout=5) as response:
                    self.keys = {**self.keys, **parse_jwks(response.read().decode("utf-8"))}
            except (OSError, ValueError):
                pass
            return self.keys.get(kid)

    def verify(self, authorization):
        """The claims of the token in an `Authorization: Bearer …` header; raises InvalidToken."""
        scheme, _, token = (authorization or "").strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise InvalidToken("no invocation token")
        parts = token.strip().split(".")
        if len(parts) != 3:
            raise InvalidToken("malformed token")
        try:
            header, claims = _json(b64url_decode(parts[0])), _json(b64url_decode(parts[1]))
            signature = b64url_decode(parts[2])
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise InvalidToken("malformed token") from None
        if not isinstance(header, dict) or not isinstance(claims, dict):
            raise InvalidToken("malformed token")
        if header.get("alg") != "EdDSA":
            raise InvalidToken("the token is not signed with EdDSA")
        kid = header.get("kid")
        key = self._key(kid) if isinstance(kid, str) else None
        if key is None:
            raise InvalidToken("the token is signed with an unknown key")
        if not ed25519_verify.verify(key, (parts[0] + "." + parts[1]).encode("ascii"), signature):
            raise InvalidToken("the token's signature does not verify")
        if claims.get("typ") != "invocation":
            raise InvalidToken("not an invocation token")
        if self.install_id is None or claims.get("aud") != self.install_id:
            raise InvalidToken("the token is meant for another install")
        if self.tenant is None or claims.get("tenant") != self.tenant:
            raise InvalidToken("the token is meant for another tenant")
        if self.app is None or claims.get("app") != self.app:
            raise InvalidToken("the token is meant for another app")
        exp, iat, nbf = claims.get("exp"), claims.get("iat"), claims.get("nbf", claims.get("iat"))
        if not _is_number(exp) or not _is_number(iat) or not _is_number(nbf):
            raise InvalidToken("the token has no valid exp and iat")
        now = time.time()
        if not exp > now - CLOCK_SKEW_S:
            raise InvalidToken("the token has expired")
        if iat > now + CLOCK_SKEW_S or nbf > now + CLOCK_SKEW_S:
            raise InvalidToken("the token is not valid yet")
        if exp - iat > MAX_LIFETIME_S:
            raise InvalidToken("the token lives longer than 60 s")
        return claims
