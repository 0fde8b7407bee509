"""Every storage key of the one table, in one place.

Access patterns (table `pk`/`sk`, indexes `gsi1`, `gsi2`):

| what                         | read by                                   |
|------------------------------|-------------------------------------------|
| an account                   | get `ACCOUNT#<id>` / `ACCOUNT`            |
| every account, by name       | query gsi2 `ACCOUNTS` (staff's account list) |
| a contact                    | get `CONTACT#<id>` / `CONTACT`            |
| every contact                | query gsi2 `CONTACTS` (an announcement to all; staff's |
|                              | list of people, `search` filtered)        |
| contacts of an account       | query `ACCOUNT#<id>`, sk begins `MEMBER#` |
| accounts of a contact        | query gsi1 `CONTACT#<id>`, sk begins `MEMBER#` |
| accounts a partner serves    | query gsi1 `PARTNER#<id>`                 |
| invitations of an account    | query `ACCOUNT#<id>`, sk begins `INVITATION#` |
| an invitation by its token   | get `INVITETOKEN#<sha256>` (points at the invitation) |
| audit of a record            | query `AUDIT#<entity>#<id>`, newest first |
| audit of an account          | query gsi1 `AUDITACCOUNT#<id>`, newest first |
| a case                       | get `CASE#<id>` / `CASE`                  |
| a requester's cases          | query gsi1 `REQUESTER#<account>#<contact>`, sk     |
|                              | `<open|closed>#<created>#<id>`: open ones alone by prefix; |
|                              | all: open first, each class newest first  |
| an account's cases           | query gsi2 `ACCOUNTCASES#<account>`, as a requester's |
| a staff queue's open cases   | query `QUEUE#<queue>#open`, by resolution due, most urgent first |
| a staff queue's closed cases | query `QUEUE#<queue>#closed`, newest first |
| a staff member's cases       | query gsi1 `ASSIGNEE#<contact>` (on queue entries), open by |
|                              | due first                                 |
| a case's comments            | query `CASE#<id>`, sk begins `COMMENT#`   |
| a case's attachments         | query `CASE#<id>`, sk begins `ATTACHMENT#` |
| case numbers                 | update `COUNTER#case` (ADD 20: a block per instance) |
| the case search index        | get `CASEINDEX` / `CURRENT`: its snapshot and the changes since, |
|                              | as objects in the documents bucket (`cases.index`) |
| a rate limit's window        | update `LIMIT#<name>#<subject>` / `<window start>` (expires) |
| an outbox event              | written once, read only by the stream     |

Outbox items are written beside the change they describe and expire after a week: the
table's stream has delivered them by then, and the bus is the record of events.
"""

from __future__ import annotations

OUTBOX_PREFIX = "OUTBOX#"

Key = dict[str, str]


def account(account_id: str) -> Key:
    return {"pk": f"ACCOUNT#{account_id}", "sk": "ACCOUNT"}


ALL_ACCOUNTS = "ACCOUNTS"


def all_accounts(name: str, account_id: str) -> Key:
    """gsi2: every account, by name then id (staff's list of accounts). The id follows a
    separator below every character the name keeps, so "Fresh Oy" comes before "Fresh Oy
    (renamed)": with "#" the space (below "#") put the longer name first."""
    folded = "".join(c if c >= " " else " " for c in name.casefold()[:200])
    return {"gsi2pk": ALL_ACCOUNTS, "gsi2sk": f"{folded}\x1f{account_id}"}


ALL_CONTACTS = "CONTACTS"


def all_contacts(contact_id: str = "") -> Key:
    """gsi2: every contact, for what goes to everyone (an announcement to all)."""
    return {"gsi2pk": ALL_CONTACTS, "gsi2sk": contact_id}


def contact(contact_id: str) -> Key:
    return {"pk": f"CONTACT#{contact_id}", "sk": "CONTACT"}


def membership(account_id: str, contact_id: str) -> Key:
    return {"pk": f"ACCOUNT#{account_id}", "sk": f"MEMBER#{contact_id}"}


def membership_by_contact(account_id: str, contact_id: str) -> Key:
    """The gsi1 attributes that list a contact's accounts."""
    return {"gsi1pk": f"CONTACT#{contact_id}", "gsi1sk": f"MEMBER#{account_id}"}


def partner_accounts(partner_account_id: str, account_id: str = "") -> Key:
    """The gsi1 attributes of an account served by a partner."""
    return {"gsi1pk": f"PARTNER#{partner_account_id}", "gsi1sk": f"ACCOUNT#{account_id}"}


def invitation(account_id: str, invitation_id: str) -> Key:
    return {"pk": f"ACCOUNT#{account_id}", "sk": f"INVITATION#{invitation_id}"}


INVITATION_PREFIX = "INVITATION#"
MEMBER_PREFIX = "MEMBER#"


def invitation_email(account_id: str, email: str) -> Key:
    """Holds an e-mail address while it has a pending invitation to the account."""
    return {"pk": f"ACCOUNT#{account_id}", "sk": f"INVITEEMAIL#{email}"}


def invitation_token(token_hash: str) -> Key:
    return {"pk": f"INVITETOKEN#{token_hash}", "sk": "INVITETOKEN"}


def audit(entity: str, entity_id: str, sort: str) -> Key:
    return {"pk": f"AUDIT#{entity}#{entity_id}", "sk": sort}


def audit_by_account(account_id: str, sort: str) -> Key:
    return {"gsi1pk": f"AUDITACCOUNT#{account_id}", "gsi1sk": sort}


def case(case_id: str) -> Key:
    return {"pk": f"CASE#{case_id}", "sk": "CASE"}


# A case is `open` (new, in progress, waiting on the customer) or `closed` (resolved,
# closed). The class leads the sort keys of every case list, so "open cases of X" is one
# Query of a key prefix that holds only open cases, however many closed ones X has.
OPEN_STATUSES = frozenset({"new", "in_progress", "waiting_on_customer"})


CASE_INDEX = {"pk": "CASEINDEX", "sk": "CURRENT"}  # the case search index's snapshot and changes


def case_class(status: str) -> str:
    """`open` or `closed`, of a case's status (or of a filter that names the class: `open`,
    or `done` for closed)."""
    return "open" if status in OPEN_STATUSES or status == "open" else "closed"


def cases_of_requester(account_id: str, contact_id: str, created_at: str = "",
                       case_id: str = "", *, status: str = "new") -> Key:
    """gsi1: a requester's cases in an account: open ones first, each class newest first
    (read newest first: `open#` sorts after `closed#`)."""
    return {"gsi1pk": f"REQUESTER#{account_id}#{contact_id}",
            "gsi1sk": f"{case_class(status)}#{created_at}#{case_id}" if created_at else ""}


def cases_of_account(account_id: str, created_at: str = "", case_id: str = "", *,
                     status: str = "new") -> Key:
    """gsi2: an account's cases, as a requester's."""
    return {"gsi2pk": f"ACCOUNTCASES#{account_id}",
            "gsi2sk": f"{case_class(status)}#{created_at}#{case_id}" if created_at else ""}


def queue_entry(queue: str, case_id: str, *, status: str, resolution_due: str,
                closed_at: str = "") -> Key:
    """A case's place in a staff queue (kept beside the case, rewritten as it changes). Open
    cases are in `QUEUE#<queue>#open` by resolution due time, the most urgent first; closed
    ones leave it for `QUEUE#<queue>#closed`, by when they were closed. One partition takes
    1,000 writes a second, and each change of a case rewrites its entry: about 500 case
    changes a second per queue (README: sharding a queue beyond that)."""
    cls = case_class(status)
    return {"pk": f"QUEUE#{queue}#{cls}",
            "sk": f"{resolution_due if cls == 'open' else closed_at}#{case_id}"}


def queue_partition(queue_name: str, status_class: str) -> str:
    return f"QUEUE#{queue_name}#{status_class}"


def assigned_cases(contact_id: str, case_id: str = "", *, status: str = "new",
                   resolution_due: str = "", closed_at: str = "") -> Key:
    """gsi1 of a queue entry: a staff member's assigned cases, open ones first by
    resolution due time (`0#`), then closed ones (`1#`)."""
    if not case_id:
        return {"gsi1pk": f"ASSIGNEE#{contact_id}", "gsi1sk": ""}
    sort = f"0#{resolution_due}" if case_class(status) == "open" else f"1#{closed_at}"
    return {"gsi1pk": f"ASSIGNEE#{contact_id}", "gsi1sk": f"{sort}#{case_id}"}


COMMENT_PREFIX = "COMMENT#"
ATTACHMENT_PREFIX = "ATTACHMENT#"


def comment(case_id: str, created_at: str, comment_id: str) -> Key:
    return {"pk": f"CASE#{case_id}", "sk": f"{COMMENT_PREFIX}{created_at}#{comment_id}"}


def attachment(case_id: str, attachment_id: str) -> Key:
    return {"pk": f"CASE#{case_id}", "sk": f"{ATTACHMENT_PREFIX}{attachment_id}"}


def rate_limit(name: str, subject: str, window_start: int) -> Key:
    return {"pk": f"LIMIT#{name}#{subject}", "sk": str(window_start)}


def outbox(event_id: str) -> Key:
    return {"pk": f"{OUTBOX_PREFIX}{event_id}", "sk": "EVENT"}


def is_outbox(pk: str) -> bool:
    return pk.startswith(OUTBOX_PREFIX)


# -- bookings -------------------------------------------------------------------------------
# | a resource                   | get `RESOURCE#<id>` / `RESOURCE`          |
# | resources of a category      | query gsi1 `RESOURCES#<category>`, by name |
# | all resources                | query gsi2 `RESOURCES`, by category and name |
# | a resource's slots           | query `SLOTS#<resource>`, sk between two UTC times: one item
# |                              | per slot unit claimed, `taken` counts its bookings |
# | a booking                    | get `BOOKING#<id>` / `BOOKING`            |
# | a booker's bookings          | query gsi1 `BOOKER#<account>#<contact>`, by start |
# | an account's bookings        | query gsi2 `ACCOUNTBOOKINGS#<account>`, by start |
# | a resource's bookings        | query `RESOURCEBOOKINGS#<resource>`, by start (staff calendar) |
# | bookings awaiting approval   | query `BOOKINGAPPROVALS`, by start        |
# | reminders to send            | query `BOOKINGREMINDERS#<UTC hour of start>` |
# | a calendar feed              | get `CALFEED#<sha256 of token>`; the contact's own at
# |                              | `CONTACT#<id>` / `CALFEED`                |

def resource(resource_id: str) -> Key:
    return {"pk": f"RESOURCE#{resource_id}", "sk": "RESOURCE"}


def resources_of_category(category: str, name: str = "", resource_id: str = "") -> Key:
    return {"gsi1pk": f"RESOURCES#{category}",
            "gsi1sk": f"{name.lower()}#{resource_id}" if resource_id else ""}


def all_resources(category: str = "", name: str = "", resource_id: str = "") -> Key:
    return {"gsi2pk": "RESOURCES",
            "gsi2sk": f"{category}#{name.lower()}#{resource_id}" if resource_id else ""}


def slot(resource_id: str, start: str) -> Key:
    return {"pk": f"SLOTS#{resource_id}", "sk": start}


def slots_of(resource_id: str) -> str:
    return f"SLOTS#{resource_id}"


def booking(booking_id: str) -> Key:
    return {"pk": f"BOOKING#{booking_id}", "sk": "BOOKING"}


def bookings_of_booker(account_id: str, contact_id: str, start: str = "",
                       booking_id: str = "") -> Key:
    return {"gsi1pk": f"BOOKER#{account_id}#{contact_id}",
            "gsi1sk": f"{start}#{booking_id}" if booking_id else ""}


def bookings_of_account(account_id: str, start: str = "", booking_id: str = "") -> Key:
    return {"gsi2pk": f"ACCOUNTBOOKINGS#{account_id}",
            "gsi2sk": f"{start}#{booking_id}" if booking_id else ""}


def resource_booking(resource_id: str, start: str, booking_id: str) -> Key:
    return {"pk": f"RESOURCEBOOKINGS#{resource_id}", "sk": f"{start}#{booking_id}"}


def resource_bookings(resource_id: str) -> str:
    return f"RESOURCEBOOKINGS#{resource_id}"


BOOKING_APPROVALS = "BOOKINGAPPROVALS"


def booking_approval(start: str, booking_id: str) -> Key:
    return {"pk": BOOKING_APPROVALS, "sk": f"{start}#{booking_id}"}


def booking_reminder(start: str, booking_id: str) -> Key:
    return {"pk": reminders_of_hour(start[:13]), "sk": f"{start}#{booking_id}"}


def reminders_of_hour(hour: str) -> str:
    """`hour`: the first 13 characters of a UTC stamp, `2026-12-01T08`."""
    return f"BOOKINGREMINDERS#{hour}"


def calendar_feed(token_hash: str) -> Key:
    return {"pk": f"CALFEED#{token_hash}", "sk": "CALFEED"}


def contact_calendar_feed(contact_id: str) -> Key:
    return {"pk": f"CONTACT#{contact_id}", "sk": "CALFEED"}


# -- knowledge base -----------------------------------------------------------------------
# | an article                   | get `ARTICLE#<id>` / `ARTICLE`            |
# | articles by status           | query gsi1 `KBSTATUS#<status>`, sk `<category>#<slug>` |
# | an article by slug           | get `ARTICLESLUG#<slug>` (points at the article) |
# | an article by import id      | get `ARTICLEEXT#<external id>` (points at the article) |
# | an article's versions        | query `ARTICLE#<id>`, sk begins `VERSION#` |
# | a contact's vote on one      | get `ARTICLE#<id>` / `VOTE#<contact>`     |
# | a case it saved a contact    | get `ARTICLE#<id>` / `DEFLECTION#<contact>` |

def article(article_id: str) -> Key:
    return {"pk": f"ARTICLE#{article_id}", "sk": "ARTICLE"}


def articles_by_status(status: str, category: str = "", slug: str = "") -> Key:
    return {"gsi1pk": f"KBSTATUS#{status}",
            "gsi1sk": f"{category}#{slug}" if slug else ""}


def article_slug(slug: str) -> Key:
    return {"pk": f"ARTICLESLUG#{slug}", "sk": "ARTICLESLUG"}


def article_external(external_id: str) -> Key:
    return {"pk": f"ARTICLEEXT#{external_id}", "sk": "ARTICLEEXT"}


def article_version(article_id: str, version: int) -> Key:
    return {"pk": f"ARTICLE#{article_id}", "sk": f"VERSION#{version:06d}"}


def article_vote(article_id: str, contact_id: str) -> Key:
    return {"pk": f"ARTICLE#{article_id}", "sk": f"VOTE#{contact_id}"}


def article_deflection(article_id: str, contact_id: str) -> Key:
    return {"pk": f"ARTICLE#{article_id}", "sk": f"DEFLECTION#{contact_id}"}


KB_INDEX = {"pk": "KBINDEX", "sk": "CURRENT"}  # which built search index is current


# -- invoices -------------------------------------------------------------------------------
# | an invoice                   | get `INVOICE#<number>` / `INVOICE`        |
# | an account's invoices        | query gsi1 `ACCOUNTINVOICES#<account>`, by issue date |
# | ... of one status            | query gsi2 `ACCOUNTINVOICES#<account>#<status>`, by issue date |
# | unpaid invoices by due date  | query `INVOICESDUE`, sk `<due date>#<number>` below today: one
# |                              | item per open invoice, deleted when it is paid, cancelled or
# |                              | marked overdue (the overdue run reads only what it must mark) |
# | an account's balance         | get `ACCOUNT#<id>` / `BALANCE` (sums kept by every change) |
# | an invoice's copy requests   | query `INVOICE#<number>`, sk begins `COPY#` |
# | a back-office account number | get `ACCOUNTNO#<number>` (points at the account) |
# | a webhook call already taken | get `WEBHOOK#<integration>#<signature>` (expires) |

def invoice(number: str) -> Key:
    return {"pk": f"INVOICE#{number}", "sk": "INVOICE"}


def invoices_of_account(account_id: str, issue_date: str = "", number: str = "") -> Key:
    return {"gsi1pk": f"ACCOUNTINVOICES#{account_id}",
            "gsi1sk": f"{issue_date}#{number}" if number else ""}


def invoices_of_account_status(account_id: str, status: str, issue_date: str = "",
                               number: str = "") -> Key:
    return {"gsi2pk": f"ACCOUNTINVOICES#{account_id}#{status}",
            "gsi2sk": f"{issue_date}#{number}" if number else ""}


INVOICES_DUE = "INVOICESDUE"


def invoice_due(due_date: str, number: str) -> Key:
    return {"pk": INVOICES_DUE, "sk": f"{due_date}#{number}"}


def balance(account_id: str) -> Key:
    return {"pk": f"ACCOUNT#{account_id}", "sk": "BALANCE"}


COPY_PREFIX = "COPY#"


def invoice_copy_request(number: str, requested_at: str, request_id: str) -> Key:
    return {"pk": f"INVOICE#{number}", "sk": f"{COPY_PREFIX}{requested_at}#{request_id}"}


def account_number(number: str) -> Key:
    return {"pk": f"ACCOUNTNO#{number}", "sk": "ACCOUNTNO"}


def webhook_call(integration: str, signature: str) -> Key:
    return {"pk": f"WEBHOOK#{integration}#{signature}", "sk": "WEBHOOK"}


# -- notifications, announcements, change requests, live connections ----------------------------
# | a contact's notifications    | query `INBOX#<contact>`, sk `N#<created>#<id>`, newest first;
# |                              | expire by TTL                              |
# | their unread ones            | query gsi1 `UNREAD#<contact>`, newest first (sparse: the index
# |                              | keys go when it is read)                   |
# | unread counts per section    | get `CONTACT#<id>` / `UNREAD` (ADD per section) |
# | mail kept for a daily digest | query `DIGEST#<UTC date>`, sk `<contact>#<created>#<id>` |
# | an unsubscribe token         | get `UNSUBSCRIBE#<sha256 of token>` (contact and type) |
# | an announcement              | get `ANNOUNCEMENT#<id>` / `ANNOUNCEMENT`     |
# | announcements not yet ended  | query `ANNOUNCEMENTS`, sk `<ends_at>#<id>` from now |
# | a change request             | get `CHANGEREQ#<id>` / `CHANGEREQ`           |
# | change requests by status    | query gsi1 `CHANGEREQS#<status>`, newest first (staff review) |
# | an account's change requests | query gsi2 `ACCOUNTCHANGEREQS#<account>`, newest first |
# | a live (WebSocket) connection| get `CONNECTION#<id>` / `CONNECTION` (expires) |
# | a contact's connections      | query gsi1 `CONNECTIONS#<contact>`           |

INBOX_PREFIX = "N#"


def inbox(contact_id: str) -> str:
    return f"INBOX#{contact_id}"


def notification(contact_id: str, notification_id: str) -> Key:
    """`notification_id` is `<created>_<hash>`: the id is its own place in the inbox."""
    return {"pk": inbox(contact_id), "sk": f"{INBOX_PREFIX}{notification_id}"}


def unread(contact_id: str, notification_id: str = "") -> Key:
    return {"gsi1pk": f"UNREAD#{contact_id}", "gsi1sk": notification_id}


def unread_counts(contact_id: str) -> Key:
    return {"pk": f"CONTACT#{contact_id}", "sk": "UNREAD"}


def digest_entry(day: str, contact_id: str, created_at: str, notification_id: str) -> Key:
    return {"pk": f"DIGEST#{day}", "sk": f"{contact_id}#{created_at}#{notification_id}"}


def digest(day: str) -> str:
    return f"DIGEST#{day}"


def unsubscribe_token(token_hash: str) -> Key:
    return {"pk": f"UNSUBSCRIBE#{token_hash}", "sk": "UNSUBSCRIBE"}


def announcement(announcement_id: str) -> Key:
    return {"pk": f"ANNOUNCEMENT#{announcement_id}", "sk": "ANNOUNCEMENT"}


ANNOUNCEMENTS = "ANNOUNCEMENTS"


def announcement_window(ends_at: str, announcement_id: str) -> Key:
    return {"pk": ANNOUNCEMENTS, "sk": f"{ends_at}#{announcement_id}"}


def change_request(request_id: str) -> Key:
    return {"pk": f"CHANGEREQ#{request_id}", "sk": "CHANGEREQ"}


def change_requests_by_status(status: str, created_at: str = "", request_id: str = "") -> Key:
    return {"gsi1pk": f"CHANGEREQS#{status}",
            "gsi1sk": f"{created_at}#{request_id}" if request_id else ""}


def change_requests_of_account(account_id: str, created_at: str = "",
                               request_id: str = "") -> Key:
    return {"gsi2pk": f"ACCOUNTCHANGEREQS#{account_id}",
            "gsi2sk": f"{created_at}#{request_id}" if request_id else ""}


def connection(connection_id: str) -> Key:
    return {"pk": f"CONNECTION#{connection_id}", "sk": "CONNECTION"}


def connections_of(contact_id: str, connection_id: str = "") -> Key:
    return {"gsi1pk": f"CONNECTIONS#{contact_id}", "gsi1sk": connection_id}
