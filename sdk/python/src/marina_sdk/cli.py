"""Command line: ``python3 -m marina_sdk check FILE...`` prints one JSON line per file."""
from __future__ import annotations

import argparse
import json
import sys
from typing import List, Optional

from .manifest import DEFAULT_CATALOG, ScopeCatalogError, load_file


def check_line(path: str, catalog=DEFAULT_CATALOG) -> dict:
    try:
        report = load_file(path, catalog)
    except OSError as error:
        return {"file": path, "valid": False, "format": None,
                "errors": [{"code": "unreadable", "path": "", "message": str(error)}], "hash": None, "notes": []}
    return {"file": path, "valid": report.valid, "format": report.format,
            "errors": [{"code": d.code, "path": d.path, "message": d.message} for d in report.diagnostics],
            "hash": report.hash, "notes": [n.to_json() for n in report.notes]}


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m marina_sdk", description="Marina Python SDK tools.")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="validate manifests; one JSON line per file")
    check.add_argument("files", nargs="+", metavar="FILE")
    check.add_argument("--scopes", metavar="FILE", help="an operator's scope catalog file extending the default one")
    args = parser.parse_args(argv)

    catalog = DEFAULT_CATALOG
    if args.scopes:
        try:
            with open(args.scopes, "rb") as f:
                catalog = DEFAULT_CATALOG.extended(f.read(), args.scopes)
        except (OSError, ScopeCatalogError) as error:
            print(f"marina_sdk: {args.scopes} is not a usable scope catalog: {error}", file=sys.stderr)
            return 2
    status = 0
    for path in args.files:
        line = check_line(path, catalog)
        sys.stdout.write(json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n")
        if line["errors"] and line["errors"][0]["code"] == "unreadable":
            status = max(status, 2)
        elif not line["valid"]:
            status = max(status, 1)
    sys.stdout.flush()
    return status
