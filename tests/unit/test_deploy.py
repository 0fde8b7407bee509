"""Publishing the site to a deployed stack, against moto's CloudFormation, S3 and CloudFront."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from infra import deploy

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
                                  "userPoolId": "eu-west-1_pool", "clientId": "client-1"}}
    page = s3.get_object(Bucket="portico-site-test", Key="index.html")
    assert page["ContentType"] == "text/html; charset=utf-8"
    assert page["CacheControl"] == "no-cache"
    invalidations = aws.client("cloudfront").list_invalidations(DistributionId=dist)
    assert invalidations["InvalidationList"]["Quantity"] == 1
