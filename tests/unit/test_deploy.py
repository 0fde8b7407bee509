"""Publishing the site to a deployed stack, against moto's CloudFormation, S3 and CloudFront."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from infra import brand, deploy

REGION = "eu-west-1"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[boto3.session.Session]:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(k, "testing")
    with mock_aws():
        yield boto3.session.Session(region_name=REGION)


def make_stack(session: boto3.session.Session) -> str:
    dist: str = session.client("cloudfront").create_distribution(DistributionConfig={
        "CallerReference": "t", "Comment": "", "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{"Id": "site", "DomainName": "b.s3.amazonaws.com",
                                              "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "site", "ViewerProtocolPolicy": "allow-all",
                                 "MinTTL": 0, "ForwardedValues": {
                                     "QueryString": False, "Cookies": {"Forward": "none"}}},
    })["Distribution"]["Id"]
    template = {
        "Resources": {"SiteBucket": {"Type": "AWS::S3::Bucket",
                                     "Properties": {"BucketName": "portico-site-test"}}},
        "Outputs": {
            "ApiUrl": {"Value": "https://abc.execute-api.eu-west-1.amazonaws.com"},
            "SiteUrl": {"Value": "https://d111.cloudfront.net"},
            "SiteBucketName": {"Value": {"Ref": "SiteBucket"}},
            "SiteDistributionId": {"Value": dist},
            "UserPoolId": {"Value": "eu-west-1_pool"},
            "UserPoolClientId": {"Value": "client-1"},
        },
    }
    session.client("cloudformation").create_stack(StackName="portico",
                                                  TemplateBody=json.dumps(template))
    return dist


def test_publish_uploads_the_site_with_the_stacks_config(aws: boto3.session.Session) -> None:
    dist = make_stack(aws)
    s3 = aws.client("s3")
    s3.put_object(Bucket="portico-site-test", Key="old-page.html", Body=b"gone")

    assert deploy.publish(aws, "portico") == "https://d111.cloudfront.net"

    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="portico-site-test")["Contents"]}
    assert {"index.html", "fi/index.html", "404.html", "config.json",
            "static/js/shell.js", "static/site.css"} <= keys
    assert "old-page.html" not in keys
    config = json.loads(s3.get_object(Bucket="portico-site-test", Key="config.json")["Body"]
                        .read())
    assert config == {"apiUrl": "https://abc.execute-api.eu-west-1.amazonaws.com",
                      "region": REGION,
                      "cognito": {"endpoint": "https://cognito-idp.eu-west-1.amazonaws.com",
                                  "userPoolId": "eu-west-1_pool", "clientId": "client-1"},
                      # The operator's brand travels with the settings (infra/brand.py).
                      "brand": brand.load().for_pages()}
    assert "static/brand/logo.svg" in keys
    page = s3.get_object(Bucket="portico-site-test", Key="index.html")
    assert page["ContentType"] == "text/html; charset=utf-8"
    assert page["CacheControl"] == "no-cache"
    invalidations = aws.client("cloudfront").list_invalidations(DistributionId=dist)
    assert invalidations["InvalidationList"]["Quantity"] == 1


def make_dev_stack(session: boto3.session.Session, stage: str = "dev") -> dict[str, str]:
    """A stack like a deployed one: its site bucket, and data made outside it that its
    DeletionPolicy would keep (table, user pool, versioned buckets with files)."""
    s3 = session.client("s3")
    for name in ("dev-attachments", "dev-documents"):
        s3.create_bucket(Bucket=name,
                         CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        s3.put_object(Bucket=name, Key="cases/a/b/file.pdf", Body=b"1")
        s3.put_object(Bucket=name, Key="cases/a/b/file.pdf", Body=b"2")
        s3.delete_object(Bucket=name, Key="cases/a/b/file.pdf")
    session.client("dynamodb").create_table(
        TableName="dev-table", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}])
    pool = session.client("cognito-idp").create_user_pool(PoolName="dev-users")["UserPool"]
    outputs = {"SiteBucketName": {"Ref": "SiteBucket"}, "Stage": stage,
               "AttachmentsBucketName": "dev-attachments", "DocumentsBucketName": "dev-documents",
               "TableName": "dev-table", "UserPoolId": pool["Id"]}
    template = {
        "Resources": {"SiteBucket": {"Type": "AWS::S3::Bucket",
                                     "Properties": {"BucketName": "dev-site"}}},
        "Outputs": {k: {"Value": v} for k, v in outputs.items()},
    }
    session.client("cloudformation").create_stack(StackName="portico-dev",
                                                  TemplateBody=json.dumps(template))
    s3.put_object(Bucket="dev-site", Key="index.html", Body=b"<html>")
    return {k: v for k, v in outputs.items() if isinstance(v, str)}


def test_destroy_removes_a_dev_stack_and_the_data_it_keeps(aws: boto3.session.Session) -> None:
    made = make_dev_stack(aws)
    removed = deploy.destroy(aws, "portico-dev")
    assert removed == ["stack portico-dev", "bucket dev-attachments", "bucket dev-documents",
                       "table dev-table", f"user pool {made['UserPoolId']}"]
    buckets = {b["Name"] for b in aws.client("s3").list_buckets()["Buckets"]}
    assert not buckets & {"dev-attachments", "dev-documents", "dev-site"}
    assert "dev-table" not in aws.client("dynamodb").list_tables()["TableNames"]


def test_destroy_refuses_a_prod_stack(aws: boto3.session.Session) -> None:
    make_dev_stack(aws, stage="prod")
    with pytest.raises(SystemExit, match="prod"):
        deploy.destroy(aws, "portico-dev")
    assert "dev-table" in aws.client("dynamodb").list_tables()["TableNames"]


def test_a_bad_brand_stops_the_publish_before_anything_is_uploaded(
        aws: boto3.session.Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "brand.json"
    bad.write_text('{"name": {"en": "Acme"}}')
    monkeypatch.setenv("BRAND_FILE", str(bad))
    make_stack(aws)
    with pytest.raises(brand.BadBrand, match=r"name\.fi"):
        deploy.publish(aws, "portico")
    assert "Contents" not in aws.client("s3").list_objects_v2(Bucket="portico-site-test")
