"""boto3 clients, made once per process and region.

boto3 honours AWS_ENDPOINT_URL, so the same code reaches moto locally and AWS when deployed.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_events import EventBridgeClient

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=5)


@lru_cache(maxsize=32)
def _client(service: str, region: str, endpoint: str | None) -> Any:
    session: Any = boto3.session.Session()
    return session.client(service, region_name=region, endpoint_url=endpoint, config=_CONFIG)


def client(service: str) -> Any:
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "eu-west-1"
    return _client(service, region, os.environ.get("AWS_ENDPOINT_URL"))


def dynamodb() -> DynamoDBClient:
    c: DynamoDBClient = client("dynamodb")
    return c


def events() -> EventBridgeClient:
    c: EventBridgeClient = client("events")
    return c
