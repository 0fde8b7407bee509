"""What each notification says, in English and Finnish. `{...}` names the context the
recipients module gathers for the event (numbers, subjects, amounts, times)."""

from __future__ import annotations

from typing import Any

# type -> language -> (title, body)
TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    "CaseCommented": {
        "en": ("New reply on {number}", "{author} wrote on “{subject}”: {excerpt}"),
        "fi": ("Uusi vastaus tapaukseen {number}", "{author} kirjoitti aiheeseen "
               "”{subject}”: {excerpt}")},
    "CaseNoteAdded": {
        "en": ("Internal note on {number}", "{author} added a note to “{subject}”."),
        "fi": ("Sisäinen muistiinpano: {number}", "{author} lisäsi muistiinpanon "
               "tapaukseen ”{subject}”.")},
    "CaseStatusChanged": {
        "en": ("{number} is now {status}", "“{subject}” moved from {before} to {status}."),
        "fi": ("{number}: {status}", "Tapauksen ”{subject}” tila muuttui: {before} → "
               "{status}.")},
    "CaseAssigned": {
        "en": ("{number} was assigned to you", "“{subject}” is yours to handle."),
        "fi": ("{number} on nyt sinun", "Tapaus ”{subject}” on sinun hoidettavanasi.")},
    "CaseCreated": {
        "en": ("You were copied on {number}", "{author} opened “{subject}” and added you."),
        "fi": ("Sinut lisättiin tapaukseen {number}", "{author} avasi tapauksen "
               "”{subject}” ja lisäsi sinut.")},
    "InvoiceIssued": {
        "en": ("New invoice {number}", "{total}, due {due_date}."),
        "fi": ("Uusi lasku {number}", "{total}, eräpäivä {due_date}.")},
    "InvoiceOverdue": {
        "en": ("Invoice {number} is overdue", "{total} was due {due_date}."),
        "fi": ("Lasku {number} on erääntynyt", "{total}, eräpäivä oli {due_date}.")},
    "InvoicePaid": {
        "en": ("Invoice {number} is paid", "Thank you: {total} received."),
        "fi": ("Lasku {number} on maksettu", "Kiitos: {total} vastaanotettu.")},
    "BookingConfirmed": {
        "en": ("Booked: {resource}", "{start} to {end}."),
        "fi": ("Varattu: {resource}", "{start} - {end}.")},
    "BookingRejected": {
        "en": ("Booking not accepted: {resource}", "{start}. {reason}"),
        "fi": ("Varausta ei hyväksytty: {resource}", "{start}. {reason}")},
    "BookingCancelled": {
        "en": ("Booking cancelled: {resource}", "{start} was cancelled."),
        "fi": ("Varaus peruttu: {resource}", "{start} peruttiin.")},
    "AnnouncementPublished": {
        "en": ("{title}", "{body}"),
        "fi": ("{title}", "{body}")},
    "ChangeReviewed": {
        "en": ("Your change request was {decision}", "{fields}. {reason}"),
        "fi": ("Muutospyyntösi {decision}", "{fields}. {reason}")},
}

WORDS: dict[str, dict[str, str]] = {
    "en": {"new": "new", "in_progress": "in progress", "waiting_on_customer": "waiting for "
           "you", "resolved": "resolved", "closed": "closed", "approved": "approved",
           "rejected": "rejected", "billing_address": "billing address",
           "shipping_address": "shipping address", "vat_id": "VAT id",
           "invoice_email": "invoice e-mail"},
    "fi": {"new": "uusi", "in_progress": "työn alla", "waiting_on_customer": "odottaa sinua",
           "resolved": "ratkaistu", "closed": "suljettu", "approved": "hyväksyttiin",
           "rejected": "hylättiin", "billing_address": "laskutusosoite",
           "shipping_address": "toimitusosoite", "vat_id": "ALV-tunnus",
           "invoice_email": "laskutussähköposti"},
}


def word(value: str, language: str) -> str:
    return WORDS.get(language, WORDS["en"]).get(value, value.replace("_", " "))


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def render(type_: str, language: str, context: dict[str, Any]) -> tuple[str, str]:
    """(title, body) of a notification of `type_` in `language` (English when we do not
    have it); a missing context value is left blank, never an error."""
    texts = TEXTS[type_]
    title, body = texts.get(language) or texts["en"]
    values = _Blank({k: "" if v is None else v for k, v in context.items()})
    return title.format_map(values).strip(), body.format_map(values).strip()
