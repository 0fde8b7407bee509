"""E-mail through SES, rendered from templates/email/<language>/ with Jinja2."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from botocore.exceptions import BotoCoreError, ClientError

from portico import aws
from portico.settings import settings

if TYPE_CHECKING:
    from jinja2 import Environment

LANGUAGES = ("en", "fi")
logger = Logger()
metrics = Metrics()


@lru_cache(maxsize=1)
def _templates() -> Environment:
    # Imported here: most requests of a function that can send mail send none, and Jinja2
    # is a noticeable part of a cold start.
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    return Environment(loader=PackageLoader("portico", "templates/email"),
                       autoescape=select_autoescape(["html"]), undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True)


def render(name: str, language: str, **context: Any) -> tuple[str, str, str]:
    """(subject, text, html) of `name` in `language` (English when we do not have it)."""
    lang = language if language in LANGUAGES else "en"
    env = _templates()
    subject = env.get_template(f"{lang}/{name}.subject.txt").render(**context).strip()
    text = env.get_template(f"{lang}/{name}.txt").render(**context)
    html = env.get_template(f"{lang}/{name}.html").render(**context)
    return subject, text, html


def send(to: str, name: str, language: str, **context: Any) -> str:
    subject, text, html = render(name, language, **context)
    resp = aws.client("ses").send_email(
        Source=settings().mail_from,
        Destination={"ToAddresses": [to]},
        Message={"Subject": {"Data": subject, "Charset": "UTF-8"},
                 "Body": {"Text": {"Data": text, "Charset": "UTF-8"},
                          "Html": {"Data": html, "Charset": "UTF-8"}}},
    )
    message_id: str = resp["MessageId"]
    return message_id


def deliver(to: str, name: str, language: str, **context: Any) -> bool:
    """Send, or say why not: a refused or failed send is logged as an error with SES's
    reason and counted (`MailNotSent`, alarmed in template.yaml), and the caller tells the
    user. The address is not logged."""
    try:
        send(to, name, language, **context)
    except ClientError as e:
        reason = str(e.response.get("Error", {}).get("Code", "ClientError"))
        detail = str(e.response.get("Error", {}).get("Message", ""))
    except BotoCoreError as e:
        reason, detail = type(e).__name__, str(e)
    else:
        return True
    logger.error("mail not sent", extra={"template": name, "reason": reason, "detail": detail})
    metrics.add_metric(name="MailNotSent", unit=MetricUnit.Count, value=1)
    return False
