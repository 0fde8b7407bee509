"""Every resource the local cloud makes from template.yaml has the template's properties, so
the laptop and AWS cannot drift apart unnoticed."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.local import LocalCloud
from infra.provision import LOCAL, NOT_EMULATED, Provisioner


def resources(cloud: LocalCloud, type_name: str) -> dict[str, dict[str, Any]]:
    found = {lid: cloud.template.resolve(cloud.template.properties(lid))
             for lid in cloud.template.of_type(type_name)}
    assert found, f"the template has no {type_name}"
    return found


def test_every_type_in_the_template_is_made_or_knowingly_left_out(cloud: LocalCloud) -> None:
    made = set(Provisioner(cloud.template, cloud.client, site_host="x").makers)
    types = {r["Type"] for r in cloud.template.resources.values()}
    assert types <= made | set(NOT_EMULATED)
    assert not set(NOT_EMULATED) & made
    assert made >= LOCAL


def test_table_matches_the_template(cloud: LocalCloud) -> None:
    ddb = cloud.client("dynamodb")
    for lid, p in resources(cloud, "AWS::DynamoDB::Table").items():
        t = ddb.describe_table(TableName=cloud.resource(lid))["Table"]
        assert t["TableName"] == p["TableName"]
        assert sorted(t["KeySchema"], key=str) == sorted(p["KeySchema"], key=str)
        assert sorted(t["AttributeDefinitions"], key=str) == sorted(
            p["AttributeDefinitions"], key=str)
        assert t["BillingModeSummary"]["BillingMode"] == p["BillingMode"]
        assert {g["IndexName"]: (g["KeySchema"], g["Projection"])
                for g in t.get("GlobalSecondaryIndexes", [])} == {
            g["IndexName"]: (g["KeySchema"], g["Projection"]) for g in p["GlobalSecondaryIndexes"]}
        assert t["StreamSpecification"] == {
            "StreamEnabled": True, "StreamViewType": p["StreamSpecification"]["StreamViewType"]}
        assert t["LatestStreamArn"] == cloud.attr(lid, "StreamArn")
        ttl = ddb.describe_time_to_live(TableName=t["TableName"])["TimeToLiveDescription"]
        assert ttl == {"TimeToLiveStatus": "ENABLED",
                       "AttributeName": p["TimeToLiveSpecification"]["AttributeName"]}
        pitr = ddb.describe_continuous_backups(TableName=t["TableName"])[
            "ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
        assert pitr["PointInTimeRecoveryStatus"] == "ENABLED"


def test_buckets_match_the_template(cloud: LocalCloud) -> None:
    s3 = cloud.client("s3")
    for lid, p in resources(cloud, "AWS::S3::Bucket").items():
        name = cloud.resource(lid)
        assert name == p["BucketName"]
        versioning = s3.get_bucket_versioning(Bucket=name).get("Status")
        assert versioning == (p.get("VersioningConfiguration") or {}).get("Status")
        rules = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"][
            "Rules"]
        assert [r["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] for r in rules] == [
            r["ServerSideEncryptionByDefault"]["SSEAlgorithm"]
            for r in p["BucketEncryption"]["ServerSideEncryptionConfiguration"]]
        block = s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"]
        assert block == p["PublicAccessBlockConfiguration"]
        if "CorsConfiguration" in p:
            cors = s3.get_bucket_cors(Bucket=name)["CORSRules"]
            want = p["CorsConfiguration"]["CorsRules"]
            assert [(c["AllowedMethods"], c["AllowedOrigins"]) for c in cors] == [
                (w["AllowedMethods"], w["AllowedOrigins"]) for w in want]
            assert cors[0]["AllowedOrigins"] == [f"https://{cloud.host}:{cloud.port}"]


def test_queues_match_the_template(cloud: LocalCloud) -> None:
    sqs = cloud.client("sqs")
    for lid, p in resources(cloud, "AWS::SQS::Queue").items():
        attrs = sqs.get_queue_attributes(QueueUrl=cloud.resource(lid),
                                         AttributeNames=["All"])["Attributes"]
        assert attrs["QueueArn"] == cloud.attr(lid, "Arn")
        for key in ("VisibilityTimeout", "MessageRetentionPeriod"):
            if key in p:
                assert attrs[key] == str(p[key]), (lid, key)
        if "RedrivePolicy" in p:
            redrive = json.loads(attrs["RedrivePolicy"])
            assert redrive["deadLetterTargetArn"] == p["RedrivePolicy"]["deadLetterTargetArn"]
            assert int(redrive["maxReceiveCount"]) == p["RedrivePolicy"]["maxReceiveCount"]


def test_every_consumed_queue_has_a_dead_letter_queue(cloud: LocalCloud) -> None:
    queues = resources(cloud, "AWS::SQS::Queue")
    dlqs = {p["RedrivePolicy"]["deadLetterTargetArn"] for p in queues.values()
            if "RedrivePolicy" in p}
    for lid, p in queues.items():
        arn = cloud.attr(lid, "Arn")
        is_dead_letter_queue = arn in dlqs or lid.endswith("DeadLetterQueue")
        assert is_dead_letter_queue or "RedrivePolicy" in p, f"{lid} has no DLQ"


def test_bus_and_rules_match_the_template(cloud: LocalCloud) -> None:
    events = cloud.client("events")
    for lid, p in resources(cloud, "AWS::Events::EventBus").items():
        assert events.describe_event_bus(Name=cloud.resource(lid))["Name"] == p["Name"]
    for lid, p in resources(cloud, "AWS::Events::Rule").items():
        rule = events.describe_rule(Name=cloud.resource(lid), EventBusName=p["EventBusName"])
        assert json.loads(rule["EventPattern"]) == p["EventPattern"]
        assert rule["State"] == "ENABLED"
        targets = events.list_targets_by_rule(Rule=cloud.resource(lid),
                                              EventBusName=p["EventBusName"])["Targets"]
        assert [(t["Id"], t["Arn"]) for t in targets] == [
            (t["Id"], t["Arn"]) for t in p["Targets"]]


def test_user_pool_and_client_match_the_template(cloud: LocalCloud) -> None:
    idp = cloud.client("cognito-idp")
    (lid, p), = resources(cloud, "AWS::Cognito::UserPool").items()
    pool = idp.describe_user_pool(UserPoolId=cloud.resource(lid))["UserPool"]
    assert pool["Name"] == p["UserPoolName"]
    assert pool["UsernameAttributes"] == p["UsernameAttributes"]
    assert pool["Policies"]["PasswordPolicy"] == p["Policies"]["PasswordPolicy"]
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is True
    (clid, cp), = resources(cloud, "AWS::Cognito::UserPoolClient").items()
    client = idp.describe_user_pool_client(UserPoolId=cloud.resource(lid),
                                           ClientId=cloud.resource(clid))["UserPoolClient"]
    assert "ClientSecret" not in client
    assert cp["GenerateSecret"] is False
    assert sorted(client["ExplicitAuthFlows"]) == sorted(cp["ExplicitAuthFlows"])
    assert "ALLOW_USER_PASSWORD_AUTH" in client["ExplicitAuthFlows"]
    assert "ALLOW_REFRESH_TOKEN_AUTH" in client["ExplicitAuthFlows"]


@pytest.mark.parametrize(
    "weak", ["short1!A", "alllowercase-123!", "NoNumbersHere!!", "NoSymbols12345"])
def test_weak_passwords_are_refused_by_the_pool(cloud: LocalCloud, weak: str) -> None:
    idp = cloud.client("cognito-idp")
    pool = cloud.resource("UserPool")
    email = "weak@example.com"
    idp.admin_create_user(UserPoolId=pool, Username=email, MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": email}])
    try:
        with pytest.raises(idp.exceptions.InvalidPasswordException):
            idp.admin_set_user_password(UserPoolId=pool, Username=email, Password=weak,
                                        Permanent=True)
    finally:
        idp.admin_delete_user(UserPoolId=pool, Username=email)


def test_functions_get_the_template_environment(cloud: LocalCloud) -> None:
    for fn in cloud.functions.values():
        assert fn.env["TABLE_NAME"] == cloud.resource("Table")
        assert fn.env["EVENT_BUS_NAME"] == cloud.resource("EventBus")
        assert fn.env["USER_POOL_CLIENT_ID"] == cloud.resource("UserPoolClient")
        assert fn.env["POWERTOOLS_SERVICE_NAME"] == fn.logical_id.removesuffix(
            "Function").lower()
