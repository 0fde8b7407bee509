"""Creates the stack's AWS resources in moto, each from its properties in template.yaml.

Every resource type in the template is either made here or named in NOT_EMULATED with the
reason, so a new type in the template fails loudly until someone decides what it is locally.
"""

from __future__ import annotations

import json
import secrets
import string
from collections.abc import Callable
from typing import Any

from infra.template import Physical, Template

# Types the local cloud does not create, and why that is safe.
NOT_EMULATED: dict[str, str] = {
    "AWS::Serverless::LayerVersion": "the layer is installed in the virtual environment",
    "AWS::S3::BucketPolicy": "moto does not enforce bucket policies",
    "AWS::CloudFront::OriginAccessControl": "the local gateway serves the site itself",
    "AWS::CloudFront::ResponseHeadersPolicy": "the local gateway sends the same headers",
    "AWS::CloudFront::Function": "the local gateway serves directory indexes itself",
    "AWS::SNS::Topic": "alarm notifications have no local reader",
    "AWS::CloudWatch::Alarm": "moto raises no alarms",
    "AWS::KMS::Key": "only the alarm topic, which is not made locally, uses it",
    "AWS::KMS::Alias": "only the alarm topic, which is not made locally, uses it",
    "AWS::Lambda::Permission": "the local gateways invoke functions in-process; the WebSocket "
                               "gateway refuses to start if API Gateway's is missing",
}

# The WebSocket API's id here: the gateway serves it.
LOCAL_WEBSOCKET_API = "local-live"

# Made by the local cloud itself (functions, the gateway), not as moto resources.
LOCAL: frozenset[str] = frozenset({
    "AWS::Serverless::Function",
    "AWS::Serverless::HttpApi",
    "AWS::CloudFront::Distribution",
    "AWS::ApiGatewayV2::Api",
    "AWS::ApiGatewayV2::Stage",
    "AWS::ApiGatewayV2::Route",
    "AWS::ApiGatewayV2::RouteResponse",
    "AWS::ApiGatewayV2::Integration",
})


class Provisioner:
    def __init__(self, template: Template, client: Callable[[str], Any], *,
                 site_host: str) -> None:
        self.t = template
        self.client = client
        self.site_host = site_host
        self.makers: dict[str, Callable[[str, dict[str, Any]], Physical]] = {
            "AWS::Cognito::UserPool": self.user_pool,
            "AWS::Cognito::UserPoolClient": self.user_pool_client,
            "AWS::DynamoDB::Table": self.table,
            "AWS::S3::Bucket": self.bucket,
            "AWS::SQS::Queue": self.queue,
            "AWS::SQS::QueuePolicy": self.queue_policy,
            "AWS::Events::EventBus": self.event_bus,
            "AWS::Events::Rule": self.rule,
            "AWS::SES::EmailIdentity": self.mail_identity,
            "AWS::SecretsManager::Secret": self.secret,
            "AWS::Logs::LogGroup": self.log_group,
            "AWS::Serverless::Function": self.function,
            "AWS::Serverless::HttpApi": self.http_api,
            "AWS::CloudFront::Distribution": self.distribution,
            # The WebSocket API: served by the gateway (infra/live.py) from the template.
            "AWS::ApiGatewayV2::Api": self.websocket_api,
            "AWS::ApiGatewayV2::Stage": self.websocket_part,
            "AWS::ApiGatewayV2::Route": self.websocket_part,
            "AWS::ApiGatewayV2::RouteResponse": self.websocket_part,
            "AWS::ApiGatewayV2::Integration": self.websocket_part,
        }

    def arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.t.region}:{self.t.account_id}:{resource}"

    def provision(self) -> dict[str, Physical]:
        unknown = {r["Type"] for r in self.t.resources.values()} - set(self.makers) - set(
            NOT_EMULATED)
        if unknown:
            raise ValueError(f"the local cloud does not know {sorted(unknown)}: add it to "
                             "infra/provision.py or NOT_EMULATED")
        for lid, r in self.t.resources.items():
            if r["Type"] in NOT_EMULATED:
                # A Ref to it resolves to a marker; a GetAtt of it fails, naming it.
                self.t.physical[lid] = Physical(f"local:{lid}")
        wanted = {lid for lid, r in self.t.resources.items() if r["Type"] in self.makers
                  and self._wanted(r)}
        for lid in self.t.creation_order(wanted):
            res = self.t.resources[lid]
            props = ({} if res["Type"] == "AWS::CloudFront::Distribution"
                     else self.t.resolve(self.t.properties(lid)))
            self.t.physical[lid] = self.makers[res["Type"]](lid, props)
        return self.t.physical

    def _wanted(self, res: dict[str, Any]) -> bool:
        cond = res.get("Condition")
        return cond is None or self.t.condition(cond)

    def _name(self, lid: str) -> str:
        return f"{self.t.stack_name}-{lid}"

    # -- Cognito --------------------------------------------------------------------------
    def user_pool(self, lid: str, p: dict[str, Any]) -> Physical:
        args: dict[str, Any] = {"PoolName": p.get("UserPoolName", self._name(lid))}
        for key in ("Policies", "UsernameAttributes", "AutoVerifiedAttributes",
                    "MfaConfiguration", "AccountRecoverySetting", "AdminCreateUserConfig",
                    "Schema", "DeletionProtection", "UserPoolAddOns", "AliasAttributes"):
            if key in p:
                args[key] = p[key]
        pool = self.client("cognito-idp").create_user_pool(**args)["UserPool"]
        pid = pool["Id"]
        return Physical(pid, {
            "Arn": pool["Arn"],
            "ProviderName": f"cognito-idp.{self.t.region}.amazonaws.com/{pid}",
            "ProviderURL": f"https://cognito-idp.{self.t.region}.amazonaws.com/{pid}",
            "UserPoolId": pid,
        })

    def user_pool_client(self, lid: str, p: dict[str, Any]) -> Physical:
        args: dict[str, Any] = {"UserPoolId": p["UserPoolId"],
                                "ClientName": p.get("ClientName", self._name(lid))}
        for key in ("GenerateSecret", "ExplicitAuthFlows", "PreventUserExistenceErrors",
                    "EnableTokenRevocation", "AccessTokenValidity", "IdTokenValidity",
                    "RefreshTokenValidity", "TokenValidityUnits", "ReadAttributes",
                    "WriteAttributes", "CallbackURLs", "LogoutURLs", "AllowedOAuthFlows",
                    "AllowedOAuthScopes", "SupportedIdentityProviders"):
            if key in p:
                args[key] = p[key]
        c = self.client("cognito-idp").create_user_pool_client(**args)["UserPoolClient"]
        return Physical(c["ClientId"], {"ClientId": c["ClientId"]})

    # -- DynamoDB -------------------------------------------------------------------------
    def table(self, lid: str, p: dict[str, Any]) -> Physical:
        ddb = self.client("dynamodb")
        name = p.get("TableName", self._name(lid))
        args: dict[str, Any] = {
            "TableName": name,
            "AttributeDefinitions": p["AttributeDefinitions"],
            "KeySchema": p["KeySchema"],
            "BillingMode": p.get("BillingMode", "PROVISIONED"),
        }
        if "GlobalSecondaryIndexes" in p:
            args["GlobalSecondaryIndexes"] = p["GlobalSecondaryIndexes"]
        if "LocalSecondaryIndexes" in p:
            args["LocalSecondaryIndexes"] = p["LocalSecondaryIndexes"]
        if "ProvisionedThroughput" in p:
            args["ProvisionedThroughput"] = p["ProvisionedThroughput"]
        if "StreamSpecification" in p:
            args["StreamSpecification"] = {"StreamEnabled": True, **p["StreamSpecification"]}
        if "SSESpecification" in p:
            args["SSESpecification"] = {"Enabled": p["SSESpecification"]["SSEEnabled"]}
        table = ddb.create_table(**args)["TableDescription"]
        if "TimeToLiveSpecification" in p:
            ddb.update_time_to_live(TableName=name,
                                    TimeToLiveSpecification=p["TimeToLiveSpecification"])
        pitr = p.get("PointInTimeRecoverySpecification")
        if pitr:
            ddb.update_continuous_backups(TableName=name, PointInTimeRecoverySpecification={
                "PointInTimeRecoveryEnabled": pitr["PointInTimeRecoveryEnabled"]})
        attrs = {"Arn": table["TableArn"]}
        if "LatestStreamArn" in table:
            attrs["StreamArn"] = table["LatestStreamArn"]
        return Physical(name, attrs)

    # -- S3 -------------------------------------------------------------------------------
    def bucket(self, lid: str, p: dict[str, Any]) -> Physical:
        s3 = self.client("s3")
        name = p.get("BucketName", self._name(lid).lower())
        if self.t.region == "us-east-1":
            s3.create_bucket(Bucket=name)
        else:
            s3.create_bucket(Bucket=name, CreateBucketConfiguration={
                "LocationConstraint": self.t.region})
        if "VersioningConfiguration" in p:
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={
                "Status": p["VersioningConfiguration"]["Status"]})
        if "BucketEncryption" in p:
            s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": r["ServerSideEncryptionByDefault"]}
                          for r in p["BucketEncryption"]["ServerSideEncryptionConfiguration"]]})
        if "PublicAccessBlockConfiguration" in p:
            s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=p[
                "PublicAccessBlockConfiguration"])
        if "CorsConfiguration" in p:
            s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": [{
                "AllowedMethods": r["AllowedMethods"],
                "AllowedOrigins": r["AllowedOrigins"],
                **({"AllowedHeaders": r["AllowedHeaders"]} if "AllowedHeaders" in r else {}),
                **({"ExposeHeaders": r["ExposedHeaders"]} if "ExposedHeaders" in r else {}),
                **({"MaxAgeSeconds": r["MaxAge"]} if "MaxAge" in r else {}),
            } for r in p["CorsConfiguration"]["CorsRules"]]})
        if "LifecycleConfiguration" in p:
            s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={
                "Rules": [_lifecycle_rule(r) for r in p["LifecycleConfiguration"]["Rules"]]})
        domain = f"{name}.s3.{self.t.region}.amazonaws.com"
        return Physical(name, {"Arn": f"arn:aws:s3:::{name}", "DomainName": domain,
                               "RegionalDomainName": domain})

    # -- SQS ------------------------------------------------------------------------------
    def queue(self, lid: str, p: dict[str, Any]) -> Physical:
        name = p.get("QueueName", self._name(lid))
        attributes: dict[str, str] = {}
        for key in ("VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds",
                    "MaximumMessageSize", "ReceiveMessageWaitTimeSeconds",
                    "SqsManagedSseEnabled", "FifoQueue", "ContentBasedDeduplication"):
            if key in p:
                v = p[key]
                attributes[key] = str(v).lower() if isinstance(v, bool) else str(v)
        if "RedrivePolicy" in p:
            attributes["RedrivePolicy"] = json.dumps(p["RedrivePolicy"])
        url = self.client("sqs").create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        return Physical(url, {"Arn": self.arn("sqs", name), "QueueName": name, "QueueUrl": url})

    def queue_policy(self, lid: str, p: dict[str, Any]) -> Physical:
        for url in p["Queues"]:
            self.client("sqs").set_queue_attributes(
                QueueUrl=url, Attributes={"Policy": json.dumps(p["PolicyDocument"])})
        return Physical(self._name(lid))

    # -- EventBridge ----------------------------------------------------------------------
    def event_bus(self, lid: str, p: dict[str, Any]) -> Physical:
        name = p.get("Name", self._name(lid))
        arn = self.client("events").create_event_bus(Name=name)["EventBusArn"]
        return Physical(name, {"Arn": arn, "Name": name})

    def rule(self, lid: str, p: dict[str, Any]) -> Physical:
        events = self.client("events")
        name = p.get("Name", self._name(lid))
        args: dict[str, Any] = {"Name": name, "State": p.get("State", "ENABLED")}
        if "EventBusName" in p:
            args["EventBusName"] = p["EventBusName"]
        if "EventPattern" in p:
            pattern = p["EventPattern"]
            args["EventPattern"] = pattern if isinstance(pattern, str) else json.dumps(pattern)
        if "ScheduleExpression" in p:
            args["ScheduleExpression"] = p["ScheduleExpression"]
        if "Description" in p:
            args["Description"] = p["Description"]
        arn = events.put_rule(**args)["RuleArn"]
        targets = [{k: v for k, v in t.items() if k in (
            "Id", "Arn", "Input", "InputPath", "InputTransformer", "SqsParameters",
            "DeadLetterConfig", "RetryPolicy")} for t in p.get("Targets", [])]
        if targets:
            events.put_targets(Rule=name, EventBusName=args.get("EventBusName", "default"),
                               Targets=targets)
        return Physical(name, {"Arn": arn})

    # -- SES ------------------------------------------------------------------------------
    def mail_identity(self, lid: str, p: dict[str, Any]) -> Physical:
        # moto verifies at once; in AWS the address or domain owner confirms it.
        self.client("ses").verify_email_identity(EmailAddress=p["EmailIdentity"])
        return Physical(p["EmailIdentity"])

    # -- Secrets Manager ------------------------------------------------------------------
    def secret(self, lid: str, p: dict[str, Any]) -> Physical:
        name = p.get("Name", self._name(lid))
        value: str = p.get("SecretString", "")
        generate = p.get("GenerateSecretString")
        if generate:  # as Secrets Manager does: the template's JSON with one key generated
            length = int(generate.get("PasswordLength", 32))
            made = "".join(secrets.choice(string.ascii_letters + string.digits)
                           for _ in range(length))
            if "SecretStringTemplate" in generate:
                doc = json.loads(generate["SecretStringTemplate"])
                doc[generate["GenerateStringKey"]] = made
                value = json.dumps(doc)
            else:
                value = made
        arn = self.client("secretsmanager").create_secret(Name=name,
                                                          SecretString=value)["ARN"]
        return Physical(arn, {"Id": arn})

    # -- CloudWatch Logs ------------------------------------------------------------------
    def log_group(self, lid: str, p: dict[str, Any]) -> Physical:
        # Made so the API's access-log settings can name its ARN; nothing writes to it here.
        logs = self.client("logs")
        name = p.get("LogGroupName", self._name(lid))
        logs.create_log_group(logGroupName=name)
        if "RetentionInDays" in p:
            logs.put_retention_policy(logGroupName=name, retentionInDays=int(p["RetentionInDays"]))
        return Physical(name, {"Arn": self.arn("logs", f"log-group:{name}:*")})

    # -- made locally ---------------------------------------------------------------------
    def function(self, lid: str, p: dict[str, Any]) -> Physical:
        name = p.get("FunctionName", self._name(lid))
        return Physical(name, {"Arn": self.arn("lambda", f"function:{name}")})

    def http_api(self, lid: str, p: dict[str, Any]) -> Physical:
        return Physical("local", {"ApiEndpoint": f"http://{self.site_host}/api"})

    def websocket_api(self, lid: str, p: dict[str, Any]) -> Physical:
        # Refs build `https://{api}.execute-api.<region>.amazonaws.com/{stage}`; the local
        # cloud points that (LOCAL_WEBSOCKET_API) at the gateway.
        return Physical(LOCAL_WEBSOCKET_API, {
            "ApiId": LOCAL_WEBSOCKET_API,
            "ApiEndpoint": f"wss://{LOCAL_WEBSOCKET_API}.execute-api.{self.t.region}."
                           "amazonaws.com"})

    def websocket_part(self, lid: str, p: dict[str, Any]) -> Physical:
        # A stage's Ref is its name; routes, integrations and responses are read from the
        # template by the gateway.
        return Physical(str(p.get("StageName", lid)))

    def distribution(self, lid: str, p: dict[str, Any]) -> Physical:
        # The gateway serves the site; its host stands in for the distribution's domain so
        # CORS rules that name the site's origin name the local one.
        return Physical("local", {"DomainName": self.site_host, "Id": "local"})


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"ID": rule.get("Id", "rule"), "Status": rule["Status"],
                           "Filter": {"Prefix": rule.get("Prefix", "")}}
    if "NoncurrentVersionExpiration" in rule:
        out["NoncurrentVersionExpiration"] = rule["NoncurrentVersionExpiration"]
    if "ExpirationInDays" in rule:
        out["Expiration"] = {"Days": rule["ExpirationInDays"]}
    if "AbortIncompleteMultipartUpload" in rule:
        out["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": rule[
            "AbortIncompleteMultipartUpload"]["DaysAfterInitiation"]}
    return out
