"""Operator commands for cases.

    python -m portico.cases migrate-keys --local build/local.json [--start CURSOR] [--pages N]
    python -m portico.cases migrate-keys --stack portico [--region eu-west-1] ...

    python -m portico.cases reindex --local build/local.json | --stack portico

`migrate-keys` rekeys cases written before case lists were keyed by status class. It reads
the table a page at a time and prints, after each page, how many cases it has seen and
changed and the cursor to start from if it is stopped; run again, it changes nothing.

`reindex` puts every case into the case search index (cases written before it existed, or
after its bucket objects were lost), a page at a time; running it again only repeats the
same documents.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from botocore.exceptions import ClientError

from portico.admin import environment_from_local, environment_from_stack
from portico.cases.migrate import migrate_keys
from portico.errors import PorticoError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m portico.cases")
    commands = parser.add_subparsers(dest="command", required=True)
    cmd = commands.add_parser("migrate-keys", help="rekey case lists by status class")
    where = cmd.add_mutually_exclusive_group(required=True)
    where.add_argument("--local", type=Path, help="the local portal's build/local.json")
    where.add_argument("--stack", help="a deployed stack's name")
    cmd.add_argument("--region", default=None)
    cmd.add_argument("--start", default=None, help="a cursor a stopped run printed")
    cmd.add_argument("--pages", type=int, default=None, help="stop after this many pages")
    again = commands.add_parser("reindex", help="put every case into the search index")
    where = again.add_mutually_exclusive_group(required=True)
    where.add_argument("--local", type=Path, help="the local portal's build/local.json")
    where.add_argument("--stack", help="a deployed stack's name")
    again.add_argument("--region", default=None)
    args = parser.parse_args(argv)
    os.environ.update(environment_from_stack(args.stack, args.region) if args.stack
                      else environment_from_local(args.local))
    if args.command == "reindex":
        return _reindex()

    def progress(seen: int, changed: int, cursor: str | None) -> None:
        print(f"seen {seen}, changed {changed}, next {cursor or '-'}", flush=True)

    try:
        done = migrate_keys(start=args.start, pages=args.pages, progress=progress)
    except (PorticoError, ClientError) as e:
        print(f"migrate-keys stopped: {e}", file=sys.stderr)
        return 1
    print(f"Done: {done.seen} case(s) read, {done.changed} rekeyed."
          if done.cursor is None else f"Stopped; go on with --start {done.cursor}")
    return 0


def _reindex() -> int:
    from portico.cases import index

    def progress(done: int, cursor: str | None) -> None:
        print(f"indexed {done}", flush=True)

    try:
        done = index.rebuild(request_id="reindex", progress=progress)
    except (PorticoError, ClientError) as e:
        print(f"reindex stopped: {e}", file=sys.stderr)
        return 1
    print(f"Done: {done['cases']} case(s) in the search index.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
