#!/usr/bin/env python3
"""Writes the bundle target's seed inputs (Fuzz/corpus/bundle): small archives of every kind the
reader knows (ustar, pax, GNU long names; files, directories, symbolic and hard links), some
accepted and some refused. Each input is a selector byte and a body (Fuzz/Checks/BundleCheck.swift):
selector % 3 is 0 for a gzip file, 1 for a tar archive, 2 for a tar archive whose checksums are
recomputed; selector // 3 picks the chunk size the tar parser is also fed in. Deterministic: the
same files every time (mtime 0, no owner names)."""
import gzip
import io
import os
import tarfile

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bundle")
MANIFEST = b"apiVersion: marina/v1\napp:\n  id: hello-app\n  name: Hello\n  version: 1.0.0\n"
tarfile.RECORDSIZE = 512  # no padding beyond the two end blocks


def member(name, kind=tarfile.REGTYPE, data=b"", mode=0o644, link=""):
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.linkname, info.size = kind, mode, link, len(data)
    info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "", ""
    return info, (io.BytesIO(data) if kind == tarfile.REGTYPE else None)


def archive(members, fmt=tarfile.USTAR_FORMAT):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=fmt) as tar:
        for info, data in members:
            tar.addfile(info, data)
    return buffer.getvalue()


def write(name, selector, body):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(bytes([selector]) + body)


os.makedirs(OUT, exist_ok=True)
minimal = archive([member("marina.app.yaml", data=MANIFEST), member("app.py", data=b"print('hi')\n", mode=0o755)])
tree = archive([
    member("marina.app.yaml", data=MANIFEST),
    member("src", tarfile.DIRTYPE, mode=0o755),
    member("src/main.py", data=b"import lib\n", mode=0o755),
    member("src/lib.py", data=b"X = 1\n"),
    member("src/link", tarfile.SYMTYPE, link="lib.py", mode=0o777),
    member("src/up", tarfile.SYMTYPE, link="../marina.app.yaml", mode=0o777),
    member("copy.py", tarfile.LNKTYPE, link="src/lib.py"),
    member("./dot/./slash//name", data=b"x"),
])
long_name = "deep/" + "d" * 120 + "/file.txt"
pax = archive([
    member(long_name, data=b"long"),
    member("deep/link", tarfile.SYMTYPE, link="d" * 120 + "/file.txt", mode=0o777),
    member("marina.app.json", data=b'{"apiVersion":"marina/v1","app":{"id":"hello-app","name":"Hello","version":"1.0.0"}}'),
], fmt=tarfile.PAX_FORMAT)
gnu = archive([member(long_name, data=b"long"), member("g/" + "l" * 110, tarfile.SYMTYPE, link="../" + long_name, mode=0o777)], fmt=tarfile.GNU_FORMAT)
empty = archive([])

write("minimal.tar.gz", 0, gzip.compress(minimal, mtime=0))
write("tree.tar.gz", 3, gzip.compress(tree, mtime=0))
write("minimal.tar", 1, minimal)
write("tree.tar", 4, tree)
write("tree-checksummed.tar", 2, tree)
write("pax.tar", 7, pax)
write("gnu.tar", 10, gnu)
write("empty.tar", 13, empty)
# Refused: each class of hostile member once.
write("refused-dotdot.tar", 16, archive([member("a/../../evil", data=b"x")]))
write("refused-absolute.tar", 19, archive([member("/etc/evil", data=b"x")]))
write("refused-link-out.tar", 22, archive([member("out", tarfile.SYMTYPE, link="../../etc", mode=0o777)]))
write("refused-beneath-link.tar", 1, archive([member("d", tarfile.SYMTYPE, link=".", mode=0o777), member("d/f", data=b"x")]))
write("refused-device.tar", 4, archive([member("dev", tarfile.CHRTYPE)]))
write("refused-twice.tar", 7, archive([member("a", data=b"1"), member("a", data=b"2")]))
write("refused-hardlink-missing.tar", 10, archive([member("h", tarfile.LNKTYPE, link="nothing")]))
