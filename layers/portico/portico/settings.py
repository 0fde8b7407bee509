"""Typed settings, read from the function's environment when used, never at import."""

from __future__ import annotations

import os

from pydantic import BaseModel, ConfigDict


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    stage: str
    region: str
    table_name: str
    event_bus_name: str
    attachments_bucket: str
    documents_bucket: str
    user_pool_id: str
    user_pool_client_id: str
    principal_cache_seconds: float
    mail_from: str
    site_url: str
    invitation_days: int
    invitations_per_address_hour: int
    invitations_per_account_hour: int
    kb_index_refresh_seconds: float
    kb_index_lag_seconds: float
    case_index_refresh_seconds: float
    integration_secrets_prefix: str
    inbound_dead_letter_queue_url: str
    notification_queue_url: str
    notification_dead_letter_queue_url: str


def settings() -> Settings:
    """The current settings. Cheap: the local cloud swaps environments between functions."""
    env = os.environ
    return Settings(
        stage=env.get("STAGE", "dev"),
        region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "eu-west-1",
        table_name=env.get("TABLE_NAME", ""),
        event_bus_name=env.get("EVENT_BUS_NAME", ""),
        attachments_bucket=env.get("ATTACHMENTS_BUCKET", ""),
        documents_bucket=env.get("DOCUMENTS_BUCKET", ""),
        user_pool_id=env.get("USER_POOL_ID", ""),
        user_pool_client_id=env.get("USER_POOL_CLIENT_ID", ""),
        principal_cache_seconds=float(env.get("PRINCIPAL_CACHE_SECONDS", "60")),
        mail_from=env.get("MAIL_FROM", ""),
        site_url=env.get("SITE_URL", "").rstrip("/"),
        invitation_days=int(env.get("INVITATION_DAYS", "7")),
        invitations_per_address_hour=int(env.get("INVITATIONS_PER_ADDRESS_HOUR", "10")),
        invitations_per_account_hour=int(env.get("INVITATIONS_PER_ACCOUNT_HOUR", "50")),
        kb_index_refresh_seconds=float(env.get("KB_INDEX_REFRESH_SECONDS", "30")),
        kb_index_lag_seconds=float(env.get("KB_INDEX_LAG_SECONDS", "5")),
        case_index_refresh_seconds=float(env.get("CASE_INDEX_REFRESH_SECONDS", "2")),
        integration_secrets_prefix=env.get("INTEGRATION_SECRETS_PREFIX", "portico/integrations/"),
        inbound_dead_letter_queue_url=env.get("INBOUND_DEAD_LETTER_QUEUE_URL", ""),
        notification_queue_url=env.get("NOTIFICATION_QUEUE_URL", ""),
        notification_dead_letter_queue_url=env.get("NOTIFICATION_DEAD_LETTER_QUEUE_URL", ""),
    )
