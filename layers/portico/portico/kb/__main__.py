"""Operator command: `python -m portico.kb import FILE [--publish]` against a deployed stack
(`--stack portico`, AWS credentials in the environment) or the local portal (`--local
build/local.json`). The same import as `POST /kb/import`, without the request size limit:
the file is read in parts of at most 5 MB."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from botocore.exceptions import ClientError

from portico import change
from portico.admin import environment_from_local, environment_from_stack
from portico.errors import PorticoError
from portico.kb import articles, imports


def parts(path: Path) -> list[str]:
    """The file's lines in parts no bigger than an API call's body."""
    out: list[str] = []
    current: list[str] = []
    size = 0
    with path.open(encoding="utf-8") as f:
        for line in f:
            if size + len(line.encode()) > imports.MAX_BYTES and current:
                out.append("".join(current))
                current, size = [], 0
            current.append(line)
            size += len(line.encode())
    if current:
        out.append("".join(current))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m portico.kb")
    commands = parser.add_subparsers(dest="command", required=True)
    load = commands.add_parser("import", help="import articles from an NDJSON file")
    load.add_argument("file", type=Path)
    load.add_argument("--publish", action="store_true", help="publish them as well")
    where = load.add_mutually_exclusive_group(required=True)
    where.add_argument("--stack", help="a deployed stack's name")
    where.add_argument("--local", type=Path, help="the local portal's build/local.json")
    load.add_argument("--region", default=None)
    args = parser.parse_args(argv)

    os.environ.update(environment_from_stack(args.stack, args.region) if args.stack
                      else environment_from_local(args.local))
    author = imports.Author(id="portico.kb", name="Import")
    total = imports.Imported(articles=0, created=0, updated=0, published=args.publish)
    try:
        for text in parts(args.file):
            done = imports.run(text, publish=args.publish, author=author,
                               begin=lambda change_id: change.system(
                                   "publication", change_id, articles.OWNER,
                                   request_id="portico.kb"))
            total = imports.Imported(articles=total.articles + done.articles,
                                     created=total.created + done.created,
                                     updated=total.updated + done.updated,
                                     published=args.publish)
    except (PorticoError, ClientError) as e:  # the operator wants the reason, not a trace
        details = getattr(e, "details", None)
        print(f"import failed: {e}" + (f" {details}" if details else ""), file=sys.stderr)
        return 1
    print(f"imported {total.articles} articles ({total.created} new, {total.updated} "
          f"updated){', published' if args.publish else ', as drafts'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
