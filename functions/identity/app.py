"""Identity: the caller's profile, accounts and their people, invitations, the audit trail."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from portico import audit, http
from portico.identity import changes, directory, invitations, models
from portico.settings import settings

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = http.api()


class Health(BaseModel):
    status: str
    stage: str


class AuditPage(BaseModel):
    items: list[audit.AuditEntry]
    next_cursor: str | None


@app.get("/health")
def health() -> Health:
    return Health(status="ok", stage=settings().stage)


@app.get("/me")
def get_me() -> models.Me:
    return directory.get_me(http.principal(app))


@app.patch("/me")
def patch_me(patch: models.MePatch) -> models.Me:
    return directory.update_me(http.principal(app), patch)


@app.post("/me/sign-out", status_code=204)
def sign_out_everywhere() -> Response[str]:
    directory.sign_out_everywhere(http.principal(app))
    return http.no_content()


@app.get("/accounts")
def list_accounts(q: Annotated[str | None, Query(max_length=100)] = None,
                  cursor: http.Cursor = None, limit: http.Limit = 25) -> models.AccountPage:
    """Every account by name (staff); `q` finds a part of the name or number."""
    return directory.list_accounts(http.principal(app), q=q, cursor=cursor, limit=limit)


@app.get("/people")
def list_people(q: Annotated[str | None, Query(max_length=100)] = None,
                cursor: http.Cursor = None, limit: http.Limit = 25) -> models.PersonPage:
    """Everyone with a login and their accounts (staff); `q` finds a part of the name or
    e-mail address."""
    return directory.list_people(http.principal(app), q=q, cursor=cursor, limit=limit)


@app.get("/accounts/<account_id>")
def get_account(account_id: str) -> models.Account:
    return directory.get_account(http.principal(app), account_id)


@app.get("/accounts/<account_id>/contacts")
def list_contacts(account_id: str, cursor: http.Cursor = None, limit: http.Limit = 25
                  ) -> models.ContactPage:
    return directory.list_contacts(http.principal(app), account_id, cursor=cursor, limit=limit)


@app.patch("/accounts/<account_id>/contacts/<contact_id>")
def patch_contact(account_id: str, contact_id: str, patch: models.ContactPatch
                  ) -> models.Contact:
    return directory.update_member(http.principal(app), account_id, contact_id, patch)


@app.get("/accounts/<account_id>/invitations")
def list_invitations(account_id: str, cursor: http.Cursor = None, limit: http.Limit = 25
                     ) -> models.InvitationPage:
    return invitations.list_for(http.principal(app), account_id, cursor=cursor, limit=limit)


@app.post("/accounts/<account_id>/invitations", status_code=201)
def invite(account_id: str, invitation: models.NewInvitation) -> models.Invitation:
    return invitations.create(http.principal(app), account_id, invitation)


@app.post("/accounts/<account_id>/invitations/<invitation_id>/resend")
def resend(account_id: str, invitation_id: str) -> models.Invitation:
    return invitations.resend(http.principal(app), account_id, invitation_id)


@app.delete("/accounts/<account_id>/invitations/<invitation_id>", status_code=204)
def revoke(account_id: str, invitation_id: str) -> Response[str]:
    invitations.revoke(http.principal(app), account_id, invitation_id)
    return http.no_content()


@app.get("/invitations/<token>")
def preview_invitation(token: str) -> models.InvitationPreview:
    return invitations.preview(token)


@app.post("/invitations/<token>/accept")
def accept_invitation(token: str, acceptance: models.Acceptance) -> models.Accepted:
    return invitations.accept(token, acceptance, request_id=http.request_id(app))


# -- change requests: the account's sensitive fields change only after staff review -------
@app.post("/me/change-requests", status_code=201)
def request_change(body: models.NewChangeRequest) -> models.ChangeRequest:
    return changes.request(http.principal(app), body)


@app.get("/me/change-requests")
def my_change_requests(status: Annotated[models.ChangeStatus | None, Query()] = None,
                       cursor: http.Cursor = None, limit: http.Limit = 25
                       ) -> models.ChangeRequestPage:
    return changes.list_for_account(http.principal(app), status=status, cursor=cursor,
                                    limit=limit)


@app.get("/change-requests")
def change_requests(status: Annotated[models.ChangeStatus, Query()] = "pending",
                    cursor: http.Cursor = None, limit: http.Limit = 25
                    ) -> models.ChangeRequestPage:
    return changes.list_by_status(http.principal(app), status=status, cursor=cursor,
                                  limit=limit)


@app.post("/change-requests/<request_id>/approve")
def approve_change(request_id: str, approval: models.Approval) -> models.ChangeRequest:
    return changes.approve(http.principal(app), request_id, approval.note)


@app.post("/change-requests/<request_id>/reject")
def reject_change(request_id: str, rejection: models.ChangeRejection) -> models.ChangeRequest:
    return changes.reject(http.principal(app), request_id, rejection.reason)


@app.get("/audit")
def get_audit(entity: Annotated[str | None, Query(max_length=40)] = None,
              id: Annotated[str | None, Query(max_length=200)] = None,
              account: Annotated[str | None, Query(max_length=64)] = None,
              cursor: http.Cursor = None, limit: http.Limit = 25) -> AuditPage:
    p = http.principal(app)
    if entity or id:
        items, nxt = audit.for_record(p, entity or "", id or "", cursor=cursor, limit=limit)
    else:
        items, nxt = audit.for_account(p, account or p.account_id, cursor=cursor, limit=limit)
    return AuditPage(items=items, next_cursor=nxt)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
