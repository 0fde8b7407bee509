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


@pytest.fixture(scope="session")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloud]:
    site = build_site(output=tmp_path_factory.mktemp("site") / "site")
    with LocalCloud(port=0, site_dir=site) as c:
        # The whole suite invites far more people into the demo accounts within an hour
        # than any account would; the per-address limit stays as deployed.
        for fn in c.functions.values():
            fn.env["INVITATIONS_PER_ACCOUNT_HOUR"] = "100000"
            # Tests search right after the index is rebuilt, not up to 30 s later; moto's
            # indexes do not trail the table, so a build covers every event before it.
            fn.env["KB_INDEX_REFRESH_SECONDS"] = "0"
            fn.env["KB_INDEX_LAG_SECONDS"] = "0"
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
