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
from portico.kb import articles, models
from portico.principal import Principal

logger = Logger()
tracer = Tracer()
metrics = Metrics()
app = http.api()

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
