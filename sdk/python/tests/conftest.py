import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(os.path.dirname(HERE), "src")
if SRC not in sys.path:
    sys.path.insert(0, SRC)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
FIXTURES = os.path.join(REPO, "conformance", "manifests")
DATA = os.path.join(HERE, "data")
MANIFEST = os.path.join(DATA, "marina.app.yaml")
MOCK_DIR = os.path.join(REPO, "conformance", "mock")  # shared with the TypeScript SDK's tests
MOCK = os.path.join(MOCK_DIR, "mock.json")


@pytest.fixture(scope="session")
def signing_key():
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.generate()


@pytest.fixture(scope="session")
def jwks(signing_key):
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    from marina_sdk.tokens import b64url_encode

    raw = signing_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return {"keys": [{"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": "k1", "x": b64url_encode(raw)}]}


@pytest.fixture()
def env(jwks):
    import json

    return {
        "MARINA_TENANT": "acme",
        "MARINA_APP": "test-app",
        "MARINA_VERSION": "1.2.0",
        "MARINA_INSTALL_ID": "inst_123",
        "MARINA_JWKS": json.dumps(jwks),
        "MARINA_URL": "",
        "MARINA_APP_TOKEN": "app-token",
    }


@pytest.fixture()
def make_token(signing_key):
    import time

    from marina_sdk.tokens import sign_token

    def make(key=None, kid="k1", **overrides):
        now = int(time.time())
        claims = {"iss": "http://127.0.0.1:7070", "sub": "marina", "aud": "inst_123", "tenant": "acme", "app": "test-app",
                  "version": "1.2.0", "iat": now, "exp": now + 60, "jti": "req_1", "typ": "invocation"}
        for name, value in overrides.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        return sign_token(key or signing_key, kid, claims)
    return make
