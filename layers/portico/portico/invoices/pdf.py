"""An invoice as a PDF, in the customer's language, with the operator's brand and bank details.

fpdf2 is imported when a PDF is rendered, not with this module: the invoices function's other
routes never draw one and should not pay for the import. Text is set in the PDF core font
(Helvetica, Windows-1252), so the function ships no font file; what that font cannot show is
folded to its nearest Latin letters or a question mark rather than failing the render."""

from __future__ import annotations

import json
import os
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import TYPE_CHECKING, Any

from portico.invoices import amounts, models

if TYPE_CHECKING:
    from fpdf import FPDF

LANGUAGES = ("en", "fi")
# Windows-1252 (the core fonts' WinAnsiEncoding) has the euro sign and typographic quotes
# and dashes that Latin-1 lacks.
ENCODING = "cp1252"
FONT = "Helvetica"
# Letters that NFKD does not take apart but that have an obvious Latin stand-in.
_STAND_INS = str.maketrans({"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "\u0131": "i", "ħ": "h"})
_LINE_BREAKS = "\t\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"

# A4 in millimetres: the columns of the lines table add up to the width between margins.
MARGIN = 15.0
WIDTH = 210.0 - 2 * MARGIN
COLUMNS = (78.0, 18.0, 32.0, 18.0, 34.0)  # description, quantity, unit price, tax %, net
BLUE = (11, 92, 173)
GREY = (90, 90, 90)
STAMP_RED = (200, 30, 30)


@dataclass(frozen=True)
class Brand:
    name: str
    address: tuple[str, ...]
    business_id: str
    iban: str
    bic: str
    email: str
    logo: str


def _folder() -> Traversable:
    return resources.files("portico").joinpath("templates", "invoice")


@cache
def _brand_file() -> Brand:
    data = json.loads(_folder().joinpath("brand.json").read_text(encoding="utf-8"))
    return Brand(name=data["name"], address=tuple(data.get("address", ())),
                 business_id=data.get("business_id", ""), iban=data.get("iban", ""),
                 bic=data.get("bic", ""), email=data.get("email", ""),
                 logo=data.get("logo", ""))


def brand() -> Brand:
    """The operator as brand.json describes it; BRAND_NAME, read per call, renames it."""
    found = _brand_file()
    name = os.environ.get("BRAND_NAME", "").strip()
    return replace(found, name=name) if name else found


@cache
def labels(language: str) -> Mapping[str, Any]:
    """The invoice's words in `language`; English fills in for a language or word we lack."""
    def read(lang: str) -> dict[str, Any]:
        text = _folder().joinpath(f"{lang}.json").read_text(encoding="utf-8")
        loaded: dict[str, Any] = json.loads(text)
        return loaded

    english = read("en")
    return english if language == "en" else {**english, **read(language)}


def language_of(language: str) -> str:
    """`fi`, `fi-FI` and `FI` are Finnish; anything we have no words for is English."""
    base = language.strip().lower().replace("_", "-").split("-")[0]
    return base if base in LANGUAGES else "en"


def fold(text: str) -> str:
    """`text` as the core font can show it: line breaks and tabs become spaces, other control
    and format characters go, accented letters outside Windows-1252 lose their accents
    (NFKD), and what is left unshowable (emoji, CJK) becomes '?'."""
    out: list[str] = []
    for ch in text.translate(_STAND_INS):
        if ch in _LINE_BREAKS:
            out.append(" ")
            continue
        category = unicodedata.category(ch)
        if category[0] == "C":
            continue
        if _showable(ch):
            out.append(ch)
            continue
        if category in ("Mn", "Me"):  # a stray accent or an emoji's variation selector
            continue
        parts = [c for c in unicodedata.normalize("NFKD", ch)
                 if not unicodedata.combining(c) and _showable(c)]
        out.append("".join(parts) or "?")
    return "".join(out)


def _showable(ch: str) -> bool:
    if unicodedata.category(ch)[0] == "C":
        return False
    try:
        ch.encode(ENCODING)
    except UnicodeEncodeError:
        return False
    return True


def format_date(day: date, language: str) -> str:
    """`26.11.2026` in Finnish, `26 Nov 2026` in English: month names from the labels, not
    the machine's locale."""
    if language == "fi":
        return f"{day.day}.{day.month}.{day.year}"
    months = labels(language)["months"]
    return f"{day.day} {months[day.month - 1]} {day.year}"


def format_decimal(value: Decimal, language: str) -> str:
    """A quantity or rate without trailing zeros, with the language's decimal mark."""
    text = format(value.normalize(), "f")
    return text.replace(".", ",") if language == "fi" else text


def created_at(invoice: models.Invoice) -> datetime:
    """The PDF's creation date: when this version of the invoice was stored, so the same
    version always renders the same bytes."""
    try:
        when = datetime.fromisoformat(invoice.updated_at)
    except ValueError:
        when = datetime(invoice.issue_date.year, invoice.issue_date.month,
                        invoice.issue_date.day)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _address(account: Mapping[str, Any]) -> list[str]:
    found = account.get("billing_address")
    if not isinstance(found, Mapping):
        return []
    lines = [found.get("line1"), found.get("line2"),
             " ".join(str(p) for p in (found.get("postal_code"), found.get("city")) if p),
             found.get("country")]
    return [str(line) for line in lines if line]


def render(invoice: models.Invoice, *, account: Mapping[str, Any], language: str) -> bytes:
    """The invoice as PDF bytes in `language` (English when we do not have it)."""
    lang = language_of(language)
    document = _Renderer(invoice, account, lang, brand())
    return document.render()


class _Renderer:
    def __init__(self, invoice: models.Invoice, account: Mapping[str, Any], language: str,
                 operator: Brand) -> None:
        self.invoice = invoice
        self.account = account
        self.language = language
        self.words = labels(language)
        self.brand = operator

    def money(self, amount: int) -> str:
        return amounts.format_minor(amount, self.invoice.currency, self.language)

    def day(self, value: date) -> str:
        return format_date(value, self.language)

    def render(self) -> bytes:
        pdf = _document_class()(self)
        pdf.set_margins(MARGIN, MARGIN, MARGIN)
        pdf.set_auto_page_break(True, margin=20)
        pdf.core_fonts_encoding = ENCODING
        pdf.set_title(fold(self.invoice.number))
        pdf.set_author(fold(self.brand.name))
        pdf.set_subject(fold(f"{self.words['title']} {self.invoice.number}"))
        pdf.set_creator(fold(self.brand.name))
        pdf.set_lang(self.language)
        pdf.set_creation_date(created_at(self.invoice))
        pdf.alias_nb_pages()
        pdf.add_page()
        self.letterhead(pdf)
        self.parties(pdf)
        self.stamp(pdf)
        self.lines(pdf)
        self.sums(pdf)
        self.payment(pdf)
        return bytes(pdf.output())

    # -- page one ---------------------------------------------------------------------------
    def letterhead(self, pdf: FPDF) -> None:
        top = pdf.get_y()
        text_x = MARGIN
        if self.brand.logo:
            with resources.as_file(_folder().joinpath(self.brand.logo)) as logo:
                pdf.image(str(logo), x=MARGIN, y=top, w=14, h=14)
            text_x = MARGIN + 18
        pdf.set_xy(text_x, top)
        pdf.set_font(FONT, "B", 14)
        pdf.cell(90, 7, fold(self.brand.name))
        pdf.set_font(FONT, "", 8)
        pdf.set_text_color(*GREY)
        for n, line in enumerate(self.brand.address):
            pdf.set_xy(text_x, top + 7 + 3.6 * n)
            pdf.cell(90, 3.6, fold(line))
        pdf.set_text_color(0)
        pdf.set_xy(MARGIN, top)
        pdf.set_font(FONT, "B", 22)
        pdf.set_text_color(*BLUE)
        pdf.cell(WIDTH, 10, fold(self.words["title"]).upper(), align="R")
        pdf.set_text_color(0)
        pdf.set_y(max(top + 26, pdf.get_y()))

    def parties(self, pdf: FPDF) -> None:
        """The customer on the left, the invoice's numbers and dates on the right."""
        top = pdf.get_y()
        name = self.account.get("name") or self.invoice.account_name or ""
        pdf.set_font(FONT, "B", 8)
        pdf.set_text_color(*GREY)
        pdf.cell(90, 5, fold(self.words["bill_to"]).upper())
        pdf.set_text_color(0)
        pdf.ln(5)
        pdf.set_font(FONT, "B", 10)
        pdf.multi_cell(90, 5, fold(str(name)), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, "", 10)
        for line in _address(self.account):
            pdf.multi_cell(90, 5, fold(line), new_x="LMARGIN", new_y="NEXT")
        if self.account.get("number"):
            pdf.ln(1)
            pdf.set_font(FONT, "", 9)
            pdf.multi_cell(90, 5, fold(f"{self.words['customer_number']}: "
                                       f"{self.account['number']}"),
                           new_x="LMARGIN", new_y="NEXT")
        left_bottom = pdf.get_y()

        facts = [(self.words["number"], self.invoice.number),
                 (self.words["issue_date"], self.day(self.invoice.issue_date)),
                 (self.words["due_date"], self.day(self.invoice.due_date))]
        if self.invoice.payment_reference:
            facts.append((self.words["payment_reference"], self.invoice.payment_reference))
        if self.invoice.paid_on:
            facts.append((self.words["paid_on"], self.day(self.invoice.paid_on)))
        pdf.set_y(top)
        for label, value in facts:
            pdf.set_x(MARGIN + WIDTH - 80)
            pdf.set_font(FONT, "", 9)
            pdf.set_text_color(*GREY)
            pdf.cell(38, 5.5, fold(label))
            pdf.set_text_color(0)
            pdf.set_font(FONT, "B", 9)
            pdf.multi_cell(42, 5.5, fold(value), align="R", new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(max(left_bottom, pdf.get_y()) + 8)

    def stamp(self, pdf: FPDF) -> None:
        """A slanted status stamp, in a band of its own above the lines so that it hides no
        figure, when the invoice is not simply open."""
        if self.invoice.status == "open":
            return
        word = self.words["status"].get(self.invoice.status)
        if not word:
            return
        text = fold(word)
        pdf.set_font(FONT, "B", 22)
        width = pdf.get_string_width(text) + 10
        centre_x, centre_y = MARGIN + WIDTH - 45, pdf.get_y() + 6
        with pdf.local_context(fill_opacity=0.8, stroke_opacity=0.8, text_color=STAMP_RED,
                               draw_color=STAMP_RED, line_width=0.9), \
                pdf.rotation(8, x=centre_x, y=centre_y):
            pdf.rect(centre_x - width / 2, centre_y - 6.5, width, 13, round_corners=True)
            pdf.text(centre_x - width / 2 + 5, centre_y + 2.8, text)
        pdf.set_y(centre_y + 14)

    # -- the lines --------------------------------------------------------------------------
    def lines(self, pdf: FPDF) -> None:
        from fpdf.fonts import FontFace

        words = self.words
        pdf.set_font(FONT, "", 9)
        heading = FontFace(emphasis="BOLD", color=(255, 255, 255), fill_color=BLUE)
        with pdf.table(col_widths=COLUMNS, width=WIDTH,
                       text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
                       headings_style=heading, borders_layout="HORIZONTAL_LINES",
                       line_height=4.6, padding=(1.2, 1.5), repeat_headings=1,
                       v_align="TOP") as table:
            row = table.row()
            for key in ("description", "quantity", "unit_price", "tax_rate", "net"):
                row.cell(fold(words[key]))
            for ln in self.invoice.lines:
                row = table.row()
                row.cell(fold(ln.description))
                row.cell(format_decimal(ln.quantity, self.language))
                row.cell(fold(self.money(ln.unit_price)))
                row.cell(format_decimal(ln.tax_rate, self.language))
                row.cell(fold(self.money(ln.net)))
        pdf.ln(4)

    def sums(self, pdf: FPDF) -> None:
        """Tax at each rate on its net, then the totals, kept together on one page."""
        invoice, words = self.invoice, self.words
        rows: list[tuple[str, str, str]] = [
            (f"{format_decimal(tax.rate, self.language)} %",
             self.money(tax.net), self.money(tax.tax)) for tax in invoice.taxes]
        height = 5.0 * (len(rows) + 1) + 6 + 5.0 * 2 + 8
        if pdf.will_page_break(height):
            pdf.add_page()
        x = MARGIN + WIDTH - 110
        pdf.set_font(FONT, "B", 8)
        pdf.set_text_color(*GREY)
        pdf.set_x(x)
        for text, w in ((words["tax_rate"], 40), (words["net"], 35), (words["tax"], 35)):
            pdf.cell(w, 5, fold(text), align="L" if w == 40 else "R")
        pdf.ln(5)
        pdf.set_text_color(0)
        pdf.set_font(FONT, "", 9)
        for rate, net, tax_amount in rows:
            pdf.set_x(x)
            pdf.cell(40, 5, fold(rate))
            pdf.cell(35, 5, fold(net), align="R")
            pdf.cell(35, 5, fold(tax_amount), align="R")
            pdf.ln(5)
        pdf.ln(2)
        pdf.set_draw_color(*GREY)
        pdf.line(x, pdf.get_y(), MARGIN + WIDTH, pdf.get_y())
        pdf.ln(2)
        for label, amount in ((words["net_total"], invoice.net_total),
                              (words["tax_total"], invoice.tax_total)):
            pdf.set_x(x)
            pdf.cell(75, 5, fold(label))
            pdf.cell(35, 5, fold(self.money(amount)), align="R")
            pdf.ln(5)
        pdf.set_x(x)
        pdf.set_font(FONT, "B", 11)
        total_label = words["total_credit"] if invoice.total < 0 else words["total"]
        pdf.cell(65, 8, fold(total_label))
        pdf.cell(45, 8, fold(self.money(invoice.total)), align="R")
        pdf.ln(12)

    def payment(self, pdf: FPDF) -> None:
        """What the customer's bank needs: payee, account, reference, due date, amount."""
        invoice, words, operator = self.invoice, self.words, self.brand
        facts = [(words["payee"], operator.name), (words["iban"], operator.iban),
                 (words["bic"], operator.bic)]
        if invoice.payment_reference:
            facts.append((words["payment_reference"], invoice.payment_reference))
        facts += [(words["due_date"], self.day(invoice.due_date)),
                  (words["amount"], self.money(invoice.total))]
        facts = [(label, value) for label, value in facts if value]
        reason = invoice.cancelled_reason if invoice.status == "cancelled" else None
        height = 8 + 5.0 * len(facts) + (12 if reason else 0)
        if pdf.will_page_break(height):
            pdf.add_page()
        if reason:
            pdf.set_font(FONT, "B", 9)
            pdf.cell(WIDTH, 5, fold(words["cancelled_reason"]))
            pdf.ln(5)
            pdf.set_font(FONT, "", 9)
            pdf.multi_cell(WIDTH, 5, fold(reason), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
        top = pdf.get_y()
        pdf.set_font(FONT, "B", 8)
        pdf.set_text_color(*GREY)
        pdf.cell(WIDTH, 6, fold(words["payment"]).upper())
        pdf.ln(7)
        pdf.set_text_color(0)
        for label, value in facts:
            pdf.set_x(MARGIN + 3)
            pdf.set_font(FONT, "", 9)
            pdf.cell(45, 5, fold(label))
            pdf.set_font(FONT, "B", 9)
            pdf.cell(WIDTH - 48, 5, fold(value))
            pdf.ln(5)
        pdf.set_draw_color(*BLUE)
        pdf.set_line_width(0.4)
        pdf.rect(MARGIN, top, WIDTH, pdf.get_y() - top + 2)

    # -- every page -------------------------------------------------------------------------
    def running_head(self, pdf: FPDF) -> None:
        """Pages after the first say whose invoice they continue."""
        if pdf.page_no() == 1:
            return
        pdf.set_font(FONT, "B", 9)
        pdf.cell(WIDTH / 2, 6, fold(self.brand.name))
        pdf.set_font(FONT, "", 9)
        pdf.cell(WIDTH / 2, 6, fold(f"{self.words['title']} {self.invoice.number}"),
                 align="R")
        pdf.ln(10)

    def footer(self, pdf: FPDF) -> None:
        operator = self.brand
        pdf.set_y(-15)
        pdf.set_font(FONT, "", 7.5)
        pdf.set_text_color(*GREY)
        parts = [operator.name]
        if operator.business_id:
            parts.append(f"{self.words['business_id']} {operator.business_id}")
        if operator.email:
            parts.append(operator.email)
        pdf.cell(WIDTH * 0.75, 5, fold(" · ".join(parts)))
        page = self.words["page"].format(page=pdf.page_no(), pages=pdf.str_alias_nb_pages)
        pdf.cell(WIDTH * 0.25, 5, fold(page), align="R")
        pdf.set_text_color(0)


@cache
def _document_class() -> Callable[[_Renderer], FPDF]:
    """The FPDF subclass whose header and footer the renderer draws, made on first use so
    that importing this module does not import fpdf."""
    from fpdf import FPDF

    class Document(FPDF):
        def __init__(self, renderer: _Renderer) -> None:
            super().__init__(orientation="P", unit="mm", format="A4")
            self.renderer = renderer

        def header(self) -> None:
            self.renderer.running_head(self)

        def footer(self) -> None:
            self.renderer.footer(self)

    return Document
