"""An invoice's sums, computed by the portal from its lines (the back office sends lines,
never totals to trust): each line's net and tax rounded half-up to the minor unit, the
invoice's totals the sums of its lines."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from portico.invoices.models import Line

_UNIT = Decimal(1)


def _round(value: Decimal) -> int:
    """Half-up, away from zero for credits too (a -0.5 cent line is -1 cent)."""
    return int(value.quantize(_UNIT, rounding=ROUND_HALF_UP))


def line(ln: Line) -> dict[str, Any]:
    net = _round(ln.quantity * ln.unit_price)
    tax = _round(net * ln.tax_rate / 100)
    return {"description": ln.description, "quantity": ln.quantity,
            "unit_price": ln.unit_price, "tax_rate": ln.tax_rate,
            "net": net, "tax": tax, "gross": net + tax}


def totals(lines: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Net, tax and total of priced lines, and the tax per rate (highest rate first)."""
    by_rate: dict[Decimal, dict[str, Any]] = {}
    net = tax = 0
    for ln in lines:
        net += int(ln["net"])
        tax += int(ln["tax"])
        rate = Decimal(ln["tax_rate"]).normalize()
        entry = by_rate.setdefault(rate, {"rate": rate, "net": 0, "tax": 0})
        entry["net"] += int(ln["net"])
        entry["tax"] += int(ln["tax"])
    return {"net_total": net, "tax_total": tax, "total": net + tax,
            "taxes": [by_rate[r] for r in sorted(by_rate, reverse=True)]}


def priced(lines: Iterable[Line]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    out = [line(ln) for ln in lines]
    return out, totals(out)


def format_minor(amount: int, currency: str, language: str = "en") -> str:
    """`1 234.50 EUR` (en) / `1 234,50 EUR` (fi): the currency's code, not a symbol, which
    every reader and every font has. Two decimals; the portal's currencies all have two."""
    sign = "-" if amount < 0 else ""
    whole, cents = divmod(abs(amount), 100)
    grouped = f"{whole:,}".replace(",", "\u00a0")
    mark = "," if language == "fi" else "."
    return f"{sign}{grouped}{mark}{cents:02d} {currency}"
