"""Publishes the site to a deployed stack: `python -m infra.deploy --stack portico`.

Reads the stack's outputs, builds the site with a `config.json` for that stack, uploads it
to the site bucket (removing what the new build no longer has) and invalidates CloudFront.
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

from infra import site


def stack_outputs(cloudformation: Any, stack: str) -> dict[str, str]:
    described = cloudformation.describe_stacks(StackName=stack)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def site_config(outputs: dict[str, str], region: str) -> dict[str, Any]:
    return {
        "apiUrl": outputs["ApiUrl"],
        "region": region,
        "cognito": {
            "endpoint": f"https://cognito-idp.{region}.amazonaws.com",
            "userPoolId": outputs["UserPoolId"],
            "clientId": outputs["UserPoolClientId"],
        },
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Publish the portal site to a stack.")
    parser.add_argument("--stack", default="portico")
    parser.add_argument("--region", default=None)
    args = parser.parse_args(argv)
    url = publish(boto3.session.Session(region_name=args.region), args.stack)
    print(f"Portico is deployed at {url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
