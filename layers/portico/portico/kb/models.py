"""The knowledge base API's contract."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, StringConstraints, model_validator

from portico.inputs import Input

Language = Literal["en", "fi"]
LANGUAGES: tuple[Language, ...] = ("en", "fi")
Role = Literal["contact", "account_manager", "billing", "partner", "agent", "admin"]
# An article's id is 32 hex digits; a slug has a letter and a dash or is shorter, so a
# path's `{article}` is never both.
ARTICLE_ID = re.compile(r"[0-9a-f]{32}")


def _not_an_id(slug: str) -> str:
    if ARTICLE_ID.fullmatch(slug):
        raise ValueError("a slug cannot look like an article id (32 hex digits)")
    return slug


Slug = Annotated[str, StringConstraints(min_length=1, max_length=80,
                                        pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$"),
                 AfterValidator(_not_an_id)]
Category = Annotated[str, StringConstraints(min_length=1, max_length=40,
                                            pattern=r"^[a-z0-9][a-z0-9_-]*$")]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
# Long enough for the titles of scientific and legal documents other helpdesks hold.
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=400)]
Summary = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
# Markdown: 100 KB is a long manual chapter; the body limit of a request is 256 KB.
Body = Annotated[str, StringConstraints(min_length=1, max_length=100_000)]
Status = Literal["draft", "published", "archived"]


class Translation(Input):
    title: Title
    summary: Summary = ""
    body: Body


# `public`: anyone, signed in or not; else the roles that may read it.
Audience = Literal["public"] | list[Role]


class ArticleIn(Input):
    slug: Slug
    category: Category
    tags: list[Tag] = Field(default_factory=list, max_length=20)
    audience: Audience = "public"
    translations: dict[Language, Translation] = Field(min_length=1, max_length=2)

    @model_validator(mode="after")
    def _audience(self) -> ArticleIn:
        if isinstance(self.audience, list) and not self.audience:
            raise ValueError("audience is `public` or at least one role")
        return self


class ArticleUpdate(ArticleIn):
    version: int = Field(ge=1)


class Feedback(Input):
    helpful: bool
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] = ""


class Stats(BaseModel):
    helpful: int
    not_helpful: int
    deflections: int = 0  # opened from the new-case form's suggestions, no case sent


class ArticleText(BaseModel):
    lang: str
    title: str
    summary: str
    body: str  # Markdown, as written
    html: str  # rendered and sanitized


class Article(BaseModel):
    id: str
    slug: str
    external_id: str | None
    category: str
    tags: list[str]
    audience: str | list[str]
    status: Status
    languages: list[str]
    # The text in the language asked for, or another when it has no translation yet.
    text: ArticleText
    fallback: bool
    author: str
    updated_at: str
    published_at: str | None
    version: int
    stats: Stats | None = None  # staff only


class ArticleSummary(BaseModel):
    id: str
    slug: str
    category: str
    title: str
    summary: str
    lang: str
    status: Status
    updated_at: str


class ArticlePage(BaseModel):
    items: list[ArticleSummary]
    next_cursor: str | None = None


class Vote(BaseModel):
    article_id: str
    helpful: bool
    stats: Stats


class SearchHit(BaseModel):
    id: str
    slug: str
    external_id: str | None
    title: str
    snippet: str  # HTML: the text escaped, the matched words in <mark>
    score: float


class SearchPage(BaseModel):
    items: list[SearchHit]


class Suggestion(BaseModel):
    id: str
    slug: str
    external_id: str | None
    title: str


class SuggestionList(BaseModel):
    items: list[Suggestion]


class CategoryCount(BaseModel):
    category: str
    count: int


class CategoryList(BaseModel):
    items: list[CategoryCount]
