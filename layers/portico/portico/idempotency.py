"""Where event consumers remember what they have done (Powertools idempotency): in the one
table, a partition per consumer, expiring by TTL, through the layer's one DynamoDB client.

Made on first use, not at import: creating a client is a noticeable part of a cold start,
and settings are read when used."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

from portico import aws
from portico.settings import settings

R = TypeVar("R")


def store(consumer: str) -> DynamoDBPersistenceLayer:
    return DynamoDBPersistenceLayer(
        table_name=settings().table_name, key_attr="pk", sort_key_attr="sk",
        static_pk_value=f"IDEMPOTENCY#{consumer}", expiry_attr="expires_at",
        boto3_client=aws.dynamodb())


def once(consumer: str, config: IdempotencyConfig, *,
         keyword: str) -> Callable[[Callable[..., R]], Callable[..., R]]:
    """`fn`, called with its one argument by `keyword`, runs once per key of `config` and
    answers the remembered result after. Wrapped on the first call, so that the store and
    its client are made then, not while the function starts."""
    def decorate(fn: Callable[..., R]) -> Callable[..., R]:
        @functools.cache
        def remembered() -> Callable[..., R]:
            wrapped: Callable[..., R] = idempotent_function(
                data_keyword_argument=keyword, persistence_store=store(consumer),
                config=config)(fn)
            return wrapped

        @functools.wraps(fn)
        def call(**kwargs: Any) -> R:
            return remembered()(**kwargs)

        return call
    return decorate
