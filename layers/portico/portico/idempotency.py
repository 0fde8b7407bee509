"""Where event consumers remember what they have done (Powertools idempotency): in the one
table, a partition per consumer, expiring by TTL, through the layer's one DynamoDB client.

Made on first use, not at import: creating a client is a noticeable part of a cold start,
and settings are read when used."""

from __future__ import annotations

from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

from portico import aws
from portico.settings import settings


def store(consumer: str) -> DynamoDBPersistenceLayer:
    return DynamoDBPersistenceLayer(
        table_name=settings().table_name, key_attr="pk", sort_key_attr="sk",
        static_pk_value=f"IDEMPOTENCY#{consumer}", expiry_attr="expires_at",
        boto3_client=aws.dynamodb())
