"""Ed25519 signature verification (RFC 8032, section 5.1.7) with Python's standard library only.

Verification only: there is no signing and no private key in this file. The arithmetic is plain
Python integers and is NOT constant-time, which is fine here because everything it handles (the
public key, the message, the signature) is public. Do not reuse it for signing.

Points are kept in extended homogeneous coordinates (X, Y, Z, T) with x = X/Z, y = Y/Z and
x * y = T/Z, as in RFC 8032, section 5.1.4.
"""
import hashlib

P = 2**255 - 19                                               # the field prime
L = 2**252 + 27742317777372353535851937790883648493           # the order of the base point
D = -121665 * pow(121666, P - 2, P) % P                       # the curve constant d
SQRT_M1 = pow(2, (P - 1) // 4, P)                             # a square root of -1 mod P
IDENTITY = (0, 1, 1, 0)


def _recover_x(y, sign):
    """The x coordinate for y with the given low bit, or None (RFC 8032, section 5.1.3)."""
    if y >= P:
        return None
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P != 0:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P != 0:
        return None                                           # not on the curve
    if x & 1 != sign:
        x = P - x
    return x


def _add(p, q):
    """Point addition (complete for Ed25519; also used for doubling)."""
    x1, y1, z1, t1 = p
    x2, y2, z2, t2 = q
    a = (y1 - x1) * (y2 - x2) % P
    b = (y1 + x1) * (y2 + x2) % P
    c = 2 * t1 * t2 * D % P
    d = 2 * z1 * z2 % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _multiply(scalar, point):
    """scalar * point, by double-and-add."""
    result = IDENTITY
    while scalar > 0:
        if scalar & 1:
            result = _add(result, point)
        point = _add(point, point)
        scalar >>= 1
    return result


def _equal(p, q):
    """Whether two points in projective coordinates are the same point."""
    x1, y1, z1, _ = p
    x2, y2, z2, _ = q
    return (x1 * z2 - x2 * z1) % P == 0 and (y1 * z2 - y2 * z1) % P == 0


def _decode_point(data):
    """A point from its 32-byte encoding (y, little-endian, with the sign of x in the top bit)."""
    if len(data) != 32:
        return None
    n = int.from_bytes(data, "little")
    y = n & ((1 << 255) - 1)
    x = _recover_x(y, n >> 255)
    if x is None:
        return None
    return (x, y, 1, x * y % P)


_BASE_Y = 4 * pow(5, P - 2, P) % P
BASE = (_recover_x(_BASE_Y, 0), _BASE_Y, 1, _recover_x(_BASE_Y, 0) * _BASE_Y % P)


def verify(public_key, message, signature):
    """True when `signature` (64 bytes) is a valid Ed25519 signature of `message` by `public_key`
    (32 bytes); False for anything else, including malformed keys and signatures."""
    if not isinstance(public_key, bytes) or not isinstance(signature, bytes):
        return False
    if len(public_key) != 32 or len(signature) != 64:
        return False
    a = _decode_point(public_key)
    r = _decode_point(signature[:32])
    if a is None or r is None:
        return False
    s = int.from_bytes(signature[32:], "little")
    if s >= L:                                                # RFC 8032: reject non-canonical S
        return False
    k = int.from_bytes(hashlib.sha512(signature[:32] + public_key + message).digest(), "little") % L
    # [S]B = R + [k]A
    return _equal(_multiply(s, BASE), _add(r, _multiply(k, a)))
