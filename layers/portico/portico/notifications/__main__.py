"""Operator commands for notifications.

    python -m portico.notifications redrive --local build/local.json
    python -m portico.notifications redrive --stack portico [--region eu-west-1]

`redrive` moves every message of the notifications dead-letter queue back onto the
notifications queue (after the cause — an SES limit, a verified sender — is fixed) and
prints how many moved and the reasons they had been parked for.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import boto3


def _queues_local(state: Path) -> tuple[dict[str, str], dict[str, str]]:
    info = json.loads(state.read_text())
    env = {"AWS_REGION": info["region"], "AWS_ENDPOINT_URL": info["aws_endpoint"],
           "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    return info["queues"], env


def _queues_stack(stack: str, region: str | None) -> tuple[dict[str, str], dict[str, str]]:
    cfn: Any = boto3.session.Session(region_name=region).client("cloudformation")
    out: dict[str, str] = {}
    for page in cfn.get_paginator("list_stack_resources").paginate(StackName=stack):
        for r in page["StackResourceSummaries"]:
            if r["ResourceType"] == "AWS::SQS::Queue":
                out[r["LogicalResourceId"]] = r["PhysicalResourceId"]
    return out, {}


def redrive(sqs: Any, source: str, target: str) -> Counter[str]:
    """Move what the queue held when it started: a message that fails again and comes
    back is left for the next redrive, not moved in a loop."""
    reasons: Counter[str] = Counter()
    held = int(sqs.get_queue_attributes(QueueUrl=source, AttributeNames=[
        "ApproximateNumberOfMessages"])["Attributes"]["ApproximateNumberOfMessages"])
    seen: set[str] = set()
    while sum(reasons.values()) < held:
        got = sqs.receive_message(QueueUrl=source, MaxNumberOfMessages=10,
                                  MessageAttributeNames=["All"], WaitTimeSeconds=1)
        messages = got.get("Messages", [])
        if not messages:
            return reasons
        if all(m["MessageId"] in seen for m in messages):
            return reasons
        for m in messages:
            if m["MessageId"] in seen:
                continue
            seen.add(m["MessageId"])
            reason = ((m.get("MessageAttributes") or {}).get("reason") or {}).get(
                "StringValue", "retries used up")
            sqs.send_message(QueueUrl=target, MessageBody=m["Body"])
            sqs.delete_message(QueueUrl=source, ReceiptHandle=m["ReceiptHandle"])
            reasons[reason] += 1
    return reasons


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m portico.notifications")
    commands = parser.add_subparsers(dest="command", required=True)
    cmd = commands.add_parser("redrive", help="replay the notifications dead-letter queue")
    where = cmd.add_mutually_exclusive_group(required=True)
    where.add_argument("--local", type=Path, help="the local portal's build/local.json")
    where.add_argument("--stack", help="a deployed stack's name")
    cmd.add_argument("--region", default=None)
    args = parser.parse_args(argv)
    queues, env = (_queues_local(args.local) if args.local
                   else _queues_stack(args.stack, args.region))
    os.environ.update(env)
    sqs = boto3.client("sqs", region_name=env.get("AWS_REGION") or args.region,
                       endpoint_url=env.get("AWS_ENDPOINT_URL"))
    moved = redrive(sqs, queues["NotificationDeadLetterQueue"], queues["NotificationQueue"])
    print(f"Moved {sum(moved.values())} message(s) back to the notifications queue.")
    for reason, n in moved.most_common():
        print(f"  {n:>5}  {reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
