"""Event-source pieces that need no AWS: filter criteria and schedule expressions."""

from __future__ import annotations

import pytest

from infra.local import ROOT
from infra.template import Template
from infra.workers import passes_filters, rate_seconds
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
