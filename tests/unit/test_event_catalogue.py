"""events/ is the catalogue of every event on the bus: each type the code emits is
documented in events/README.md and has a sample, and every sample validates against the
schema the code uses (the envelope for the portal's events, the inbound schemas for a back
office's)."""

from __future__ import annotations

import ast
import functools
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"
README = EVENTS / "README.md"
CODE = (ROOT / "layers" / "portico" / "portico", ROOT / "functions")

# Types emitted through a variable rather than a literal, by where they come from. A new
# computed `.event(...)` call fails test_computed_events_are_listed until it is added here.
COMPUTED: dict[tuple[str, str], frozenset[str]] = {
    # ledger._move(..., event=...): cancel, approve, reject
    ("layers/portico/portico/bookings/ledger.py", "event"):
        frozenset({"BookingCancelled", "BookingConfirmed", "BookingRejected"}),
    # ingest.apply: the inbound type, applied to an invoice the portal has
    ("layers/portico/portico/invoices/ingest.py", "type_"):
        frozenset({"InvoiceIssued", "InvoicePaid", "InvoiceCancelled"}),
}


def _load(path: Path) -> Any:
    # As the ingest function and the webhook read them: decimals stay exact.
    return json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)


@functools.cache  # parsing every module takes a while, and a dozen tests ask
def _event_calls() -> list[tuple[str, ast.expr]]:
    """The first argument of every `<x>.event(...)` call in the code, with its file."""
    calls = []
    for top in CODE:
        for path in sorted(top.rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                        and node.func.attr == "event" and node.args:
                    calls.append((path.relative_to(ROOT).as_posix(), node.args[0]))
    return calls


def _literals(arg: ast.expr) -> set[str] | None:
    """The type names an argument can be when written out (`"X"`, `"X" if c else "Y"`)."""
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return {arg.value}
    if isinstance(arg, ast.IfExp):
        body, orelse = _literals(arg.body), _literals(arg.orelse)
        if body is not None and orelse is not None:
            return body | orelse
    return None


def emitted() -> set[str]:
    types: set[str] = set()
    for _, arg in _event_calls():
        types |= _literals(arg) or set()
    for names in COMPUTED.values():
        types |= names
    return types


def documented() -> set[str]:
    return set(re.findall(r"`([A-Z][A-Za-z]+)`", README.read_text(encoding="utf-8")))


def envelopes() -> list[Path]:
    return [p for p in sorted(EVENTS.rglob("*.json"))
            if isinstance(doc := _load(p), dict) and {"type", "actor", "data"} <= doc.keys()]


INBOUND = sorted((EVENTS / "integration").glob("*.json"))


def test_the_code_emits_events() -> None:
    # The scan finds something to check: a moved package would empty it silently.
    assert len(emitted()) > 40
    assert {"CaseCreated", "BookingConfirmed", "InvoicePaymentHeld",
            "ContactAccessChanged"} <= emitted()


def test_computed_events_are_listed() -> None:
    unlisted = sorted({(path, ast.unparse(arg)) for path, arg in _event_calls()
                       if _literals(arg) is None} - set(COMPUTED))
    assert not unlisted, f"list the types these calls emit in COMPUTED: {unlisted}"


def test_every_emitted_type_is_documented() -> None:
    missing = sorted(emitted() - documented())
    assert not missing, f"events/README.md does not document {missing}"


def test_every_emitted_type_has_a_sample() -> None:
    sampled = {str(_load(p)["type"]) for p in envelopes()}
    missing = sorted(emitted() - sampled)
    assert not missing, f"no sample under events/ for {missing}"


@pytest.mark.parametrize("path", envelopes(), ids=lambda p: p.relative_to(EVENTS).as_posix())
def test_envelope_samples_validate(path: Path) -> None:
    from portico.events import SOURCE, Event

    doc = _load(path)
    event = Event.model_validate(doc)
    assert event.type in documented(), f"{event.type} is not in events/README.md"
    assert event.type in emitted(), f"nothing in the code emits {event.type}"
    if doc.get("source") is not None:  # none is: the bus event's detail is the envelope
        assert doc["source"] == SOURCE


def test_bus_event_sample_carries_an_envelope() -> None:
    from portico.events import SOURCE, Event

    bus = _load(EVENTS / "domain" / "bus-event.json")
    event = Event.model_validate(bus["detail"])
    assert bus["source"] == SOURCE
    assert bus["detail-type"] == event.type


@pytest.mark.parametrize("path", INBOUND, ids=lambda p: p.name)
def test_inbound_samples_validate(path: Path) -> None:
    from portico.integrations.inbound import validate

    bus = _load(path)
    assert {"version", "id", "detail-type", "source", "account", "time", "region",
            "resources", "detail"} <= bus.keys()
    assert re.fullmatch(r"integration\.[a-z][a-z0-9-]{0,31}", bus["source"])
    validate(bus["detail-type"], bus["detail"])  # raises Rejected when invalid
    assert path.stem == re.sub(r"(?<!^)(?=[A-Z])", "-", bus["detail-type"]).lower()


def test_every_inbound_type_has_a_sample_and_is_documented() -> None:
    from portico.integrations.inbound import SCHEMAS

    sampled = {_load(p)["detail-type"] for p in INBOUND}
    assert sampled == set(SCHEMAS)
    text = README.read_text(encoding="utf-8")
    inbound = text[text.index("## Inbound"):]
    assert all(f"`{t}`" in inbound for t in SCHEMAS)


def test_an_invalid_inbound_sample_is_rejected() -> None:
    # The check above means something: the schemas do refuse a bad detail.
    from portico.integrations.inbound import Rejected, validate

    bus = _load(EVENTS / "integration" / "invoice-issued.json")
    with pytest.raises(Rejected, match="currency"):
        validate("InvoiceIssued", {**bus["detail"], "currency": "eur"})
