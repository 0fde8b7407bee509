"""Knowledge base: articles to read (public ones without signing in), staff authoring,
admins publishing, readers' feedback. `{article}` in a path is an article's id or slug."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import Field

from portico import http
from portico.inputs import Input
from portico.kb import articles, imports, index, models
from portico.principal import Principal

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = http.api(other_bodies={"POST /kb/import": http.OtherBody(
    media_types=("application/x-ndjson", "application/jsonl", "text/plain"),
    max_bytes=imports.MAX_BYTES)})

Lang = Annotated[Literal["en", "fi"], Query()]
CategoryFilter = Annotated[str | None, Query(max_length=40)]


class Publication(Input):
    version: int = Field(ge=1)


def _principal() -> Principal:
    return http.principal(app)


# -- reading, signed in: the audience is the reader's roles --------------------------------
@app.get("/kb/articles")
def list_articles(category: CategoryFilter = None, lang: Lang = "en",
                  status: Annotated[Literal["draft", "published", "archived"] | None,
                                    Query()] = None,
                  cursor: http.Cursor = None, limit: http.Limit = 25) -> models.ArticlePage:
    return articles.list_articles(_principal(), category=category, lang=lang, status=status,
                                  cursor=cursor, limit=limit)


@app.get("/kb/articles/<article>")
def get_article(article: str, lang: Lang = "en") -> models.Article:
    return articles.get(_principal(), article, lang)


# -- reading, anonymous: public articles only ------------------------------------------------
@app.get("/kb/public/articles")
def list_public(category: CategoryFilter = None, lang: Lang = "en",
                cursor: http.Cursor = None, limit: http.Limit = 25) -> models.ArticlePage:
    return articles.list_articles(None, category=category, lang=lang, status=None,
                                  cursor=cursor, limit=limit)


@app.get("/kb/public/articles/<article>")
def get_public(article: str, lang: Lang = "en") -> models.Article:
    return articles.get(None, article, lang)


# -- search: the same for signed-in readers (their roles) and anonymous ones (public) ------
# A query longer than a search box holds is cut by the engine, never refused.
Q = Annotated[str, Query(max_length=10_240)]
LangFilter = Annotated[Literal["en", "fi"] | None, Query()]
Few = Annotated[int, Query(ge=1, le=100)]


@app.get("/kb/search")
def search(q: Q, lang: LangFilter = None, category: CategoryFilter = None,
           limit: Few = 10) -> models.SearchPage:
    return index.search(_principal(), q, lang=lang, category=category, limit=limit)


@app.get("/kb/public/search")
def search_public(q: Q, lang: LangFilter = None, category: CategoryFilter = None,
                  limit: Few = 10) -> models.SearchPage:
    return index.search(None, q, lang=lang, category=category, limit=limit)


@app.get("/kb/suggest")
def suggest(q: Q, lang: LangFilter = None) -> models.SuggestionList:
    """For the new-case form: the top five while the customer types the subject."""
    return index.suggest(_principal(), q, lang=lang)


@app.get("/kb/public/suggest")
def suggest_public(q: Q, lang: LangFilter = None) -> models.SuggestionList:
    return index.suggest(None, q, lang=lang)


@app.get("/kb/categories")
def categories() -> models.CategoryList:
    return index.categories(_principal())


@app.get("/kb/public/categories")
def categories_public() -> models.CategoryList:
    return index.categories(None)


# -- authoring ------------------------------------------------------------------------------
@app.post("/kb/articles", status_code=201)
def create(new: models.ArticleIn) -> models.Article:
    p = _principal()
    return articles.out(articles.create(p, new), p, "en")


@app.put("/kb/articles/<article>")
def update(article: str, new: models.ArticleUpdate) -> models.Article:
    p = _principal()
    return articles.out(articles.update(p, article, new), p, "en")


@app.post("/kb/articles/<article>/publish")
def publish(article: str, at: Publication) -> models.Article:
    p = _principal()
    return articles.out(articles.publish(p, article, at.version), p, "en")


@app.post("/kb/articles/<article>/archive")
def archive(article: str, at: Publication) -> models.Article:
    p = _principal()
    return articles.out(articles.archive(p, article, at.version), p, "en")


@app.post("/kb/articles/<article>/feedback")
def feedback(article: str, vote: models.Feedback) -> models.Vote:
    return articles.vote(_principal(), article, vote)


@app.post("/kb/import", responses={200: {"description": "What was imported.",
                                         "content": {"application/json": {
                                             "model": imports.Imported}}}},
          openapi_extensions={"requestBody": {
              "required": True, "description": "One article a line (NDJSON), at most 5 MB.",
              "content": {"application/x-ndjson": {"schema": {
                  "type": "array", "items": imports.Line.model_json_schema()}}}}})
def import_articles(publish: Annotated[bool, Query()] = False) -> imports.Imported:
    """Articles from another helpdesk's export, one JSON object a line (admins)."""
    return articles.import_lines(_principal(), app.current_event.decoded_body,
                                 publish=publish)


@app.post("/kb/articles/<article>/deflection", status_code=204)
def deflection(article: str) -> Response[str]:
    """The new-case form's reader left with this article's answer instead of a case."""
    articles.deflected(_principal(), article)
    return http.no_content()


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
