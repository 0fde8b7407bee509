"""Operator commands, against a deployed stack (`--stack portico`, with AWS credentials in
the environment) or the local portal (`--local build/local.json`):

- `python -m portico.admin create-admin --email you@example.com` bootstraps the first
  admin: makes the operating organization's account if it is not there and invites the
  address as its admin. The invitation's link is printed (and e-mailed); opening it sets
  the admin's password.
- `python -m portico.admin migrate-list-keys` puts accounts and people written before
  staff's lists of them (`GET /accounts`, `GET /people`) into those lists, and prints how
  many it read and changed. Run again, it changes nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import ClientError

from portico import change, store
from portico.access import Owner
from portico.errors import PorticoError
from portico.events import SYSTEM
from portico.identity import directory, invitations, models
from portico.keys import account as account_key
from portico.keys import contact as contact_key

OPERATOR_ACCOUNT = "acc-operator"


def environment_from_stack(stack: str, region: str | None) -> dict[str, str]:
    session: Any = boto3.session.Session(region_name=region)
    described = session.client("cloudformation").describe_stacks(StackName=stack)["Stacks"][0]
    out = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
    return {"TABLE_NAME": out["TableName"], "EVENT_BUS_NAME": out["EventBusName"],
            "USER_POOL_ID": out["UserPoolId"], "USER_POOL_CLIENT_ID": out["UserPoolClientId"],
            "SITE_URL": out["SiteUrl"], "MAIL_FROM": out["MailFrom"],
            "AWS_REGION": session.region_name}


def environment_from_local(state: Path) -> dict[str, str]:
    info = json.loads(state.read_text())
    return {"TABLE_NAME": info["table"], "EVENT_BUS_NAME": info["bus"],
            "USER_POOL_ID": info["user_pool_id"], "USER_POOL_CLIENT_ID": info["client_id"],
            "SITE_URL": info["url"].rstrip("/"), "MAIL_FROM": info["mail_from"],
            "AWS_REGION": info["region"], "AWS_ENDPOINT_URL": info["aws_endpoint"],
            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


def create_admin(email: str, *, organization: str, language: str) -> models.Invitation:
    operator = store.get(account_key(OPERATOR_ACCOUNT), consistent=True)
    if operator is None:
        operator = directory.new_account(account_id=OPERATOR_ACCOUNT, number="A-0000",
                                         name=organization, kind="operator")
        directory.create_account(operator, actor=SYSTEM, request_id="portico.admin")
    new = models.NewInvitation(email=email, roles=["admin"], language=language)  # type: ignore[arg-type]
    invitation_id = uuid.uuid4().hex
    c = change.system("invitation", invitation_id, Owner(OPERATOR_ACCOUNT),
                      request_id="portico.admin")
    return invitations.issue(c, operator, new, invited_by=None, inviter=organization,
                             language=language)


def migrate_list_keys(*, request_id: str = "migrate-list-keys") -> tuple[int, int]:
    """Put accounts and people written before staff's lists of them into those lists:
    (records read, records changed)."""
    seen = changed = 0
    cursor: str | None = None
    while True:
        # Pages of 1,000: a scan reads that many items a call whatever the filter keeps.
        items, cursor = store.scan_page(types=["Account", "Contact"], cursor=cursor,
                                        limit=1000)
        for item in items:
            seen += 1
            changed += _list(item, request_id=request_id)
        if cursor is None:
            return seen, changed


def _list(item: dict[str, Any], *, request_id: str) -> bool:
    """Give one account or contact what its list reads; False if it had it."""
    record_id = str(item["id"])
    if item["type"] == "Account":
        wanted = directory.listed(record_id, str(item["number"]), str(item["name"]))
        c = change.system("account", record_id, Owner(record_id), request_id=request_id)
        key = account_key(record_id)
    else:
        wanted = {"search": directory.person_search(str(item.get("name") or ""),
                                                    str(item["email"]))}
        owner = Owner(str(item.get("primary_account_id") or ""), record_id)
        c = change.system("contact", record_id, owner, request_id=request_id)
        key = contact_key(record_id)
    moved = {k: v for k, v in wanted.items() if item.get(k) != v}
    if not moved:
        return False
    c.update(key, set_=moved, condition="attribute_exists(pk)")
    c.audit("migrate-keys", {k: {"before": item.get(k), "after": v} for k, v in moved.items()})
    if item["type"] == "Account":
        c.event("AccountKeysMigrated", {"number": item["number"]})
    else:
        c.event("ContactKeysMigrated", {"contact_id": record_id})
    c.commit()
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m portico.admin")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create-admin", help="invite the first (or another) admin")
    create.add_argument("--email", required=True)
    create.add_argument("--organization", default="Portico Support",
                        help="name of the operating organization's account, if new")
    create.add_argument("--language", choices=["en", "fi"], default="en")
    migrate = commands.add_parser("migrate-list-keys",
                                  help="put older accounts and people into staff's lists")
    for command in (create, migrate):
        where = command.add_mutually_exclusive_group(required=True)
        where.add_argument("--stack", help="a deployed stack's name")
        where.add_argument("--local", type=Path, help="the local portal's build/local.json")
        command.add_argument("--region", default=None)
    args = parser.parse_args(argv)

    env = (environment_from_stack(args.stack, args.region) if args.stack
           else environment_from_local(args.local))
    os.environ.update(env)
    if args.command == "migrate-list-keys":
        try:
            seen, changed = migrate_list_keys()
        except (PorticoError, ClientError) as e:
            print(f"migrate-list-keys stopped: {e}", file=sys.stderr)
            return 1
        print(f"Done: {seen} account(s) and contact(s) read, {changed} put into staff's "
              "lists.")
        return 0
    try:
        invitation = create_admin(args.email, organization=args.organization,
                                  language=args.language)
    except (PorticoError, ClientError) as e:  # the operator wants the reason, not a trace
        print(f"create-admin failed: {e}", file=sys.stderr)
        return 1
    print(f"Invited {invitation.email} as admin of the operating organization.")
    print(f"Open this link within {invitation.valid_until} to set the password:")
    print(f"  {invitation.link}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
