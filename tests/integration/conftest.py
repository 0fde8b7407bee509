"""Ordering for tests that leave data behind in the session's local cloud."""

from __future__ import annotations

import uuid

import pytest

from infra.local import LocalCloud
from portico.events import SYSTEM
from portico.identity import directory

RUNS_LAST = "runs_last"
RUNS_FIRST = "runs_first"


@pytest.fixture
def fresh_account(cloud: LocalCloud) -> str:
    """A customer account of its own, with no one in it yet."""
    account_id = f"acc-{uuid.uuid4().hex[:8]}"
    with cloud.functions["IdentityFunction"].environment():
        directory.create_account(directory.new_account(
            account_id=account_id, number="A-9" + account_id[-4:], name="Fresh Oy",
            kind="customer"), actor=SYSTEM)
    return account_id


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{RUNS_LAST}: writes freely to the shared local cloud, so runs after every "
                   "other test that uses it")
    config.addinivalue_line(
        "markers", f"{RUNS_FIRST}: scans the whole table, so runs before the others fill it")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # After the last other user of the session's `cloud`, so the profiles and cases the
    # marked tests leave cannot upset another test's expectations; not at the very end,
    # because moto's in-process mocks in later unit tests reset the backends it runs on.
    first = [i for i in items if i.get_closest_marker(RUNS_FIRST) is not None]
    items[:] = first + [i for i in items if i.get_closest_marker(RUNS_FIRST) is None]
    marked = [i for i in items if i.get_closest_marker(RUNS_LAST) is not None]
    if not marked:
        return
    rest = [i for i in items if i.get_closest_marker(RUNS_LAST) is None]
    users = [n for n, i in enumerate(rest) if "cloud" in getattr(i, "fixturenames", ())]
    at = users[-1] + 1 if users else len(rest)
    items[:] = rest[:at] + marked + rest[at:]
