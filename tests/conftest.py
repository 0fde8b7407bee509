"""One local cloud for the whole run, started the way `make run` starts it."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests

from infra.local import LocalCloud
from infra.seed import DEMO_PASSWORD
from infra.site import build as build_site

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"


def sample_event(name: str) -> dict[str, Any]:
    """A test event from events/, e.g. `identity/get-me`."""
    data: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text())
    return data


UNIT = ROOT / "tests" / "unit"


def _no_proxies(url: str, no_proxy: str | None = None) -> dict[str, str]:
    return {}


# The local cloud sets each function's variables in os.environ around its invocations, on
# its own threads, and removes them after; requests walks all of os.environ for proxy
# settings on every call, and a variable removed mid-walk is a KeyError. Tests use no proxy.
requests.sessions.get_environ_proxies = _no_proxies  # type: ignore[assignment]
SPREAD = "spread"
_clouds: list[LocalCloud] = []


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{SPREAD}: the tests of this file may each run on another worker "
                   "(`make test` runs files on parallel workers, each with its own cloud)")


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # With `--dist loadgroup` a file's tests stay together on one worker, in order, beside
    # that worker's own local cloud; a `spread` file's tests go out one by one.
    for item in items:
        if not item.get_closest_marker(SPREAD):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    # xdist marks a grouped test by its node id; a pytest that ignores the mark would spread
    # every file over the workers without a word (pytest 9.2 did), so say it here.
    grouped = [i for i in session.items if i.get_closest_marker("xdist_group")]
    if session.config.getoption("loadgroup", False) and grouped and "@" not in grouped[0].nodeid:
        raise pytest.UsageError("--dist loadgroup had no effect: this pytest and pytest-xdist "
                                "do not group a file's tests (see pyproject.toml)")


def pytest_runtest_setup(item: pytest.Item) -> None:
    # Unit tests mock AWS in this process: moto's mock_aws resets the backends the local cloud
    # serves from, and the cloud's background invocations set os.environ. They run after the
    # tests that use the cloud (collection order, which xdist keeps), so the cloud ends first.
    uses_cloud = "cloud" in getattr(item, "fixturenames", ())
    if item.path.is_relative_to(UNIT) and not uses_cloud:
        for c in _clouds:
            c.stop()
    elif uses_cloud and any(not c.running for c in _clouds):
        pytest.fail("the local cloud was stopped for the unit tests: run them after this one")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter,
                            exitstatus: int, config: pytest.Config) -> None:
    # The fuzz's request counts are figures people quote; show them even when it passes.
    # Here, not beside the fuzz: under xdist the summary is written where only this
    # conftest is loaded.
    rows = [(report.nodeid, dict(report.user_properties))
            for outcome in ("passed", "failed")
            for report in terminalreporter.stats.get(outcome, [])
            if report.when == "call"]
    rows = [(nodeid, props) for nodeid, props in rows if "fuzz_requests" in props]
    if not rows:
        return
    terminalreporter.section("fuzz")
    for nodeid, props in rows:
        terminalreporter.write_line(
            f"{nodeid.rsplit('::', 1)[-1]}: {props['fuzz_requests']} requests in "
            f"{float(props['fuzz_seconds']):.1f} s, {props['fuzz_findings']} findings")
    total = sum(int(props["fuzz_requests"]) for _, props in rows)
    seconds = sum(float(props["fuzz_seconds"]) for _, props in rows)
    terminalreporter.write_line(f"total: {total} requests in {seconds:.1f} s")


@pytest.fixture(scope="session")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloud]:
    site = build_site(output=tmp_path_factory.mktemp("site") / "site")
    with LocalCloud(port=0, site_dir=site) as c:
        _clouds.append(c)
        # The whole suite invites far more people into the demo accounts within an hour
        # than any account would; the per-address limit stays as deployed.
        for fn in c.functions.values():
            fn.env["INVITATIONS_PER_ACCOUNT_HOUR"] = "100000"
            # Tests search right after the index is rebuilt, not up to 30 s later; moto's
            # indexes do not trail the table, so a build covers every event before it.
            fn.env["KB_INDEX_REFRESH_SECONDS"] = "0"
            fn.env["KB_INDEX_LAG_SECONDS"] = "0"
            fn.env["CASE_INDEX_REFRESH_SECONDS"] = "0"
        yield c


class Portal:
    """The API as a browser would use it: tokens from Cognito, requests to the gateway."""

    def __init__(self, cloud: LocalCloud) -> None:
        self.cloud = cloud
        self.http = requests.Session()
        self._tokens: dict[str, dict[str, str]] = {}

    def tokens(self, email: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
        if email not in self._tokens:
            result = self.cloud.client("cognito-idp").initiate_auth(
                ClientId=self.cloud.resource("UserPoolClient"), AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": email, "PASSWORD": password},
            )["AuthenticationResult"]
            self._tokens[email] = result
        return self._tokens[email]

    def forget(self, email: str) -> None:
        """Drop a user's cached tokens (after they signed out everywhere)."""
        self._tokens.pop(email, None)

    def request(self, method: str, path: str, *, as_user: str | None = None,
                token: str | None = None, **kw: Any) -> requests.Response:
        headers = dict(kw.pop("headers", {}))
        if as_user is not None:
            token = self.tokens(as_user)["AccessToken"]
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return self.http.request(method, self.cloud.api_url + path, headers=headers,
                                 timeout=10, **kw)

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.request("GET", path, **kw)

    def every(self, path: str, *, as_user: str, **params: Any) -> list[dict[str, Any]]:
        """All items of a list, page by page: other tests add to the same demo accounts."""
        items: list[dict[str, Any]] = []
        cursor = None
        while True:
            r = self.get(path, as_user=as_user,
                         params={"limit": 100, **params, **({"cursor": cursor} if cursor else {})})
            assert r.status_code == 200, r.text
            items += r.json()["items"]
            cursor = r.json().get("next_cursor")
            if not cursor:
                return items


@pytest.fixture(scope="session")
def portal(cloud: LocalCloud) -> Portal:
    return Portal(cloud)


class Listener:
    """A subscriber of the portal's bus, as an integration would be: its own rule and queue,
    made before the events it waits for are sent."""

    def __init__(self, cloud: LocalCloud, detail: dict[str, Any]) -> None:
        self.cloud = cloud
        self.name = f"test-{uuid.uuid4().hex[:12]}"
        self.sqs = cloud.client("sqs")
        self.events = cloud.client("events")
        self.url = self.sqs.create_queue(QueueName=self.name)["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        self.bus = cloud.resource("EventBus")
        self.events.put_rule(Name=self.name, EventBusName=self.bus, EventPattern=json.dumps(
            {"source": ["portico"], "detail": detail}))
        self.events.put_targets(Rule=self.name, EventBusName=self.bus,
                                Targets=[{"Id": "test", "Arn": arn}])
        self.received: list[dict[str, Any]] = []

    def collect(self, *, at_least: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:
        """What arrived so far, waiting up to `timeout` for `at_least` events."""
        deadline = time.monotonic() + timeout
        while True:
            for m in self.sqs.receive_message(QueueUrl=self.url,
                                              MaxNumberOfMessages=10).get("Messages", []):
                self.received.append(json.loads(m["Body"]))
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=m["ReceiptHandle"])
            if len(self.received) >= at_least or time.monotonic() > deadline:
                return self.received
            time.sleep(0.05)

    def close(self) -> None:
        self.events.remove_targets(Rule=self.name, EventBusName=self.bus, Ids=["test"])
        self.events.delete_rule(Name=self.name, EventBusName=self.bus)
        self.sqs.delete_queue(QueueUrl=self.url)


@contextmanager
def listen(cloud: LocalCloud, **detail: Any) -> Iterator[Listener]:
    listener = Listener(cloud, detail)
    try:
        yield listener
    finally:
        listener.close()


def wait_for(check: Any, timeout: float = 15.0) -> Any:
    """The first truthy value of `check()`, polling for up to `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout} s")
