"""Extended grapheme clusters (UAX #29), which Swift calls ``Character``s.

The Swift reference asks some questions of Characters rather than code points: whether a string
holds a non-whitespace Character (a combining mark after a space belongs to the space), where
``${secret:`` and ``}`` occur (only at Character boundaries), and what ``\\d`` matches in a regular
expression (a Character whose first scalar is numeric). The segmentation below follows the UAX #29
rules with the property tables Python's ``unicodedata`` can supply plus small explicit lists.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import List

_CR, _LF, _CONTROL, _EXTEND, _ZWJ, _RI, _PREPEND, _SPACING, _L, _V, _T, _LV, _LVT, _OTHER = range(14)

_OTHER_GRAPHEME_EXTEND = frozenset([
    0x09BE, 0x09D7, 0x0B3E, 0x0B57, 0x0BBE, 0x0BD7, 0x0CC2, 0x0CD5, 0x0CD6, 0x0D3E, 0x0D57, 0x0DCF, 0x0DDF,
    0x1B35, 0x200C, 0x302E, 0x302F, 0xFF9E, 0xFF9F, 0x1133E, 0x11357, 0x114B0, 0x114BD, 0x115AF, 0x11930,
    0x1D165, 0x1D16E, 0x1D16F, 0x1D170, 0x1D171, 0x1D172,
])
_PREPENDS = frozenset([0x0600, 0x0601, 0x0602, 0x0603, 0x0604, 0x0605, 0x06DD, 0x070F, 0x0890, 0x0891, 0x08E2,
                       0x0D4E, 0x110BD, 0x110CD, 0x111C2, 0x111C3, 0x1193F, 0x11941, 0x11A3A, 0x11A84, 0x11A85,
                       0x11A86, 0x11A87, 0x11A88, 0x11A89, 0x11D46, 0x11F02])
_NOT_SPACING = frozenset([0x102B, 0x102C, 0x1038, 0x1062, 0x1063, 0x1064, 0x1067, 0x1068, 0x1069, 0x106A, 0x106B,
                          0x106C, 0x106D, 0x1083, 0x1087, 0x1088, 0x1089, 0x108A, 0x108B, 0x108C, 0x108F, 0x109A,
                          0x109B, 0x109C, 0x1A61, 0x1A63, 0x1A64, 0xAA7B, 0xAA7D, 0x11720, 0x11721])
_PICTOGRAPHIC_SINGLES = frozenset([0x00A9, 0x00AE, 0x203C, 0x2049, 0x2122, 0x2139, 0x2328, 0x23CF, 0x24C2, 0x25B6,
                                   0x25C0, 0x2934, 0x2935, 0x2B50, 0x2B55, 0x3030, 0x303D, 0x3297, 0x3299])


def _is_pictographic(cp: int) -> bool:
    return (cp in _PICTOGRAPHIC_SINGLES or 0x2194 <= cp <= 0x2199 or 0x21A9 <= cp <= 0x21AA or 0x231A <= cp <= 0x231B
            or 0x23E9 <= cp <= 0x23F3 or 0x23F8 <= cp <= 0x23FA or 0x25AA <= cp <= 0x25AB or 0x25FB <= cp <= 0x25FE
            or 0x2600 <= cp <= 0x27BF or 0x2B05 <= cp <= 0x2B07 or 0x2B1B <= cp <= 0x2B1C
            or (0x1F000 <= cp <= 0x1FAFF and not 0x1F1E6 <= cp <= 0x1F1FF and not 0x1F3FB <= cp <= 0x1F3FF)
            or 0x1FC00 <= cp <= 0x1FFFD)


@lru_cache(maxsize=4096)
def _category(c: str) -> int:
    cp = ord(c)
    if cp == 0x0D:
        return _CR
    if cp == 0x0A:
        return _LF
    if cp == 0x200D:
        return _ZWJ
    if cp in _PREPENDS:
        return _PREPEND
    if 0x1F1E6 <= cp <= 0x1F1FF:
        return _RI
    if 0x1100 <= cp <= 0x115F or 0xA960 <= cp <= 0xA97C:
        return _L
    if 0x1160 <= cp <= 0x11A7 or 0xD7B0 <= cp <= 0xD7C6:
        return _V
    if 0x11A8 <= cp <= 0x11FF or 0xD7CB <= cp <= 0xD7FB:
        return _T
    if 0xAC00 <= cp <= 0xD7A3:
        return _LV if (cp - 0xAC00) % 28 == 0 else _LVT
    general = unicodedata.category(c)
    if general in ("Mn", "Me") or cp in _OTHER_GRAPHEME_EXTEND or 0x1F3FB <= cp <= 0x1F3FF or 0xE0020 <= cp <= 0xE007F:
        return _EXTEND
    if general in ("Cc", "Zl", "Zp", "Cf", "Cs"):
        return _CONTROL
    if (general == "Mc" and cp not in _NOT_SPACING) or cp in (0x0E33, 0x0EB3):
        return _SPACING
    return _OTHER


def boundaries(s: str) -> List[int]:
    """Offsets (in code points) where a Character starts, plus ``len(s)``."""
    out = [0] if s else []
    cats = [_category(c) for c in s]
    ri_run = 0  # regional indicators in the current run
    pict_state = False  # ExtPict Extend* seen (for GB11), ending at the previous code point
    for i in range(1, len(s)):
        a, b = cats[i - 1], cats[i]
        prev_pict = _is_pictographic(ord(s[i - 1]))
        if prev_pict:
            pict_state = True
        elif a == _EXTEND and pict_state:
            pass
        elif a == _ZWJ and pict_state:
            pass
        else:
            pict_state = False
        ri_run = ri_run + 1 if a == _RI else 0
        if a == _CR and b == _LF:
            join = True
        elif a in (_CONTROL, _CR, _LF) or b in (_CONTROL, _CR, _LF):
            join = False
        elif a == _L and b in (_L, _V, _LV, _LVT):
            join = True
        elif a in (_LV, _V) and b in (_V, _T):
            join = True
        elif a in (_LVT, _T) and b == _T:
            join = True
        elif b in (_EXTEND, _ZWJ, _SPACING):
            join = True
        elif a == _PREPEND:
            join = True
        elif a == _ZWJ and pict_state and _is_pictographic(ord(s[i])) and _zwj_follows_pict(s, cats, i - 1):
            join = True
        elif a == _RI and b == _RI:
            join = ri_run % 2 == 1
        else:
            join = False
        if not join:
            out.append(i)
    out.append(len(s))
    return out


def _zwj_follows_pict(s: str, cats: List[int], zwj: int) -> bool:
    j = zwj - 1
    while j >= 0 and cats[j] == _EXTEND:
        j -= 1
    return j >= 0 and _is_pictographic(ord(s[j]))


def characters(s: str) -> List[str]:
    b = boundaries(s)
    return [s[b[k]:b[k + 1]] for k in range(len(b) - 1)]


def find_character_sequence(s: str, needle: str, start: int, bounds: set) -> int:
    """The first offset >= start where ``needle`` (ASCII characters) occurs as whole Characters, or -1."""
    i = s.find(needle, start)
    while i >= 0:
        if i in bounds and (i + len(needle)) in bounds:
            return i
        i = s.find(needle, i + 1)
    return -1
