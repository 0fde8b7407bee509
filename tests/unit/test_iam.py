"""Least privilege: every IAM statement the stack gets, read from SAM's own output.

template.yaml is transformed offline with aws-sam-translator, as `sam deploy` would, so the
check covers what SAM adds by itself (the roles it makes, the AWS managed policies it
attaches, the destination policies) as well as each function's `Policies`. Intrinsic
functions are resolved with placeholders (`Table.Arn`, `arn:aws:s3:::<stack>-attachments-
<account>/cases/*`), so a grant reads as the resource it names.

`python -m tests.unit.test_iam [template]` prints the census (statements, wildcards) of any
template, e.g. of `git show HEAD:template.yaml`.
"""

from __future__ import annotations

import copy
import fnmatch
import importlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from infra.local import ROOT
from infra.template import Physical, Template

STACK, REGION, ACCOUNT = "portico-test", "eu-west-1", "123456789012"
MAIL = "no-reply@portico.example"  # the MailFrom parameter

Statement = dict[str, Any]

# The AWS managed policies SAM attaches to the roles it makes, as AWS publishes them. A
# policy not listed here fails the census: add its document, and judge it.
MANAGED: dict[str, list[Statement]] = {
    # Every function: its own log group, which is named after the function, and the role
    # cannot name the function (the function refers to the role).
    "service-role/AWSLambdaBasicExecutionRole": [{
        "Effect": "Allow", "Resource": "*",
        "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]}],
    # Tracing: Active.
    "AWSXrayWriteOnlyAccess": [{
        "Effect": "Allow", "Resource": ["*"],
        "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords",
                   "xray:GetSamplingRules", "xray:GetSamplingTargets",
                   "xray:GetSamplingStatisticSummaries"]}],
    # An SQS event: the poller acts with the function's role.
    "service-role/AWSLambdaSQSQueueExecutionRole": [{
        "Effect": "Allow", "Resource": "*",
        "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
                   "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]}],
    # A DynamoDB stream event: the poller acts with the function's role.
    "service-role/AWSLambdaDynamoDBExecutionRole": [{
        "Effect": "Allow", "Resource": "*",
        "Action": ["dynamodb:DescribeStream", "dynamodb:GetRecords",
                   "dynamodb:GetShardIterator", "dynamodb:ListStreams",
                   "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]}],
}

# Actions that may be allowed on Resource "*", and why. Nothing else may, unless the same
# role fences it with a Deny on NotResource (as for SAM's SQS and stream poller policies).
AWS_REQUIRED_STAR: dict[str, str] = {
    **dict.fromkeys(
        ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules",
         "xray:GetSamplingTargets", "xray:GetSamplingStatisticSummaries"],
        "X-Ray has no resource-level permissions for trace segments, telemetry or sampling"),
    **dict.fromkeys(
        ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
        "SAM's basic execution role: the log group is named after the generated function "
        "name, which the function's own role cannot refer to"),
    "dynamodb:ListStreams": "no resource-level permission; it lists stream ARNs, reads "
                            "no data (the stream reads themselves are fenced to the table)",
}

FORBIDDEN = ["dynamodb:Scan", "dynamodb:BatchWriteItem", "dynamodb:DescribeTable",
             "s3:PutObjectAcl", "s3:PutLifecycleConfiguration", "s3:DeleteBucket*",
             "ses:Verify*", "ses:Delete*", "cognito-idp:AdminAddUserToGroup",
             "iam:*", "sts:*"]

TABLE = "Table.Arn"
ATTACHMENTS = f"arn:aws:s3:::{STACK}-attachments-{ACCOUNT}"
TABLE_RW = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]
LOGINS = ["cognito-idp:AdminGetUser", "cognito-idp:AdminCreateUser",
          "cognito-idp:AdminSetUserPassword", "cognito-idp:AdminDeleteUser",
          "cognito-idp:AdminUserGlobalSignOut"]
MAIL_FROM = f"arn:aws:ses:{REGION}:{ACCOUNT}:identity/"


def _grant(actions: list[str], *resources: str) -> dict[str, set[str]]:
    return {a: set(resources) for a in actions}


# What each function may do beyond logs and X-Ray: what its code calls (functions/<area>
# and the portico modules it reaches), on the resources it calls it on.
EXPECTED: dict[str, dict[str, set[str]]] = {
    # Profile, accounts, people, invitations, audit; principal (gsi1: partner accounts),
    # audit (gsi1: an account's trail), invitation rate limits (UpdateItem counters).
    "IdentityFunction": {
        **_grant([*TABLE_RW, "dynamodb:DeleteItem", "dynamodb:BatchGetItem"], TABLE),
        "dynamodb:Query": {TABLE, f"{TABLE}/index/gsi1", f"{TABLE}/index/gsi2"},
        "ses:SendEmail": {MAIL_FROM + MAIL, MAIL_FROM + MAIL.split("@")[1]},
        **_grant(LOGINS, "UserPool.Arn"),
    },
    # Cases, comments, queues (DeleteItem: a queue entry left behind), the case counter;
    # gsi1 (a requester's cases, partner accounts) and gsi2 (an account's cases); signing
    # attachment upload forms and (versioned) download links.
    "CasesFunction": {
        **_grant([*TABLE_RW, "dynamodb:DeleteItem", "dynamodb:BatchGetItem"], TABLE),
        "dynamodb:Query": {TABLE, f"{TABLE}/index/gsi1", f"{TABLE}/index/gsi2"},
        **_grant(["s3:PutObject", "s3:GetObject", "s3:GetObjectVersion"],
                 "AttachmentsBucket.Arn/cases/*"),
    },
    # Resources, bookings and their projections, slot claims (UpdateItem), calendar feeds;
    # gsi1 (resources of a category, a booker's bookings), gsi2 (all resources, an
    # account's bookings).
    "BookingsFunction": {
        **_grant([*TABLE_RW, "dynamodb:DeleteItem"], TABLE),
        "dynamodb:Query": {TABLE, f"{TABLE}/index/gsi1", f"{TABLE}/index/gsi2"},
    },
    # Articles, their slugs, versions and votes; gsi1 (articles by status and category).
    "KnowledgeBaseFunction": {
        **_grant([*TABLE_RW, "dynamodb:DeleteItem"], TABLE),
        "dynamodb:Query": {f"{TABLE}/index/gsi1"},
        "s3:GetObject": {"DocumentsBucket.Arn/kb/index/*"},
    },
    # Every published article (gsi1), the index pointer; the built index; its queue.
    "KnowledgeBaseIndexerFunction": {
        **_grant(TABLE_RW, TABLE),
        "dynamodb:Query": {f"{TABLE}/index/gsi1"},
        "s3:PutObject": {"DocumentsBucket.Arn/kb/index/*"},
        **_grant(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
                 "KnowledgeBaseIndexQueue.Arn"),
    },
    # The principal (gsi1: partner accounts), the index pointer, snapshots and changes.
    "CaseSearchFunction": {
        "dynamodb:GetItem": {TABLE},
        "dynamodb:Query": {f"{TABLE}/index/gsi1"},
        "s3:GetObject": {"DocumentsBucket.Arn/cases/index/*"},
    },
    # Cases and their comments, the index pointer (its change is a transaction); snapshots
    # and changes (a snapshot deletes the ones it replaces); its queue.
    "CaseSearchIndexerFunction": {
        **_grant([*TABLE_RW, "dynamodb:Query"], TABLE),
        **_grant(["s3:GetObject", "s3:PutObject", "s3:DeleteObject",
                  "s3:DeleteObjectVersion"], "DocumentsBucket.Arn/cases/index/*"),
        **_grant(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
                 "CaseSearchIndexQueue.Arn"),
    },
    # Due reminders (Query), marking each reminded, the reminder mail.
    "BookingRemindersFunction": {
        **_grant([*TABLE_RW, "dynamodb:DeleteItem", "dynamodb:Query"], TABLE),
        "ses:SendEmail": {MAIL_FROM + MAIL, MAIL_FROM + MAIL.split("@")[1]},
    },
    # An account's invoices (gsi1), of one status (gsi2); balance; copy requests and their
    # rate limit; the PDFs: the back office's and the portal's renderings. DeleteItem: a
    # keyed POST that fails forgets its Idempotency-Key.
    "InvoicesFunction": {
        **_grant([*TABLE_RW, "dynamodb:DeleteItem"], TABLE),
        "dynamodb:Query": {f"{TABLE}/index/gsi1", f"{TABLE}/index/gsi2"},
        "s3:GetObject": {"DocumentsBucket.Arn/invoices/*"},
        "s3:PutObject": {"DocumentsBucket.Arn/invoices/rendered/*"},
    },
    # The webhook: the call remembered, its event and audit entry (Puts); the signing
    # secrets of the stack's integrations.
    "IntegrationsFunction": {
        "dynamodb:PutItem": {TABLE},
        "secretsmanager:GetSecretValue": {
            f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{STACK}/integrations/*"},
    },
    # Accounts, members (Query: an account's members by e-mail), invoices and their
    # projections, idempotency records; invitations (a login looked up, the mail); what can
    # never apply parked on the dead-letter queue; its queue.
    "IngestFunction": {
        **_grant([*TABLE_RW, "dynamodb:DeleteItem", "dynamodb:Query"], TABLE),
        "cognito-idp:AdminGetUser": {"UserPool.Arn"},
        "ses:SendEmail": {MAIL_FROM + MAIL, MAIL_FROM + MAIL.split("@")[1]},
        "sqs:SendMessage": {"IntegrationInboundDeadLetterQueue.Arn"},
        **_grant(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
                 "IntegrationInboundQueue.Arn"),
    },
    # The caller's inbox and unread notifications (gsi1), counts, unsubscribing; DeleteItem:
    # a keyed POST that fails forgets its Idempotency-Key.
    "NotificationsFunction": {
        **_grant([*TABLE_RW, "dynamodb:DeleteItem"], TABLE),
        "dynamodb:Query": {TABLE, f"{TABLE}/index/gsi1"},
    },
    # Announcements and the ones not yet ended (Query).
    "AnnouncementsFunction": {
        **_grant([*TABLE_RW, "dynamodb:DeleteItem", "dynamodb:Query"], TABLE),
    },
    # Recipients, notifications, counts, digest entries, idempotency records; an account's
    # people and an audience's accounts (gsi1, gsi2); mail; its queue.
    "NotifierFunction": {
        **_grant([*TABLE_RW, "dynamodb:DeleteItem", "dynamodb:BatchGetItem"], TABLE),
        "dynamodb:Query": {TABLE, f"{TABLE}/index/gsi1", f"{TABLE}/index/gsi2"},
        "ses:SendEmail": {MAIL_FROM + MAIL, MAIL_FROM + MAIL.split("@")[1]},
        **_grant(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
                  "sqs:ChangeMessageVisibility"], "NotificationQueue.Arn"),
        "sqs:SendMessage": {"NotificationQueue.Arn", "NotificationDeadLetterQueue.Arn"},
        # Live badges, posted to the connections of the WebSocket API's stage.
        "execute-api:ManageConnections": {
            f"arn:aws:execute-api:{REGION}:{ACCOUNT}:LiveApi/LiveStage/POST/@connections/*"},
    },
    # WebSocket connections: the caller's contact (GetItem; gsi1 for a partner's accounts),
    # the connection items. Cognito's GetUser is authorized by the token, not by IAM.
    "LiveFunction": {
        **_grant(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"], TABLE),
        "dynamodb:Query": {f"{TABLE}/index/gsi1"},
    },
    # The day's digest entries (Query), each reader's mail, the entries done.
    "NotificationDigestFunction": {
        **_grant([*TABLE_RW, "dynamodb:DeleteItem", "dynamodb:Query"], TABLE),
        "ses:SendEmail": {MAIL_FROM + MAIL, MAIL_FROM + MAIL.split("@")[1]},
    },
    # Open invoices due before today (Query), each marked in a change.
    "InvoiceOverdueFunction": {
        **_grant([*TABLE_RW, "dynamodb:DeleteItem", "dynamodb:Query"], TABLE),
    },
    # Routing a case, and Powertools idempotency records (DeleteItem on a failed attempt).
    "WorkflowsFunction": {
        **_grant([*TABLE_RW, "dynamodb:DeleteItem"], TABLE),
        **_grant(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
                 "CaseRoutingQueue.Arn"),
    },
    # The table's stream to the bus; what it cannot publish goes to its dead-letter queue.
    "PublisherFunction": {
        "events:PutEvents": {"EventBus.Arn"},
        "sqs:SendMessage": {"PublisherDeadLetterQueue.Arn"},
        **_grant(["dynamodb:DescribeStream", "dynamodb:GetRecords",
                  "dynamodb:GetShardIterator"], "Table.StreamArn"),
    },
    # The attachment and its case, the verdict; the uploaded object's versions.
    "FilesFunction": {
        **_grant(TABLE_RW, TABLE),
        **_grant(["s3:GetObject", "s3:GetObjectVersion", "s3:DeleteObject",
                  "s3:DeleteObjectVersion"], f"{ATTACHMENTS}/cases/*"),
        "s3:ListBucketVersions": {ATTACHMENTS},
        "sqs:SendMessage": {"FilesDeadLetterQueue.Arn"},
    },
}


def _as_list(v: Any) -> list[Any]:
    return v if isinstance(v, list) else [v]


def transformed(path: Path) -> dict[str, Any]:
    """The CloudFormation SAM makes of `path`, offline: local code paths become s3:// URIs
    (SAM wants packaged code), and no managed policy is looked up by name."""
    sam = importlib.import_module("samtranslator.translator.transform")  # a dev dependency
    t = Template(path, stack_name=STACK, region=REGION, account_id=ACCOUNT)
    data = copy.deepcopy(t.data)
    for res in data["Resources"].values():
        props = res.get("Properties") or {}
        for key in ("CodeUri", "ContentUri", "DefinitionUri"):
            if isinstance(props.get(key), str) and not props[key].startswith("s3://"):
                props[key] = f"s3://packaged/{props[key].strip('/')}"

    class NoLookups:
        def load(self) -> dict[str, str]:
            return {}

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("AWS_DEFAULT_REGION", REGION)
        out: dict[str, Any] = sam.transform(data, {}, NoLookups())
    return out


class _Named(dict[str, str]):
    """Attributes of a resource the resolver has not made: `Table.Arn` reads as itself."""

    def __init__(self, lid: str) -> None:
        super().__init__()
        self.lid = lid

    def __missing__(self, attr: str) -> str:
        return f"{self.lid}.{attr}"


@dataclass
class Stack:
    template: Template

    @classmethod
    def of(cls, path: Path) -> Stack:
        t = Template(path, stack_name=STACK, region=REGION, account_id=ACCOUNT,
                     parameters={"MailFrom": MAIL})
        t.data = transformed(path)
        t.physical = {lid: Physical(lid, _Named(lid)) for lid in t.resources}
        return cls(t)

    def resolve(self, v: Any) -> Any:
        return self.template.resolve(v)

    def statements(self, lid: str) -> list[Statement]:
        """The identity-policy statements of an IAM resource, managed policies expanded."""
        res = self.template.resources[lid]
        props = res.get("Properties") or {}
        docs = [p["PolicyDocument"] for p in props.get("Policies") or []]
        if res["Type"] in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy",
                           "AWS::IAM::RolePolicy"):
            docs.append(props["PolicyDocument"])
        found = [self.resolve(s) for d in docs for s in _as_list(d["Statement"])]
        for arn in props.get("ManagedPolicyArns") or []:
            name = str(self.resolve(arn)).split(":policy/", 1)[-1]
            assert name in MANAGED, f"{lid}: judge managed policy {name} and add it to MANAGED"
            found += copy.deepcopy(MANAGED[name])
        return found

    def iam_resources(self) -> list[str]:
        return [lid for lid, r in self.template.resources.items()
                if r["Type"].startswith("AWS::IAM::") and r["Type"] != "AWS::IAM::InstanceProfile"]

    def roles_of_functions(self) -> dict[str, str]:
        found = {}
        for lid, r in self.template.resources.items():
            if r["Type"] == "AWS::Lambda::Function":
                role = r["Properties"]["Role"]
                found[lid] = role["Fn::GetAtt"][0]
        return found

    def allowed(self, lid: str) -> Iterator[tuple[str, str]]:
        """(action, resource) the IAM resource allows, a "*" fenced by a Deny on
        NotResource read as the fence's resource."""
        sts = self.statements(lid)
        fences: dict[str, set[str]] = {}
        for s in sts:
            if s["Effect"] == "Deny" and "NotResource" in s:
                for a in _as_list(s["Action"]):
                    fences.setdefault(a, set()).update(_as_list(s["NotResource"]))
        for s in sts:
            if s["Effect"] != "Allow":
                continue
            for a in _as_list(s["Action"]):
                for r in _as_list(s["Resource"]):
                    for eff in (fences[a] if r == "*" and a in fences else {r}):
                        yield a, eff


def census(stack: Stack) -> dict[str, int]:
    """How many statements the stack's IAM grants hold, and how many are wildcards."""
    sts = [s for lid in stack.iam_resources() for s in stack.statements(lid)]
    allows = [s for s in sts if s["Effect"] == "Allow"]
    resources = [r for s in allows for r in _as_list(s.get("Resource", []))]
    actions = [a for s in allows for a in _as_list(s.get("Action", []))]
    star = {(lid, a) for lid in stack.iam_resources() for a, r in stack.allowed(lid)
            if r == "*"}
    managed = sum(len(MANAGED[str(stack.resolve(arn)).split(":policy/", 1)[-1]])
                  for lid in stack.iam_resources()
                  for arn in (stack.template.resources[lid].get("Properties") or {}).get(
                      "ManagedPolicyArns") or [])
    return {
        "statements": len(sts),
        "of_them_from_aws_managed_policies": managed,
        "allow_statements_on_resource_star": sum("*" in _as_list(s.get("Resource", []))
                                                 for s in allows),
        "resource_star": resources.count("*"),
        "resource_arn_patterns": sum("*" in r for r in resources if r != "*"),
        "action_wildcards": sum("*" in a or "?" in a for a in actions),
        # After the Deny fences: (role, action) pairs still allowed on every resource.
        "grants_on_every_resource": len(star),
        "of_them_not_aws_required": sum(a not in AWS_REQUIRED_STAR for _, a in star),
        "actions_granted": len(actions),
    }


@pytest.fixture(scope="module")
def stack() -> Stack:
    return Stack.of(ROOT / "template.yaml")


def test_census(stack: Stack) -> None:
    counts = census(stack)
    print(f"IAM census of template.yaml: {counts}")  # `pytest -s` shows it
    assert counts["action_wildcards"] == 0


def test_no_allow_grants_every_action_of_a_service(stack: Stack) -> None:
    for lid in stack.iam_resources():
        for s in stack.statements(lid):
            if s["Effect"] != "Allow":
                continue
            assert "NotAction" not in s, f"{lid}: {s}"
            assert "NotResource" not in s, f"{lid}: {s}"
            for a in _as_list(s["Action"]):
                assert not set(a) & {"*", "?"}, f"{lid} allows {a}"


def test_resource_star_only_where_aws_requires_it(stack: Stack) -> None:
    for lid in stack.iam_resources():
        for action, resource in stack.allowed(lid):
            if resource == "*":
                assert action in AWS_REQUIRED_STAR, (
                    f"{lid} allows {action} on every resource: name it, or fence it with a "
                    "Deny on NotResource")


def test_nothing_that_no_function_needs(stack: Stack) -> None:
    for lid in stack.iam_resources():
        for action, _ in stack.allowed(lid):
            for pattern in FORBIDDEN:
                assert not fnmatch.fnmatchcase(action, pattern), f"{lid} allows {action}"


def test_each_function_may_do_what_it_calls_and_no_more(stack: Stack) -> None:
    roles = stack.roles_of_functions()
    assert set(roles) == set(EXPECTED), "a new function: add what it may do to EXPECTED"
    for fn, role in roles.items():
        got: dict[str, set[str]] = {}
        for action, resource in stack.allowed(role):
            if resource == "*" and action in AWS_REQUIRED_STAR:
                continue
            got.setdefault(action, set()).add(resource)
        assert got == EXPECTED[fn], fn


def test_each_function_role_logs_and_traces(stack: Stack) -> None:
    for fn, role in stack.roles_of_functions().items():
        actions = {a for a, _ in stack.allowed(role)}
        assert {"logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTraceSegments"} <= actions, fn


def test_mail_goes_only_from_mail_from(stack: Stack) -> None:
    role = stack.roles_of_functions()["IdentityFunction"]
    sends = [s for s in stack.statements(role) if "ses:SendEmail" in _as_list(s["Action"])]
    assert [s.get("Condition") for s in sends] == [
        {"StringEquals": {"ses:FromAddress": MAIL}}]


def test_bucket_listing_stays_under_cases(stack: Stack) -> None:
    role = stack.roles_of_functions()["FilesFunction"]
    lists = [s for s in stack.statements(role) if "s3:ListBucketVersions" in _as_list(s["Action"])]
    assert [s.get("Condition") for s in lists] == [{"StringLike": {"s3:prefix": "cases/*"}}]


def main(argv: list[str]) -> None:
    path = Path(argv[1]) if len(argv) > 1 else ROOT / "template.yaml"
    print(census(Stack.of(path)))


if __name__ == "__main__":
    main(sys.argv)
