"""Publishes the site to a deployed stack: `python -m infra.deploy --stack portico`.

Reads the stack's outputs, builds the site with a `config.json` for that stack, uploads it
to the site bucket (removing what the new build no longer has) and invalidates CloudFront.
`--destroy` deletes a dev stack and the data its DeletionPolicy keeps (`make destroy`).
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import boto3

from infra import brand, site


def stack_outputs(cloudformation: Any, stack: str) -> dict[str, str]:
    described = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def site_config(outputs: dict[str, str], region: str) -> dict[str, Any]:
    return {
        "apiUrl": outputs["ApiUrl"],
        # Pages without it poll for their badges.
        **({"liveUrl": outputs["LiveUrl"]} if "LiveUrl" in outputs else {}),
        "region": region,
        "cognito": {
            "endpoint": f"https://cognito-idp.{region}.amazonaws.com",
            "userPoolId": outputs["UserPoolId"],
            "clientId": outputs["UserPoolClientId"],
        },
        "brand": brand.load().for_pages(),
    }


def upload(s3: Any, bucket: str, folder: Path) -> tuple[int, int]:
    """Upload every file of `folder`; delete objects it no longer has. (uploaded, deleted)"""
    keys = set()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        key = path.relative_to(folder).as_posix()
        keys.add(key)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type.endswith(("javascript", "json")):
            content_type += "; charset=utf-8"
        # Pages and settings change with every deploy; assets may be cached a little.
        cache = "no-cache" if key.endswith((".html", ".json")) else "public, max-age=300"
        s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes(),
                      ContentType=content_type, CacheControl=cache)
    stale = [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
             for o in page.get("Contents", []) if o["Key"] not in keys]
    for i in range(0, len(stale), 1000):
        s3.delete_objects(Bucket=bucket, Delete={
            "Objects": [{"Key": k} for k in stale[i:i + 1000]]})
    return len(keys), len(stale)


def publish(session: Any, stack: str) -> str:
    region = session.region_name
    outputs = stack_outputs(session.client("cloudformation"), stack)
    with tempfile.TemporaryDirectory() as tmp:
        folder = site.build(output=Path(tmp) / "site")
        (folder / "config.json").write_text(json.dumps(site_config(outputs, region), indent=2))
        uploaded, deleted = upload(session.client("s3"), outputs["SiteBucketName"], folder)
    session.client("cloudfront").create_invalidation(
        DistributionId=outputs["SiteDistributionId"],
        InvalidationBatch={"Paths": {"Quantity": 1, "Items": ["/*"]},
                           "CallerReference": f"portico-{time.time_ns()}"})
    print(f"site: {uploaded} files uploaded, {deleted} removed, cache invalidated",
          file=sys.stderr)
    return outputs["SiteUrl"]


def empty_bucket(s3: Any, bucket: str) -> int:
    """Delete every object version and delete marker of a bucket. How many went."""
    gone = 0
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        objects = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                   for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
        for i in range(0, len(objects), 1000):
            s3.delete_objects(Bucket=bucket, Delete={"Objects": objects[i:i + 1000]})
        gone += len(objects)
    return gone


def remove_data(session: Any, outputs: dict[str, str]) -> list[str]:
    """Delete what a deleted stack keeps (table, user pool, attachments and documents):
    a dev stack's data, never a prod one's. What was removed, by name."""
    s3 = session.client("s3")
    removed = []
    for name in (outputs.get("AttachmentsBucketName"), outputs.get("DocumentsBucketName")):
        if name:
            empty_bucket(s3, name)
            s3.delete_bucket(Bucket=name)
            removed.append(f"bucket {name}")
    if outputs.get("TableName"):
        session.client("dynamodb").delete_table(TableName=outputs["TableName"])
        removed.append(f"table {outputs['TableName']}")
    if outputs.get("UserPoolId"):
        session.client("cognito-idp").delete_user_pool(UserPoolId=outputs["UserPoolId"])
        removed.append(f"user pool {outputs['UserPoolId']}")
    return removed


def destroy(session: Any, stack: str) -> list[str]:
    """Delete a non-prod stack and the data it would keep. Refuses a prod stack: its data is
    deleted by hand, deliberately (README, "Deploy to AWS")."""
    cloudformation = session.client("cloudformation")
    outputs = stack_outputs(cloudformation, stack)
    if outputs.get("Stage", "prod") == "prod":
        raise SystemExit(f"{stack} is a prod stack: make destroy does not delete it.")
    # CloudFormation deletes only empty buckets; the site is rebuilt by every deploy.
    empty_bucket(session.client("s3"), outputs["SiteBucketName"])
    cloudformation.delete_stack(StackName=stack)
    cloudformation.get_waiter("stack_delete_complete").wait(StackName=stack)
    return [f"stack {stack}", *remove_data(session, outputs)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Publish the portal site to a stack, or "
                                                 "delete a dev stack with its data.")
    parser.add_argument("--stack", default="portico")
    parser.add_argument("--region", default=None)
    parser.add_argument("--destroy", action="store_true",
                        help="delete the (non-prod) stack and the data it keeps")
    args = parser.parse_args(argv)
    session = boto3.session.Session(region_name=args.region)
    if args.destroy:
        for what in destroy(session, args.stack):
            print(f"deleted {what}")
        return 0
    url = publish(session, args.stack)
    print(f"Portico is deployed at {url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
