"""Event-source pieces that need no AWS: filter criteria, schedule expressions, back-off."""

from __future__ import annotations

import pytest

from infra.local import ROOT
from infra.template import Template
from infra.workers import Worker, passes_filters, rate_seconds
from tests.conftest import sample_event


def test_publisher_filter_from_the_template_passes_only_outbox_inserts() -> None:
    t = Template(ROOT / "template.yaml", stack_name="s", region="eu-west-1",
                 account_id="123456789012")
    events = t.properties("PublisherFunction")["Events"]
    filters = events["Outbox"]["Properties"]["FilterCriteria"]["Filters"]
    records = sample_event("publisher/outbox-insert")["Records"]
    assert [passes_filters(filters, r) for r in records] == [False, True]
    modified = {**records[1], "eventName": "MODIFY"}
    assert passes_filters(filters, modified) is False


def test_no_filters_pass_everything() -> None:
    assert passes_filters([], {"anything": 1})


@pytest.mark.parametrize(("expression", "seconds"), [
    ("rate(1 minute)", 60), ("rate(5 minutes)", 300), ("rate(2 hours)", 7200),
    ("rate(1 day)", 86400)])
def test_rate_expressions(expression: str, seconds: int) -> None:
    assert rate_seconds(expression) == seconds


def test_cron_is_refused_with_a_clear_message() -> None:
    with pytest.raises(ValueError, match="rate"):
        rate_seconds("cron(0 12 * * ? *)")


def test_an_idle_worker_backs_off_to_a_second_and_polls_fast_again_after_work() -> None:
    polls: list[int] = [0, 0, 0, 0, 0, 0, 1, 0]
    waits: list[float] = []

    class Counting(Worker):
        def poll_once(self) -> int:
            if not polls:
                self.signal_stop()
                return 1
            return polls.pop(0)

    def wait(timeout: float | None = None) -> bool:
        waits.append(timeout or 0)
        return False

    w = Counting("counting")
    w._stop.wait = wait  # type: ignore[method-assign]
    w._run()
    assert waits == [0.1, 0.2, 0.4, 0.8, 1.0, 1.0, 0.1]
