"""Ordering and reporting for tests that leave data behind in the session's local cloud."""

from __future__ import annotations

import uuid

import pytest

from infra.local import LocalCloud
from portico.events import SYSTEM
from portico.identity import directory

RUNS_LAST = "runs_last"


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


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # After the last other user of the session's `cloud`, so the profiles and cases the
    # marked tests leave cannot upset another test's expectations; not at the very end,
    # because moto's in-process mocks in later unit tests reset the backends it runs on.
    marked = [i for i in items if i.get_closest_marker(RUNS_LAST) is not None]
    if not marked:
        return
    rest = [i for i in items if i.get_closest_marker(RUNS_LAST) is None]
    users = [n for n, i in enumerate(rest) if "cloud" in getattr(i, "fixturenames", ())]
    at = users[-1] + 1 if users else len(rest)
    items[:] = rest[:at] + marked + rest[at:]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter,
                            exitstatus: int, config: pytest.Config) -> None:
    # The fuzz's request counts are figures people quote; show them even when it passes.
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
