"""Invitations: staff or an account manager invite an e-mail address to an account.

The link carries a random token; only its SHA-256 is stored. A token works once, expires
after INVITATION_DAYS (7), can be re-sent (a new token; the old one stops working) and
revoked. Accepting creates the Cognito user, or links an existing one whose password the
invitee proves, and makes the contact a member of the account.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from portico import access, audit, aws, change, clock, keys, limits, mail, principal, store
from portico.access import Owner, Privilege
from portico.errors import Conflict, Gone, NotFound, PorticoError, Unauthorized
from portico.events import Actor
from portico.identity import directory, models
from portico.principal import Principal
from portico.settings import settings

TOKEN_KEPT_DAYS = 30  # past expiry, so an old link still says "expired", not "not found"


class PasswordRefused(PorticoError):
    status = 422
    code = "weak_password"


class ExistingLogin(Unauthorized):
    """The address has a login and this is not its password: the page asks for that."""

    code = "existing_login"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _link(token: str) -> str:
    return f"{settings().site_url}/invite/?token={token}"


def _out(item: dict[str, Any], *, link: str | None = None,
         email_sent: bool | None = None) -> models.Invitation:
    status = item["status"]
    if status == "pending" and clock.parse(item["valid_until"]) < clock.now():
        status = "expired"
    return models.Invitation(
        id=item["id"], account_id=item["account_id"], email=item["email"],
        roles=list(item["roles"]), language=item.get("language", "en"), status=status,
        created_at=item["created_at"], valid_until=item["valid_until"],
        invited_by=item.get("invited_by"), link=link, email_sent=email_sent)


def _token_item(c: change.Change, invitation: dict[str, Any], token: str,
                valid_until: datetime) -> None:
    c.create({
        **keys.invitation_token(token_hash(token)), "type": "InvitationToken",
        "account_id": invitation["account_id"], "invitation_id": invitation["id"],
        "expires_at": int((valid_until + timedelta(days=TOKEN_KEPT_DAYS)).timestamp()),
    })


def _send(item: dict[str, Any], token: str, inviter: str, account_name: str) -> bool:
    # A failed send leaves the invitation standing: the answer says so and carries the link
    # for the inviter to share by hand.
    return mail.deliver(item["email"], "invitation", item.get("language", "en"),
                        inviter=inviter, account_name=account_name, link=_link(token),
                        valid_until=clock.parse(item["valid_until"]).strftime("%Y-%m-%d %H:%M"))


def create(p: Principal, account_id: str, new: models.NewInvitation) -> models.Invitation:
    invitation_id = uuid.uuid4().hex
    c = change.by(p, "invitation", invitation_id, Owner(account_id), Privilege.CREATE)
    account = directory.account_item(account_id)
    directory.check_roles(p, account, list(new.roles))
    limits.invitations(account_id, new.email)
    return issue(c, account, new, invited_by=p.contact_id, inviter=p.name or p.email,
                 language=new.language or p.language)


def issue(c: change.Change, account: dict[str, Any], new: models.NewInvitation, *,
          invited_by: str | None, inviter: str, language: str) -> models.Invitation:
    """Store an invitation (change `c` is about it), e-mail its link and answer it with the
    link. The caller has checked that the roles may be given (create) or is the operator
    (portico.admin)."""
    account_id = str(account["id"])
    # The answer says only whether the address is a member of this account: whether it
    # has a login elsewhere is not this account's business.
    existing = _cognito_user(new.email)
    if existing is not None and store.get(keys.membership(account_id, _sub(existing))):
        raise Conflict("This address already belongs to a member of the account.")
    now = clock.now()
    valid_until = now + timedelta(days=settings().invitation_days)
    token = secrets.token_urlsafe(32)
    invitation_id = c.entity_id
    item: dict[str, Any] = {
        **keys.invitation(account_id, invitation_id), "type": "Invitation",
        "id": invitation_id, "account_id": account_id, "email": new.email,
        "roles": sorted(set(new.roles)),
        "language": language if language in mail.LANGUAGES else "en", "status": "pending",
        "created_at": clock.iso(now), "valid_until": clock.iso(valid_until),
        "invited_by": invited_by, "token_hash": token_hash(token),
    }
    pending = Conflict("This address already has a pending invitation to the account: "
                       "re-send or revoke it.")
    c.create(item, conflict=pending)
    c.create({**keys.invitation_email(account_id, new.email), "type": "InvitedEmail",
              "invitation_id": invitation_id}, conflict=pending)
    _token_item(c, item, token, valid_until)
    c.audit("create", audit.changes(None, item, ("email", "roles", "valid_until")))
    c.event("ContactInvited", {"invitation_id": invitation_id, "email": new.email,
                               "roles": item["roles"], "valid_until": item["valid_until"]})
    c.commit()
    sent = _send(item, token, inviter, str(account["name"]))
    return _out(item, link=_link(token), email_sent=sent)


def _pending(account_id: str, invitation_id: str) -> dict[str, Any]:
    """A pending invitation; the caller's change has asked the access table already."""
    item = store.get(keys.invitation(account_id, invitation_id), consistent=True)
    if item is None:
        raise NotFound("No such invitation.")
    if item["status"] != "pending":
        raise Conflict(f"The invitation is already {item['status']}.")
    return item


def list_for(p: Principal, account_id: str, *, cursor: str | None,
             limit: int) -> models.InvitationPage:
    access.require_list(p, "invitation", account_id)
    items, nxt = store.query_page(keys.account(account_id)["pk"],
                                  sk_prefix=keys.INVITATION_PREFIX, limit=limit, cursor=cursor)
    return models.InvitationPage(items=[_out(i) for i in items], next_cursor=nxt)


def revoke(p: Principal, account_id: str, invitation_id: str) -> None:
    c = change.by(p, "invitation", invitation_id, Owner(account_id), Privilege.DELETE)
    item = _pending(account_id, invitation_id)
    c.update(keys.invitation(account_id, invitation_id), set_={"status": "revoked"},
             condition="#status = :pending", values={":pending": "pending"},
             conflict=Conflict("The invitation was just used or revoked."))
    c.delete(keys.invitation_token(item["token_hash"]))
    c.delete(keys.invitation_email(account_id, item["email"]))
    c.audit("revoke", {"status": {"before": "pending", "after": "revoked"}})
    c.event("InvitationRevoked", {"invitation_id": invitation_id, "email": item["email"]})
    c.commit()


def resend(p: Principal, account_id: str, invitation_id: str) -> models.Invitation:
    """A new link and a new week; the old link stops working."""
    c = change.by(p, "invitation", invitation_id, Owner(account_id), Privilege.CREATE)
    item = _pending(account_id, invitation_id)
    limits.invitations(account_id, item["email"])
    account = directory.account_item(account_id)
    now = clock.now()
    valid_until = now + timedelta(days=settings().invitation_days)
    token = secrets.token_urlsafe(32)
    after = {**item, "valid_until": clock.iso(valid_until), "token_hash": token_hash(token)}
    c.update(keys.invitation(account_id, invitation_id),
             set_={"valid_until": after["valid_until"], "token_hash": after["token_hash"]},
             condition="#status = :pending AND #token_hash = :old",
             values={":pending": "pending", ":old": item["token_hash"]},
             conflict=Conflict("The invitation was just used, re-sent or revoked."))
    c.delete(keys.invitation_token(item["token_hash"]))
    _token_item(c, after, token, valid_until)
    c.audit("resend", audit.changes(item, after, ("valid_until",)))
    c.event("ContactInvited", {"invitation_id": invitation_id, "email": item["email"],
                               "roles": item["roles"], "valid_until": after["valid_until"],
                               "resent": True})
    c.commit()
    sent = _send(after, token, p.name or p.email, str(account["name"]))
    return _out(after, link=_link(token), email_sent=sent)


# -- the invitee (public routes: the token is the credential) -----------------------------
def _by_token(token: str) -> dict[str, Any]:
    if not token or len(token) > 200:
        raise NotFound("No such invitation.")
    pointer = store.get(keys.invitation_token(token_hash(token)), consistent=True)
    if pointer is None:
        raise Gone("This invitation link is no longer valid: it was used, re-sent or revoked. "
                   "Ask for a new invitation.")
    item = store.get(keys.invitation(pointer["account_id"], pointer["invitation_id"]),
                     consistent=True)
    if item is None or item.get("token_hash") != token_hash(token):
        raise Gone("This invitation link is no longer valid. Ask for a new invitation.")
    if item["status"] != "pending":
        raise Gone(f"This invitation was {item['status']}. Ask for a new invitation.")
    if clock.parse(item["valid_until"]) < clock.now():
        raise Gone("This invitation has expired. Ask for a new invitation.")
    return item


def _cognito_user(email: str) -> dict[str, Any] | None:
    try:
        user: dict[str, Any] = aws.client("cognito-idp").admin_get_user(
            UserPoolId=settings().user_pool_id, Username=email)
    except ClientError as e:
        if e.response.get("Error", {}).get("Code") == "UserNotFoundException":
            return None
        raise
    return user


def preview(token: str) -> models.InvitationPreview:
    item = _by_token(token)
    account = directory.account_item(item["account_id"])
    return models.InvitationPreview(email=item["email"], account_name=str(account["name"]),
                                    roles=list(item["roles"]), valid_until=item["valid_until"])


def _sub(user: dict[str, Any]) -> str:
    return next(str(a["Value"]) for a in user.get("UserAttributes") or user.get("Attributes", [])
                if a["Name"] == "sub")


def _login(email: str, password: str, name: str) -> tuple[str, bool]:
    """The invitee's Cognito sub: a new user with this password, or the existing user if the
    password is theirs. (sub, created)"""
    idp = aws.client("cognito-idp")
    s = settings()
    existing = _cognito_user(email)
    if existing is not None:
        try:
            idp.initiate_auth(ClientId=s.user_pool_client_id, AuthFlow="USER_PASSWORD_AUTH",
                              AuthParameters={"USERNAME": email, "PASSWORD": password})
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") in ("NotAuthorizedException",
                                                           "UserNotFoundException"):
                raise ExistingLogin("This e-mail address already has a portal login: enter "
                                    "its password to accept.") from None
            raise
        return _sub(existing), False
    created = idp.admin_create_user(
        UserPoolId=s.user_pool_id, Username=email, MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": email},
                        {"Name": "email_verified", "Value": "true"},
                        {"Name": "name", "Value": name}])["User"]
    try:
        idp.admin_set_user_password(UserPoolId=s.user_pool_id, Username=email,
                                    Password=password, Permanent=True)
    except ClientError as e:
        idp.admin_delete_user(UserPoolId=s.user_pool_id, Username=email)
        if e.response.get("Error", {}).get("Code") == "InvalidPasswordException":
            raise PasswordRefused(e.response["Error"].get(
                "Message", "The password is too weak.")) from None
        raise
    return _sub(created), True


def accept(token: str, acceptance: models.Acceptance, *, request_id: str) -> models.Accepted:
    item = _by_token(token)
    email, account_id = item["email"], item["account_id"]
    account = directory.account_item(account_id)
    sub, created = _login(email, acceptance.password, acceptance.name)
    contact = directory.contact_item(sub)
    if contact is not None and account_id in (contact.get("accounts") or {}):
        raise Conflict("You are already a member of this account.")
    joined_at = clock.stamp()
    c = change.system("membership", f"{account_id}/{sub}", Owner(account_id, sub),
                      request_id=request_id, actor=Actor(type="contact", id=sub))
    c.update(keys.invitation(account_id, item["id"]),
             set_={"status": "accepted", "accepted_by": sub},
             condition="#status = :pending AND #token_hash = :hash",
             values={":pending": "pending", ":hash": token_hash(token)},
             conflict=Gone("This invitation was just used. Sign in, or ask for a new one."))
    c.delete(keys.invitation_token(token_hash(token)))
    c.delete(keys.invitation_email(account_id, email))
    directory.add_member(c, account=account, contact_id=sub, email=email,
                         name=acceptance.name, language=item.get("language", "en"),
                         roles=list(item["roles"]), joined_at=joined_at, contact=contact)
    c.audit("join", {"roles": {"before": None, "after": item["roles"]}})
    c.event("ContactJoined", {"contact_id": sub, "invitation_id": item["id"], "email": email,
                              "roles": item["roles"], "new_login": created})
    try:
        c.commit()
    except PorticoError:
        if created:
            aws.client("cognito-idp").admin_delete_user(UserPoolId=settings().user_pool_id,
                                                        Username=email)
        raise
    principal.forget(sub)
    return models.Accepted(contact_id=sub, account_id=account_id, email=email)
