"""The invoices' contract: what the back office sends (events/integration/) and what the
API answers. Money is in integer minor units (cents) throughout; quantities and tax rates
are exact decimals, never floats."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints, model_validator

from portico.inputs import Input

# An invoice number is its id in the portal's addresses: the back office's own number,
# kept readable (`INV-2026-1042`).
NUMBER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$"
ACCOUNT_NUMBER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$"
ACCOUNT_ID_PATTERN = r"^[A-Za-z0-9_.-]{1,64}$"
# A PDF the back office rendered itself is uploaded under this prefix of the documents
# bucket; a key anywhere else (another invoice's, the search index) is refused.
INBOUND_PDF_PREFIX = "invoices/inbound/"
MAX_LINES = 200
MAX_AMOUNT = 10**13  # minor units: a hundred billion in the currency, per line or total

Status = Literal["open", "paid", "overdue", "cancelled"]
STATUSES: tuple[str, ...] = ("open", "paid", "overdue", "cancelled")
UNPAID: frozenset[str] = frozenset({"open", "overdue"})

Number = Annotated[str, StringConstraints(pattern=NUMBER_PATTERN)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


# -- what the back office sends -------------------------------------------------------------
class Line(Input):
    description: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                                  max_length=500)]
    quantity: Decimal = Field(strict=False, max_digits=12, decimal_places=3,
                              ge=Decimal(-10**8), le=Decimal(10**8))
    unit_price: int = Field(ge=-MAX_AMOUNT, le=MAX_AMOUNT, description="minor units")
    tax_rate: Decimal = Field(strict=False, max_digits=5, decimal_places=2, ge=0, le=100,
                              description="percent, e.g. 25.5")


class ForAccount(Input):
    """Names the customer account by the portal's id or by the back office's number."""

    account_id: str | None = Field(default=None, pattern=ACCOUNT_ID_PATTERN)
    account_number: str | None = Field(default=None, pattern=ACCOUNT_NUMBER_PATTERN)

    @model_validator(mode="after")
    def _one_account(self) -> ForAccount:
        if (self.account_id is None) == (self.account_number is None):
            raise ValueError("give account_id or account_number, one of them")
        return self


class InvoiceIssued(ForAccount):
    """A new invoice, or a new version of one (a corrected line, a new due date)."""

    number: Number
    currency: Currency
    issue_date: date = Field(strict=False)
    due_date: date = Field(strict=False)
    lines: list[Line] = Field(min_length=1, max_length=MAX_LINES)
    version: int = Field(ge=1, le=2**53, description="the back office's revision; higher wins")
    payment_reference: Annotated[str, StringConstraints(strip_whitespace=True,
                                                        max_length=40)] | None = None
    pdf_s3_key: Annotated[str, StringConstraints(
        pattern=r"^invoices/inbound/[A-Za-z0-9/._-]{1,200}\.pdf$")] | None = None

    @model_validator(mode="after")
    def _dates(self) -> InvoiceIssued:
        if self.due_date < self.issue_date:
            raise ValueError("due_date is before issue_date")
        if self.pdf_s3_key and ".." in self.pdf_s3_key:
            raise ValueError("pdf_s3_key may not climb out of its folder")
        return self


class InvoicePaid(ForAccount):
    number: Number
    version: int = Field(ge=1, le=2**53)
    paid_on: date = Field(strict=False)
    payment_reference: Annotated[str, StringConstraints(strip_whitespace=True,
                                                        max_length=40)] | None = None


class InvoiceCancelled(ForAccount):
    number: Number
    version: int = Field(ge=1, le=2**53)
    reason: Text | None = None


# -- what the API answers -------------------------------------------------------------------
class LineOut(BaseModel):
    description: str
    quantity: Decimal
    unit_price: int
    tax_rate: Decimal
    net: int
    tax: int
    gross: int


class TaxOut(BaseModel):
    """Tax at one rate: what the invoice's lines at that rate add up to."""

    rate: Decimal
    net: int
    tax: int


class InvoiceSummary(BaseModel):
    id: str
    number: str
    account_id: str
    currency: str
    issue_date: date
    due_date: date
    status: Status
    net_total: int
    tax_total: int
    total: int
    payment_reference: str | None = None
    paid_on: date | None = None


class Invoice(InvoiceSummary):
    account_name: str | None = None
    lines: list[LineOut]
    taxes: list[TaxOut]
    cancelled_reason: str | None = None
    version: int
    source_version: int
    updated_at: str


class InvoicePage(BaseModel):
    items: list[InvoiceSummary]
    cursor: str | None = None


class CurrencyBalance(BaseModel):
    currency: str
    open: int = Field(description="unpaid and not yet due, minor units")
    overdue: int = Field(description="unpaid and past due, minor units")
    total: int = Field(description="all unpaid, minor units")
    open_count: int
    overdue_count: int


class Balance(BaseModel):
    account_id: str
    currencies: list[CurrencyBalance]


class PdfLink(BaseModel):
    url: str
    expires_in: int = Field(description="seconds the link works")
    filename: str


class NewCopyRequest(Input):
    channel: Literal["email", "post"]
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] = ""


class CopyRequest(BaseModel):
    id: str
    invoice_id: str
    channel: str
    note: str
    requested_at: str


def is_number(value: str) -> bool:
    return re.fullmatch(NUMBER_PATTERN, value) is not None
