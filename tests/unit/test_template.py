"""template.yaml read as the local cloud reads it, and checks cfn-lint does not make."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from infra.functions import Function
from infra.local import ROOT
from infra.template import Physical, Template, load

HTTP_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"}
RUNTIMES = {"python3.12", "python3.13"}


@pytest.fixture(scope="module")
def template() -> Template:
    return Template(ROOT / "template.yaml", stack_name="portico-test", region="eu-west-1",
                    account_id="123456789012")


def test_short_tags_become_intrinsic_functions(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("A: !Ref X\nB: !GetAtt Q.Arn\nC: !Sub '${AWS::StackName}-x'\n"
                    "D: !If [Cond, [1], !Ref AWS::NoValue]\n")
    assert load(path) == {"A": {"Ref": "X"}, "B": {"Fn::GetAtt": ["Q", "Arn"]},
                          "C": {"Fn::Sub": "${AWS::StackName}-x"},
                          "D": {"Fn::If": ["Cond", [1], {"Ref": "AWS::NoValue"}]}}


def test_intrinsics_resolve_against_what_was_made(template: Template) -> None:
    template.physical["Queue"] = Physical("https://q", {"Arn": "arn:aws:sqs:eu-west-1:1:q"})
    try:
        assert template.resolve({"Fn::Sub": "${AWS::StackName}-${Queue.Arn}/${Queue}"}) == (
            "portico-test-arn:aws:sqs:eu-west-1:1:q/https://q")
        assert template.resolve({"Fn::GetAtt": ["Queue", "Arn"]}) == "arn:aws:sqs:eu-west-1:1:q"
        assert template.resolve([{"Ref": "AWS::NoValue"}, 1]) == [1]
        assert template.resolve({"Fn::If": ["HasAlarmEmail", "yes", "no"]}) == "no"
        with pytest.raises(KeyError, match="Missing"):
            template.resolve({"Ref": "Missing"})
    finally:
        del template.physical["Queue"]


def test_creation_order_puts_references_first(template: Template) -> None:
    order = template.creation_order(set(template.resources))
    for lid in order:
        for dep in template.dependencies(lid):
            assert order.index(dep) < order.index(lid), f"{dep} must come before {lid}"


def test_functions_use_a_real_runtime_and_the_layer(template: Template) -> None:
    for lid in template.of_type("AWS::Serverless::Function"):
        props = template.properties(lid)
        assert props["Runtime"] in RUNTIMES
        assert {"Ref": "PorticoLayer"} in props["Layers"]
        assert props["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]


def _shape(path: str) -> str:
    return re.sub(r"[{<][^}>]+[}>]", "{}", path)


def test_every_route_reaches_a_handler_that_serves_it(template: Template) -> None:
    routes = template.routes()
    assert {(r.method, r.path) for r in routes} >= {("GET", "/health"), ("GET", "/me")}
    for route in routes:
        assert route.method in HTTP_METHODS
        assert route.path.startswith("/")
        props = template.properties(route.function)
        fn = Function(route.function, route.function, "arn", ROOT / props["CodeUri"],
                      props["Handler"], {"POWERTOOLS_SERVICE_NAME": "test"}, 3, 128, {})
        with fn.environment():
            module = fn._load()
        app = module.app
        served = {(r.method, _shape(r.path)) for r in app._static_routes + app._dynamic_routes}
        assert (route.method, _shape(route.path)) in served, route.route_key


def test_only_the_declared_routes_are_public(template: Template) -> None:
    public = {r.route_key for r in template.routes() if not r.authorized}
    # The invitation token is the credential of the invitee, who has no login yet; a
    # calendar feed's token that of a calendar app, which cannot sign in; public articles
    # are for anyone.
    assert public == {"GET /health", "GET /invitations/{token}",
                      "POST /invitations/{token}/accept", "GET /bookings.ics",
                      "GET /kb/public/articles", "GET /kb/public/articles/{article}",
                      "GET /kb/public/search", "GET /kb/public/suggest",
                      "GET /kb/public/categories", "POST /integrations/webhook",
                      "POST /notifications/unsubscribe"}


def test_the_authorizer_is_cognito_for_the_portal_client(template: Template) -> None:
    template.physical["UserPool"] = Physical("eu-west-1_pool")
    template.physical["UserPoolClient"] = Physical("client-1")
    try:
        auth = template.authorizer()
    finally:
        del template.physical["UserPool"], template.physical["UserPoolClient"]
    assert auth is not None
    assert auth.issuer == "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_pool"
    assert auth.audience == ["client-1"]
    assert auth.identity_source == "$request.header.Authorization"


def _target_ref(value: object) -> str:
    """The logical id a `!GetAtt X.Arn` names."""
    assert isinstance(value, dict), value
    assert "Fn::GetAtt" in value, value
    return str(value["Fn::GetAtt"][0])


def test_every_rule_target_retries_for_a_day_then_dead_letters(template: Template) -> None:
    rules = template.of_type("AWS::Events::Rule")
    assert rules
    for lid in rules:
        for target in template.properties(lid)["Targets"]:
            where = f"{lid} target {target['Id']}"
            retry = target.get("RetryPolicy")
            assert retry, f"{where} has no RetryPolicy"
            assert 0 <= retry["MaximumRetryAttempts"] <= 185, where
            assert 60 <= retry["MaximumEventAgeInSeconds"] <= 86400, where
            dead_letter = target.get("DeadLetterConfig")
            assert dead_letter, f"{where} has no DeadLetterConfig"
            assert "Arn" in dead_letter, where
            queue = _target_ref(dead_letter["Arn"])
            assert template.resources[queue]["Type"] == "AWS::SQS::Queue", where


def test_rule_dead_letter_queues_let_their_rules_send(template: Template) -> None:
    allowed: dict[str, set[str]] = {}
    for lid in template.of_type("AWS::SQS::QueuePolicy"):
        p = template.properties(lid)
        for st in p["PolicyDocument"]["Statement"]:
            if st.get("Principal") != {"Service": "events.amazonaws.com"}:
                continue
            sources = st["Condition"]["ArnEquals"]["aws:SourceArn"]
            for queue in p["Queues"]:
                allowed.setdefault(queue["Ref"], set()).update(
                    _target_ref(s) for s in (sources if isinstance(sources, list) else [sources]))
    for lid in template.of_type("AWS::Events::Rule"):
        for target in template.properties(lid)["Targets"]:
            queue = _target_ref(target["DeadLetterConfig"]["Arn"])
            assert lid in allowed.get(queue, set()), f"{queue}'s policy must allow {lid}"


def test_every_dead_letter_queue_has_an_alarm(template: Template) -> None:
    watched = {_target_ref(d["Value"]) for lid in template.of_type("AWS::CloudWatch::Alarm")
               for d in template.properties(lid).get("Dimensions", [])
               if d["Name"] == "QueueName"}
    dead_letter_queues = {lid for lid in template.of_type("AWS::SQS::Queue")
                          if lid.endswith("DeadLetterQueue")}
    assert dead_letter_queues
    assert dead_letter_queues <= watched


def test_queue_consumers_cannot_take_the_api_s_concurrency(template: Template) -> None:
    found = 0
    for lid in template.of_type("AWS::Serverless::Function"):
        for name, event in (template.properties(lid).get("Events") or {}).items():
            if event["Type"] != "SQS":
                continue
            found += 1
            scaling = (event.get("Properties") or {}).get("ScalingConfig") or {}
            assert 2 <= scaling.get("MaximumConcurrency", 0) <= 1000, (
                f"{lid}.{name} needs ScalingConfig.MaximumConcurrency")
    assert found


_UNIT_SECONDS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}


def test_tokens_of_the_portal_client_last_at_most_15_minutes(template: Template) -> None:
    clients = template.of_type("AWS::Cognito::UserPoolClient")
    assert clients
    for lid in clients:
        p = template.properties(lid)
        units = p.get("TokenValidityUnits") or {}
        for token, default in (("AccessToken", 60), ("IdToken", 60)):
            # Cognito's defaults: 60 of the unit, and the unit is hours.
            seconds = p.get(f"{token}Validity", default) * _UNIT_SECONDS[
                units.get(token, "hours")]
            assert seconds <= 15 * 60, f"{lid}: {token} lasts {seconds} s"
        assert "ALLOW_REFRESH_TOKEN_AUTH" in p["ExplicitAuthFlows"]


UPLOADS_FIXTURE = ROOT / "tests" / "fixtures" / "uploads" / "template.yaml"


@pytest.mark.parametrize("path", [ROOT / "template.yaml", UPLOADS_FIXTURE],
                         ids=["template", "uploads-fixture"])
def test_s3_events_name_a_bucket_of_the_template_without_a_cycle(path: Path) -> None:
    t = Template(path, stack_name="s", region="eu-west-1", account_id="123456789012")

    def closure(lid: str) -> set[str]:
        seen: set[str] = set()
        todo = [lid]
        while todo:
            for dep in t.dependencies(todo.pop()) - seen:
                seen.add(dep)
                todo.append(dep)
        return seen

    for lid in t.of_type("AWS::Serverless::Function"):
        events = t.resources[lid].get("Properties", {}).get("Events") or {}
        s3_events = {name: events.pop(name) for name in list(events)
                     if events[name]["Type"] == "S3"}  # the notification's own reference
        for name, event in s3_events.items():
            bucket = event["Properties"]["Bucket"]
            # SAM takes only a !Ref to a bucket declared in the same template.
            assert set(bucket) == {"Ref"}, f"{lid}.{name}"
            assert t.resources[bucket["Ref"]]["Type"] == "AWS::S3::Bucket", f"{lid}.{name}"
            # The bucket's notification names the function; were the function to name the
            # bucket (environment, policies, Globals), CloudFormation would refuse the cycle.
            # Build the name with !Sub instead, as the bucket's BucketName does.
            assert bucket["Ref"] not in closure(lid), (
                f"{lid} refers to {bucket['Ref']}, which notifies it: a circular dependency")


def _watched(alarm: dict[str, Any]) -> set[tuple[str, str]]:
    """(metric name, logical id) pairs an alarm watches, its metric math included."""
    metrics = [alarm] + [q["MetricStat"]["Metric"] for q in alarm.get("Metrics", [])
                         if "MetricStat" in q]
    found: set[tuple[str, str]] = set()
    for m in metrics:
        for d in m.get("Dimensions", []):
            value = d["Value"]
            if isinstance(value, dict) and ("Ref" in value or "Fn::GetAtt" in value):
                lid = value["Ref"] if "Ref" in value else value["Fn::GetAtt"][0]
                found.add((str(m["MetricName"]), str(lid)))
    return found


def test_every_queue_function_and_the_api_has_an_alarm_that_reaches_the_topic(
        template: Template) -> None:
    alarms = template.of_type("AWS::CloudWatch::Alarm")
    topics = set(template.of_type("AWS::SNS::Topic"))
    watched: set[tuple[str, str]] = set()
    for lid in alarms:
        p = template.properties(lid)
        actions = p.get("AlarmActions") or []
        assert any(isinstance(a, dict) and a.get("Ref") in topics for a in actions), (
            f"{lid} notifies no topic of the stack")
        assert p.get("TreatMissingData") == "notBreaching", lid
        watched |= _watched(p)
    wanted: set[tuple[str, str]] = set()
    for lid in template.of_type("AWS::SQS::Queue"):
        wanted.add(("ApproximateNumberOfMessagesVisible", lid) if lid.endswith(
            "DeadLetterQueue") else ("ApproximateAgeOfOldestMessage", lid))
    for lid in template.of_type("AWS::Serverless::Function"):
        wanted |= {("Errors", lid), ("Throttles", lid)}
        events = template.properties(lid).get("Events") or {}
        if any(e["Type"] in ("DynamoDB", "Kinesis") for e in events.values()):
            wanted.add(("IteratorAge", lid))
    for lid in template.of_type("AWS::Serverless::HttpApi"):
        wanted |= {("5xx", lid), ("4xx", lid)}
    assert not wanted - watched, f"no alarm for {sorted(wanted - watched)}"


def test_the_alarm_topic_is_encrypted_with_a_key_cloudwatch_may_use(
        template: Template) -> None:
    (topic, _), = template.of_type("AWS::SNS::Topic").items()
    key_ref = template.properties(topic)["KmsMasterKeyId"]
    # SNS's AWS-managed key (alias/aws/sns) does not let CloudWatch publish.
    assert isinstance(key_ref, dict), key_ref
    assert "Ref" in key_ref, key_ref
    key = template.resources[key_ref["Ref"]]
    assert key["Type"] == "AWS::KMS::Key"
    assert key["Properties"]["EnableKeyRotation"] is True
    statements = key["Properties"]["KeyPolicy"]["Statement"]
    cloudwatch = [s for s in statements
                  if s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}]
    assert cloudwatch
    assert {"kms:Decrypt", "kms:GenerateDataKey*"} <= set(cloudwatch[0]["Action"])
    assert any(s.get("Action") == "kms:*" and "root" in str(s["Principal"]) for s in statements)
    aliases = [a for a in template.of_type("AWS::KMS::Alias").values()
               if a["Properties"]["TargetKeyId"] == key_ref]
    assert aliases


def test_every_function_logs_to_a_group_of_the_stack_kept_for_a_while(
        template: Template) -> None:
    retention = template.data["Parameters"]["LogRetentionDays"]
    assert retention["Default"] == 30
    assert 30 in retention["AllowedValues"]
    groups = []
    for lid in template.of_type("AWS::Serverless::Function"):
        group = template.properties(lid)["LoggingConfig"]["LogGroup"]
        assert set(group) == {"Ref"}, lid
        groups.append(group["Ref"])
    _, api = template.http_api()
    api_group = _target_ref(api["AccessLogSettings"]["DestinationArn"])
    assert len(set(groups)) == len(groups), "each function has a group of its own"
    for lid in [*groups, api_group]:
        res = template.resources[lid]
        assert res["Type"] == "AWS::Logs::LogGroup", lid
        assert res["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}, lid
        assert "${AWS::StackName}" in res["Properties"]["LogGroupName"]["Fn::Sub"], lid


def test_api_access_logs_are_json_lines_without_credentials(template: Template) -> None:
    _, api = template.http_api()
    fmt = api["AccessLogSettings"]["Format"]
    fields = json.loads(fmt)
    assert {"requestId", "ip", "requestTime", "httpMethod", "routeKey", "status", "protocol",
            "responseLength", "integrationLatency", "latency",
            "integrationErrorMessage"} <= set(fields)
    assert fields["requestId"] == "$context.requestId"
    lowered = fmt.lower()
    for secret in ("authorization", "header", "token", "jwt", "claims"):
        assert secret not in lowered, secret


def test_a_custom_site_domain_serves_tls_1_2_and_is_the_only_other_origin() -> None:
    domain = "portal.example.com"
    certificate = "arn:aws:acm:us-east-1:123456789012:certificate/0f0e-11"
    plain = Template(ROOT / "template.yaml", stack_name="s", region="eu-west-1",
                     account_id="123456789012")
    custom = Template(ROOT / "template.yaml", stack_name="s", region="eu-west-1",
                      account_id="123456789012",
                      parameters={"SiteDomainName": domain, "SiteCertificateArn": certificate,
                                  "SiteLogBucket": "logs-bucket"})
    cloudfront = "https://d111.cloudfront.net"
    seen = {}
    for name, t in (("plain", plain), ("custom", custom)):
        t.physical["SiteDistribution"] = Physical("E1", {"DomainName": "d111.cloudfront.net"})
        _, api = t.http_api()
        config = t.data["Resources"]["SiteDistribution"]["Properties"]["DistributionConfig"]
        seen[name] = (
            t.resolve(api["CorsConfiguration"]["AllowOrigins"]),
            t.resolve(t.data["Globals"]["Function"]["Environment"]["Variables"]["SITE_URL"]),
            t.resolve(config["ViewerCertificate"]),
            t.resolve({"A": config["Aliases"]}).get("A"),
            t.resolve({"L": config["Logging"]}).get("L"),
            t.resolve(t.data["Outputs"]["SiteUrl"]["Value"]),
        )
    assert seen["plain"] == ([cloudfront], cloudfront, {"CloudFrontDefaultCertificate": True},
                             None, None, cloudfront)
    origins, site_url, viewer, aliases, logging, output = seen["custom"]
    assert sorted(origins) == sorted([f"https://{domain}", cloudfront])
    assert site_url == output == f"https://{domain}"
    assert viewer == {"AcmCertificateArn": certificate, "MinimumProtocolVersion": "TLSv1.2_2021",
                      "SslSupportMethod": "sni-only"}
    assert aliases == [domain]
    assert logging["Bucket"] == "logs-bucket.s3.amazonaws.com"
    # A domain without its certificate is refused before anything is made.
    rule = custom.data["Rules"]["SiteDomainNeedsACertificate"]
    assert rule["Assertions"][0]["Assert"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "SiteCertificateArn"}, ""]}]}


def test_the_integration_feed_carries_every_domain_event_but_index_bookkeeping(
        template: Template) -> None:
    from moto.events.models import EventPattern

    pattern = EventPattern.load(json.dumps(
        template.properties("IntegrationEventsRule")["EventPattern"]))
    samples = [json.loads(p.read_text()) for p in (ROOT / "events").glob("*/*.json")]
    types = {s["type"] for s in samples if "type" in s and "actor" in s}
    assert len(types) > 30, "the catalogue's samples were not found"
    bus = json.loads((ROOT / "events" / "domain" / "bus-event.json").read_text())
    matches: Any = pattern.matches_event  # a bus event as JSON, not moto's typed one
    carried = {t for t in types
               if matches({**bus, "detail-type": t, "detail": {**bus["detail"], "type": t}})}
    assert types - carried == {"CaseSearchIndexed", "KnowledgeBaseIndexed"}
    assert not matches({**bus, "source": "integration.erp"})
