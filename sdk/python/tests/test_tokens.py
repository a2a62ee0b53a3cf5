"""Invocation-token verification, each rule of docs/app-contract.md."""
import json
import time

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from marina_sdk import InvalidTokenError, TokenVerifier
from marina_sdk.tokens import b64url_decode, b64url_encode, sign_token


@pytest.fixture()
def verifier(env):
    return TokenVerifier.from_environment(env)


def test_good_token(verifier, make_token):
    claims = verifier.verify(make_token())
    assert claims["tenant"] == "acme" and claims["jti"] == "req_1"


def test_clock_skew_is_allowed(verifier, make_token):
    now = int(time.time())
    verifier.verify(make_token(iat=now - 80, exp=now - 20))  # expired 20 s ago: within 30 s
    verifier.verify(make_token(iat=now + 25, exp=now + 60))  # issued 25 s ahead: within 30 s


@pytest.mark.parametrize("overrides,reason", [
    (lambda now: {"iat": now - 100, "exp": now - 40}, "expired"),
    (lambda now: {"iat": now + 45, "exp": now + 90}, "future"),
    (lambda now: {"iat": now, "exp": now + 61}, "longer than 60"),
    (lambda now: {"aud": "inst_other"}, "another install"),
    (lambda now: {"aud": ["inst_123"]}, "another install"),
    (lambda now: {"tenant": "globex"}, "another tenant"),
    (lambda now: {"app": "other-app"}, "another app"),
    (lambda now: {"typ": "refresh"}, "not an invocation"),
    (lambda now: {"typ": None}, "not an invocation"),
    (lambda now: {"exp": None}, "exp"),
    (lambda now: {"iat": "now"}, "exp"),
    (lambda now: {"exp": True}, "exp"),
])
def test_bad_claims(verifier, make_token, overrides, reason):
    with pytest.raises(InvalidTokenError, match=reason):
        verifier.verify(make_token(**overrides(int(time.time()))))


def test_wrong_key(verifier, make_token):
    with pytest.raises(InvalidTokenError, match="signature"):
        verifier.verify(make_token(key=Ed25519PrivateKey.generate()))


def test_unknown_kid(verifier, make_token):
    with pytest.raises(InvalidTokenError, match="unknown key"):
        verifier.verify(make_token(kid="k2"))


def test_tampered_claims(verifier, make_token):
    header, claims, signature = make_token().split(".")
    forged = json.loads(b64url_decode(claims))
    forged["tenant"] = "acme"
    forged["exp"] += 1
    with pytest.raises(InvalidTokenError, match="signature"):
        verifier.verify(".".join([header, b64url_encode(json.dumps(forged).encode()), signature]))
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    with pytest.raises(InvalidTokenError):
        verifier.verify(".".join([header, claims, flipped]))


def test_alg_none_and_other_algorithms(verifier, make_token, signing_key):
    _, claims, signature = make_token().split(".")
    for header in ({"alg": "none", "typ": "JWT", "kid": "k1"}, {"alg": "HS256", "typ": "JWT", "kid": "k1"}, {"typ": "JWT", "kid": "k1"}):
        encoded = b64url_encode(json.dumps(header).encode())
        with pytest.raises(InvalidTokenError, match="EdDSA"):
            verifier.verify(f"{encoded}.{claims}.")
        # even correctly signed, a header that does not say EdDSA is refused
        signed = signing_key.sign(f"{encoded}.{claims}".encode())
        with pytest.raises(InvalidTokenError, match="EdDSA"):
            verifier.verify(f"{encoded}.{claims}.{b64url_encode(signed)}")


@pytest.mark.parametrize("token", ["", "abc", "a.b", "a.b.c.d", "!!.??.##", "e30=.e30.e30", "e30.e30.e30"])
def test_malformed(verifier, token):
    with pytest.raises(InvalidTokenError):
        verifier.verify(token)


def test_unset_environment_refuses_everything(make_token, jwks):
    verifier = TokenVerifier(jwks, install_id=None, tenant="acme", app="test-app")
    with pytest.raises(InvalidTokenError):
        verifier.verify(make_token())


def test_unknown_kid_fetches_the_jwks_at_most_once_a_minute(jwks, make_token, signing_key):
    new_key = Ed25519PrivateKey.generate()
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
    fetched = {"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": "k2",
                         "x": b64url_encode(new_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))}]}
    calls = []

    def fetch(url):
        calls.append(url)
        return fetched if len(calls) > 1 else {"keys": []}

    verifier = TokenVerifier(jwks, "inst_123", "acme", "test-app", marina_url="http://platform", fetch=fetch)
    with pytest.raises(InvalidTokenError):
        verifier.verify(make_token(key=new_key, kid="k2"))  # fetched, key not there yet
    with pytest.raises(InvalidTokenError):
        verifier.verify(make_token(key=new_key, kid="k2"))  # within the minute: not fetched again
    assert calls == ["http://platform"]
    verifier._last_fetch -= 61
    assert verifier.verify(make_token(key=new_key, kid="k2"))["app"] == "test-app"
    assert len(calls) == 2
    assert verifier.verify(make_token())  # the old key still works


def test_sign_token_matches_the_platform_layout(signing_key):
    token = sign_token(signing_key, "k9", {"b": 1, "a": 2})
    header, claims, _ = token.split(".")
    assert b64url_decode(header) == b'{"alg":"EdDSA","kid":"k9","typ":"JWT"}'
    assert b64url_decode(claims) == b'{"a":2,"b":1}'
    assert "=" not in token
