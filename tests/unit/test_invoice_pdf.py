"""The invoice PDF: read back with pypdf, as a customer's viewer or a bank's scanner would."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import date
from decimal import Decimal
from typing import Any

import pypdf
import pytest

from portico.invoices import amounts, models, pdf

ACCOUNT: dict[str, Any] = {
    "name": "Acme Oy", "number": "C-1001",
    "billing_address": {"line1": "Mannerheimintie 1", "line2": "PL 12",
                        "postal_code": "00100", "city": "Helsinki", "country": "FI"},
}


def line(description: str = "Support hours, November", quantity: str = "3",
         unit_price: int = 12_000, tax_rate: str = "25.5") -> models.Line:
    return models.Line(description=description, quantity=Decimal(quantity),
                       unit_price=unit_price, tax_rate=Decimal(tax_rate))


def invoice(lines: list[models.Line] | None = None, **changes: Any) -> models.Invoice:
    priced, sums = amounts.priced(lines or [line(), line("Licence", "1", 4_990, "14"),
                                            line("Onboarding", "2", 15_000, "25.5")])
    fields: dict[str, Any] = {
        "id": "inv-1", "number": "INV-2026-1042", "account_id": "acc-1", "currency": "EUR",
        "issue_date": date(2026, 11, 26), "due_date": date(2026, 12, 10), "status": "open",
        "payment_reference": "RF18 5390 0754 7034", "lines": priced, "taxes": sums["taxes"],
        "net_total": sums["net_total"], "tax_total": sums["tax_total"],
        "total": sums["total"], "version": 3, "source_version": 2,
        "updated_at": "2026-11-26T10:15:00+00:00",
    }
    return models.Invoice(**{**fields, **changes})


def read(document: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(document))


def pages_text(document: bytes) -> list[str]:
    # Amounts group thousands with a no-break space; compare with plain spaces.
    return [page.extract_text().replace("\xa0", " ") for page in read(document).pages]


def text(document: bytes) -> str:
    return "\n".join(pages_text(document))


def plain(value: str) -> str:
    return value.replace("\xa0", " ")


def test_renders_a_pdf_that_pypdf_opens() -> None:
    document = pdf.render(invoice(), account=ACCOUNT, language="en")
    assert document.startswith(b"%PDF-")
    assert len(read(document).pages) == 1


def test_the_pdf_says_what_the_customer_pays_to_whom_and_by_when() -> None:
    inv = invoice()
    found = text(pdf.render(inv, account=ACCOUNT, language="en"))
    assert "INV-2026-1042" in found
    assert plain(amounts.format_minor(inv.total, "EUR", "en")) in found
    for tax in inv.taxes:
        assert plain(amounts.format_minor(tax.tax, "EUR", "en")) in found
        assert f"{tax.rate.normalize()} %" in found
    assert "10 Dec 2026" in found
    assert "RF18 5390 0754 7034" in found
    for expected in ("Acme Oy", "C-1001", "Mannerheimintie 1", "00100 Helsinki",
                     "Portico Support", "FI21 1234 5600 0007 85", "Invoice", "Total to pay"):
        assert expected in found


def test_finnish_labels_dates_and_decimal_commas() -> None:
    inv = invoice()
    found = text(pdf.render(inv, account=ACCOUNT, language="fi"))
    for expected in ("LASKU", "Eräpäivä", "10.12.2026", "26.11.2026", "Viitenumero",
                     "Maksettava yhteensä", "25,5 %"):
        assert expected in found
    assert plain(amounts.format_minor(inv.total, "EUR", "fi")) in found
    assert "Total to pay" not in found


def test_an_unknown_language_falls_back_to_english() -> None:
    found = text(pdf.render(invoice(), account=ACCOUNT, language="sv-SE"))
    assert "Due date" in found
    assert "10 Dec 2026" in found


def test_many_lines_flow_onto_more_pages_each_with_the_table_header() -> None:
    lines = [line(f"Item {n}", "1", 1_000 + n) for n in range(150)]
    pages = pages_text(pdf.render(invoice(lines), account=ACCOUNT, language="en"))
    assert len(pages) > 1
    for number, page in enumerate(pages, start=1):
        assert "Description" in page
        assert "Unit price" in page
        assert f"Page {number} / {len(pages)}" in page
    assert "Item 149" in pages[-1]
    assert "Total to pay" in pages[-1]


def test_a_long_description_wraps_and_is_all_there() -> None:
    words = [f"word{n}" for n in range(70)]
    found = text(pdf.render(invoice([line(" ".join(words))]), account=ACCOUNT,
                            language="en"))
    assert all(word in found for word in words)


def test_text_the_font_cannot_show_does_not_break_the_render() -> None:
    odd = "Coffee ☕ 咖啡 café\x00\x07 tab\there Łódź ﬁne 👍🏽"
    document = pdf.render(invoice([line(odd)]), account={**ACCOUNT, "name": "Ōsaka 株式会社"},
                          language="en")
    found = text(document)
    assert "café" in found
    assert "tab here" in found
    assert "Lódz" in found
    assert "fine" in found
    assert "Osaka" in found


def test_fold_keeps_what_the_core_font_has() -> None:
    assert pdf.fold("äöå € “x” \u2013 y") == "äöå € “x” \u2013 y"
    assert pdf.fold("a\tb\nc\x00d") == "a b cd"
    assert pdf.fold("😀") == "?"
    assert pdf.fold("e\u0301") == "e"


def test_a_credit_line_shows_negative_and_a_credit_total() -> None:
    inv = invoice([line("Refund of October", "-1", 5_000)])
    found = text(pdf.render(inv, account=ACCOUNT, language="en"))
    assert plain(amounts.format_minor(-5_000, "EUR", "en")) in found
    assert plain(amounts.format_minor(inv.total, "EUR", "en")) in found
    assert inv.total < 0
    assert "Total credit" in found


def test_a_paid_invoice_is_stamped_and_says_when() -> None:
    found = text(pdf.render(invoice(status="paid", paid_on=date(2026, 12, 1)),
                            account=ACCOUNT, language="en"))
    assert "PAID" in found
    assert "1 Dec 2026" in found


def test_a_cancelled_invoice_is_stamped_with_its_reason() -> None:
    found = text(pdf.render(invoice(status="cancelled", cancelled_reason="Sent twice"),
                            account=ACCOUNT, language="fi"))
    assert "MITÄTÖITY" in found
    assert "Sent twice" in found


def test_an_open_invoice_has_no_stamp() -> None:
    found = text(pdf.render(invoice(), account=ACCOUNT, language="en"))
    assert "PAID" not in found
    assert "CANCELLED" not in found


def test_an_account_without_an_address_still_renders() -> None:
    found = text(pdf.render(invoice(), account={"name": "Bare Ltd"}, language="en"))
    assert "Bare Ltd" in found


def test_the_same_version_renders_the_same_bytes() -> None:
    first = pdf.render(invoice(), account=ACCOUNT, language="en")
    assert pdf.render(invoice(), account=ACCOUNT, language="en") == first
    later = invoice(updated_at="2026-11-27T08:00:00+00:00")
    assert pdf.render(later, account=ACCOUNT, language="en") != first


def test_metadata_names_the_invoice_and_the_operator() -> None:
    meta = read(pdf.render(invoice(), account=ACCOUNT, language="en")).metadata
    assert meta is not None
    assert meta.title == "INV-2026-1042"
    assert meta.author == "Portico Support"
    assert meta.creation_date is not None
    assert meta.creation_date.isoformat().startswith("2026-11-26T10:15:00")


def test_brand_name_comes_from_the_environment_when_set(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRAND_NAME", "Acme Billing")
    document = pdf.render(invoice(), account=ACCOUNT, language="en")
    assert "Acme Billing" in text(document)
    meta = read(document).metadata
    assert meta is not None
    assert meta.author == "Acme Billing"


def test_importing_the_module_does_not_import_fpdf() -> None:
    check = "import sys, portico.invoices.pdf; sys.exit('fpdf' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", check], check=False).returncode == 0
