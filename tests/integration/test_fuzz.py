"""The API fuzzed from its contract: schemathesis reads the checked-in openapi.json and sends
valid and schema-violating requests through the local gateway, once as each demo role and
once with no token.

Every answer must be below 500 and match its documented schema; with no token, every route
that needs one must answer 401. The fuzz leaves profiles and cases behind in the session's
shared local cloud, so it runs after every other test of that cloud (`runs_last`, see
conftest.py).

PORTICO_FUZZ_EXAMPLES (default 3) sets the examples per operation of the fuzzing phase;
`make fuzz` runs longer. PORTICO_FUZZ_SEED picks the seed (default fixed, so a failure
reproduces); each failure names it.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import schemathesis
from schemathesis import BaseSchema
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema
from schemathesis.engine.recorder import Interaction

from infra.local import LocalCloud
from infra.seed import ACCOUNTS, DEMO_PASSWORD, USERS
from tests.conftest import Portal

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "openapi.json"
ACCOUNT_HEADER = "X-Portico-Account"
EXAMPLES = int(os.environ.get("PORTICO_FUZZ_EXAMPLES", "3"))
SEED = int(os.environ.get("PORTICO_FUZZ_SEED", "20260101"))
ROLES = ("contact", "account_manager", "billing", "partner", "agent", "admin")
EXCERPT = 300
DETAIL_LINES = 8
# Demo users no run signs in as: their contact records are fair game for the fuzz's writes.
BYSTANDERS = ("manager@contoso.example", "contact@contoso.example", "consultant@example.com")
# The runs whose coverage phase also sends every kind of schema-violating input: the role
# that gets furthest past authorization, and the public routes.
NEGATIVE_COVERAGE = ("admin", "anonymous")
# Operations that end the caller's session, fuzzed after all others of a run.
ENDS_SESSION = ("POST /me/sign-out",)
# Real values are used this often; the rest are generated, mostly unknown or malformed.
REAL_VALUE_PROBABILITY = 0.5

# The runs, longest first, so that the workers finish together: admin's sends every kind of
# broken input to every route (about 4,400 requests).
RUNS = ("admin", *[r for r in reversed(ROLES) if r != "admin"], "anonymous")

# Each run may go to a worker of its own, after that worker's other tests of its cloud. On
# two busy cores admin's run has taken 113 s, near the suite's 120 s a test.
pytestmark = [pytest.mark.runs_last, pytest.mark.spread, pytest.mark.timeout(300)]


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx: Any, value: Any) -> bytes:
    """The bulk import's body: one JSON value a line (the contract's array, line by line)."""
    lines = value if isinstance(value, list) else [value]
    return b"".join(json.dumps(line).encode() + b"\n" for line in lines)


def demo_user(role: str) -> tuple[str, str]:
    """The first demo user whose primary account gives them exactly this role, and that
    account."""
    return next((u.email, u.memberships[0][0]) for u in USERS
                if u.memberships[0][1] == (role,))


def _text(data: bytes | None) -> str:
    """An excerpt on one line; bytes that are not UTF-8 shown as Python would."""
    try:
        text = (data or b"").decode()
    except UnicodeDecodeError:
        text = repr(data)
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT else text[:EXCERPT] + "..."


@dataclass
class Finding:
    run: str
    operation: str  # as the contract names it, e.g. "GET /cases/{caseId}"
    what: str
    phase: str
    interaction: Interaction | None
    count: int = 1

    @property
    def key(self) -> tuple[str, str, int | None]:
        status = self.interaction.response.status_code if (
            self.interaction and self.interaction.response) else None
        return self.operation, self.what.split("\n", 1)[0], status

    def __str__(self) -> str:
        title, _, detail = self.what.partition("\n")
        lines = [f"[{self.run}] {self.operation}: {title}"
                 + (f"  (x{self.count})" if self.count > 1 else "")]
        detail_lines = [line.strip() for line in detail.splitlines() if line.strip()]
        lines += [f"  {line}" for line in detail_lines[:DETAIL_LINES]]
        if len(detail_lines) > DETAIL_LINES:
            lines.append("  ...")
        if self.interaction is not None:
            rq, rs = self.interaction.request, self.interaction.response
            url = urlsplit(rq.uri)
            headers = {k: ", ".join(v) for k, v in rq.headers.items()
                       if k.lower() in ("content-type", "x-portico-account")}
            lines.append(f"  request:  {rq.method} {url.path}"
                         + (f"?{url.query}" if url.query else "")
                         + (f"  {headers}" if headers else ""))
            if rq.body:
                lines.append(f"  body:     {_text(rq.body)}")
            if rs is not None:
                lines.append(f"  response: {rs.status_code} {_text(rs.content)}")
        lines.append(f"  phase {self.phase}, seed {SEED}")
        return "\n".join(lines)


@dataclass
class Outcome:
    requests: int = 0
    seconds: float = 0.0
    statuses: Counter[int] = field(default_factory=Counter)
    findings: dict[tuple[str, str, int | None], Finding] = field(default_factory=dict)

    def add(self, finding: Finding) -> None:
        seen = self.findings.get(finding.key)
        if seen is None:
            self.findings[finding.key] = finding
        else:
            seen.count += 1

    def report(self) -> str:
        return "\n\n".join(str(f) for f in self.findings.values())


def fresh_token(cloud: LocalCloud, email: str) -> str:
    """A new access token: the fuzz runs last, when the session's cached tokens (15 minutes)
    may have expired."""
    result = cloud.client("cognito-idp").initiate_auth(
        ClientId=cloud.resource("UserPoolClient"), AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": DEMO_PASSWORD},
    )["AuthenticationResult"]
    return str(result["AccessToken"])


def known_values(cloud: LocalCloud, portal: Portal) -> dict[str, list[str]]:
    """Ids that exist, so requests get past "not found" to the code behind it."""
    agent = fresh_token(cloud, demo_user("agent")[0])
    queues = portal.get("/queues", token=agent).json()["items"]
    cases: set[str] = set()
    for queue in queues:
        for status in ("open", "resolved", "closed"):
            page = portal.get(f"/queues/{queue}/cases", token=agent,
                              params={"status": status, "limit": 100})
            cases |= {c["id"] for c in page.json()["items"]} if page.ok else set()
    return {
        "accounts": [a.id for a in ACCOUNTS],
        "contacts": [u["contact_id"] for u in cloud.users if u["email"] in BYSTANDERS],
        "cases": sorted(cases),
        "queues": queues,
    }


def config(base_url: str, token: str | None, account: str | None,
           known: dict[str, list[str]], *, negative_coverage: bool) -> SchemathesisConfig:
    def real(dictionary: str) -> dict[str, Any]:
        return {"dictionary": dictionary, "probability": REAL_VALUE_PROBABILITY}

    parameters: dict[str, Any] = {key: real(name) for key, name in (
        ("path.accountId", "accounts"), ("query.account", "accounts"),
        ("path.contactId", "contacts"), ("path.caseId", "cases"), ("path.queue", "queues"),
    ) if known.get(name)}
    if account is not None:
        # A generated account header is almost always one the caller is not a member of,
        # so nearly every request would stop at 403 (its validation has its own tests).
        parameters[f"header.{ACCOUNT_HEADER}"] = account

    return SchemathesisConfig.from_dict({
        "base-url": base_url,
        "headers": {"Authorization": f"Bearer {token}"} if token else {},
        "dictionaries": {name: {"values": values} for name, values in known.items() if values},
        "parameters": parameters,
        "seed": SEED,
        "workers": 1,  # the local gateway runs one invocation at a time anyway
        "request-timeout": 15,
        "continue-on-failure": True,
        "generation": {
            "mode": "all",  # valid and schema-violating input
            "max-examples": EXAMPLES,
            "no-shrink": True,  # shrinking a failure costs hundreds of requests
            "database": "none",
            # The token is ours to choose: the run's own, or none at all.
            "with-security-parameters": False,
        },
        "phases": {
            "examples": {"enabled": False},  # the contract has no examples
            # Boundaries and each way to break each field. Broken input mostly stops at
            # validation, the same for every role, so only some runs send all of it.
            "coverage": {"enabled": True, "generation": {
                "mode": "all" if negative_coverage else "positive"}},
            "fuzzing": {"enabled": True},
            "stateful": {"enabled": False},  # no links to follow
        },
        "checks": {
            "enabled": False,
            "not_a_server_error": {"enabled": True},
            "response_schema_conformance": {"enabled": True},
        },
    })


def _refused_without_token(interaction: Interaction) -> bool:
    rs = interaction.response
    if rs is None or rs.status_code == 401:
        return True
    # Only API Gateway's "no such route" comes before the authorizer: a path parameter with
    # an encoded slash makes another path.
    return rs.status_code == 404 and rs.content == b'{"message": "Not Found"}'


def run_fuzz(name: str, base_url: str, token: str | None, account: str | None,
             known: dict[str, list[str]]) -> Outcome:
    spec: dict[str, Any] = json.loads(SPEC.read_text())
    authorized = {f"{method.upper()} {path}" for path, item in spec["paths"].items()
                  for method, op in item.items() if op.get("security")}
    schema = schemathesis.openapi.from_dict(spec, config=config(
        base_url, token, account, known, negative_coverage=name in NEGATIVE_COVERAGE))
    passes: list[BaseSchema] = [schema]
    ending = [label for label in ENDS_SESSION if label in authorized]
    if token is not None and ending:
        # Signing out revokes the run's token: everything else first, then that.
        passes = [schema.exclude(name=ending), schema.include(name=ending)]
    outcome = Outcome()
    started = time.perf_counter()
    for event in _events(passes):
        if isinstance(event, events.ScenarioFinished):
            recorder = event.recorder
            for case_id, interaction in recorder.interactions.items():
                outcome.requests += 1
                if interaction.response is not None:
                    outcome.statuses[interaction.response.status_code] += 1
                # The label's method: the coverage phase also tries methods a path lacks.
                same_method = interaction.request.method == recorder.label.split(" ", 1)[0]
                if (token is None and recorder.label in authorized and same_method
                        and not _refused_without_token(interaction)):
                    outcome.add(Finding(name, recorder.label, "answered without a token "
                                        "(expected 401)", event.phase.value, interaction))
                for check in recorder.checks.get(case_id, []):
                    if check.failure_info is not None:
                        failure = check.failure_info.failure
                        outcome.add(Finding(
                            name, recorder.label,
                            f"{check.name}: {failure.title}\n{failure.message}",
                            event.phase.value, interaction))
        elif isinstance(event, events.NonFatalError):
            info = event.info
            outcome.add(Finding(name, event.label, f"engine error: {info.title}: {info.message}",
                                str(event.phase), None))
        elif isinstance(event, events.FatalError):
            outcome.add(Finding(name, "-", f"fatal: {event.exception!r}", "-", None))
    outcome.seconds = time.perf_counter() - started
    return outcome


def _events(schemas: list[BaseSchema]) -> Iterator[events.EngineEvent]:
    # The engine is what `schemathesis run` drives: its coverage phase sends the boundary
    # and schema-violating values that property-based generation alone rarely reaches.
    for schema in schemas:
        yield from from_schema(schema).execute()


@pytest.fixture(scope="module")
def known(cloud: LocalCloud, portal: Portal) -> dict[str, list[str]]:
    return known_values(cloud, portal)


@pytest.mark.parametrize("run", RUNS)
def test_fuzz_finds_no_server_error_or_contract_breach(
        run: str, cloud: LocalCloud, known: dict[str, list[str]],
        record_property: Any) -> None:
    token = account = None
    if run != "anonymous":
        email, account = demo_user(run)
        token = fresh_token(cloud, email)
    outcome = run_fuzz(run, cloud.api_url, token, account, known)
    record_property("fuzz_requests", outcome.requests)
    record_property("fuzz_seconds", round(outcome.seconds, 2))
    record_property("fuzz_findings", len(outcome.findings))
    print(f"fuzz {run}: {outcome.requests} requests in {outcome.seconds:.1f} s, "
          f"statuses {dict(sorted(outcome.statuses.items()))}")
    assert outcome.requests > 0
    if token is not None:
        succeeded = sum(n for status, n in outcome.statuses.items() if status < 300)
        assert succeeded, f"no request as {run} succeeded: is the token or account wrong?"
    if outcome.findings:
        pytest.fail(f"{len(outcome.findings)} distinct failures as {run} "
                    f"({outcome.requests} requests):\n\n{outcome.report()}", pytrace=False)
