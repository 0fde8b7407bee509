"""The cases API's contract."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints

from portico.inputs import Input

Priority = Literal["low", "normal", "high", "urgent"]
Status = Literal["new", "in_progress", "waiting_on_customer", "resolved", "closed"]
# What a list may be filtered by: one status, or a class of them: `open` (new, in progress,
# waiting) or `done` (resolved or closed).
StatusFilter = Literal["open", "done", "new", "in_progress", "waiting_on_customer",
                       "resolved", "closed"]
STATUS_CLASSES = {"open": "open", "done": "closed"}
Order = Literal["newest", "oldest"]
Queue = Literal["support", "billing", "priority", "premium"]
Subject = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=200)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20000)]
ContactId = Annotated[str, StringConstraints(min_length=1, max_length=64,
                                             pattern=r"^[A-Za-z0-9_.:-]+$")]
FieldName = Annotated[str, StringConstraints(min_length=1, max_length=40)]


class NewCase(Input):
    subject: Subject
    description: Text
    category: str = Field(min_length=1, max_length=40)
    priority: Priority = "normal"
    cc: list[ContactId] = Field(default_factory=list, max_length=10)
    fields: dict[FieldName, Any] = Field(default_factory=dict, max_length=20)


class CasePatch(Input):
    version: int = Field(ge=1)
    status: Status | None = None
    priority: Priority | None = None
    queue: Queue | None = None
    # An empty assignee hands the case back to its queue.
    assignee: Literal[""] | ContactId | None = None
    cc: list[ContactId] | None = Field(default=None, max_length=10)


class ServiceDue(BaseModel):
    first_response_due: str
    resolution_due: str
    first_responded_at: str | None = None


class Rating(BaseModel):
    rating: int
    comment: str | None = None
    rated_at: str


class Case(BaseModel):
    id: str
    number: str
    subject: str
    description: str
    category: str
    priority: Priority
    status: Status
    account_id: str
    requester_id: str
    requester_name: str
    cc: list[str]
    queue: str | None
    assignee: str | None
    fields: dict[str, Any]
    sla: ServiceDue
    created_at: str
    updated_at: str
    resolved_at: str | None
    closed_at: str | None
    satisfaction: Rating | None
    version: int
    allowed_statuses: list[str]


class CaseSummary(BaseModel):
    id: str
    number: str
    subject: str
    category: str
    priority: Priority
    status: Status
    account_id: str
    requester_name: str
    queue: str | None
    assignee: str | None
    created_at: str
    updated_at: str
    resolution_due: str


class CasePage(BaseModel):
    items: list[CaseSummary]
    next_cursor: str | None


class CaseHit(CaseSummary):
    snippet: str  # HTML: escaped text, the matched words in <mark>
    score: float


class CaseSearchPage(BaseModel):
    items: list[CaseHit]
    next_cursor: str | None
    jump: str | None = None  # the query was this case's number: open it
    # Best first; or, when too many cases match to rank them, the latest changed first.
    order: Literal["relevance", "recent"] = "relevance"


class NewComment(Input):
    body: Text
    internal: bool = False


class Comment(BaseModel):
    id: str
    case_id: str
    body: str
    internal: bool
    author_id: str
    author_name: str
    author_is_staff: bool
    created_at: str


class CommentPage(BaseModel):
    items: list[Comment]
    next_cursor: str | None


class NewAttachment(Input):
    filename: str = Field(min_length=1, max_length=200, pattern=r"^[^/\\\x00-\x1f]+$")
    content_type: str = Field(max_length=120)
    size: int = Field(ge=1)


class Upload(BaseModel):
    """A presigned S3 POST: send `fields` and then the file as multipart form data."""

    attachment_id: str
    url: str
    fields: dict[str, str]
    expires_in: int


class Attachment(BaseModel):
    id: str
    case_id: str
    filename: str
    content_type: str
    size: int
    status: Literal["pending_scan", "clean", "quarantined"]
    uploaded_by: str
    created_at: str


class AttachmentPage(BaseModel):
    items: list[Attachment]
    next_cursor: str | None


class Download(BaseModel):
    url: str
    expires_in: int
    filename: str


class Satisfaction(Input):
    rating: int = Field(ge=1, le=5)
    comment: str | None = Field(default=None, max_length=2000)


class QueueInfo(BaseModel):
    id: str
    open_cases: int
