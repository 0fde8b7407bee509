"""Every storage key of the one table, in one place.

Access patterns (table `pk`/`sk`, indexes `gsi1`, `gsi2`):

| what                         | read by                                   |
|------------------------------|-------------------------------------------|
| an account                   | get `ACCOUNT#<id>` / `ACCOUNT`            |
| a contact                    | get `CONTACT#<id>` / `CONTACT`            |
| contacts of an account       | query `ACCOUNT#<id>`, sk begins `MEMBER#` |
| accounts of a contact        | query gsi1 `CONTACT#<id>`, sk begins `MEMBER#` |
| an outbox event              | written once, read only by the stream     |

Outbox items are written beside the change they describe and expire after a week: the
table's stream has delivered them by then, and the bus is the record of events.
"""

from __future__ import annotations

OUTBOX_PREFIX = "OUTBOX#"

Key = dict[str, str]


def account(account_id: str) -> Key:
    return {"pk": f"ACCOUNT#{account_id}", "sk": "ACCOUNT"}


def contact(contact_id: str) -> Key:
    return {"pk": f"CONTACT#{contact_id}", "sk": "CONTACT"}


def membership(account_id: str, contact_id: str) -> Key:
    return {"pk": f"ACCOUNT#{account_id}", "sk": f"MEMBER#{contact_id}"}


def membership_by_contact(account_id: str, contact_id: str) -> Key:
    """The gsi1 attributes that list a contact's accounts."""
    return {"gsi1pk": f"CONTACT#{contact_id}", "gsi1sk": f"MEMBER#{account_id}"}


def outbox(event_id: str) -> Key:
    return {"pk": f"{OUTBOX_PREFIX}{event_id}", "sk": "EVENT"}


def is_outbox(pk: str) -> bool:
    return pk.startswith(OUTBOX_PREFIX)
