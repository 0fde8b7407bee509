"""Corrections to moto that the local cloud's guarantees depend on (checked with moto 5.2.5).

A cancelled TransactWriteItems rolls back by swapping the table object for a copy taken
before the transaction. The writes it applied before failing stay as stream records on the
swapped-out table's shard, where a shard iterator taken earlier still reads them: the
publisher would put the events of a transaction that never committed on the bus, and never
see the records written after it. So: transactions and stream reads take one lock (a read
never sees a transaction half done), and the stream source takes a fresh iterator on every
poll (it always reads the current table's shard).

GlobalSignOut is an unsigned call, so moto cannot tell its region from the request and
looks for the token in the default region only: signing out from the browser failed. It
now finds the token's pool the way moto's other unsigned Cognito calls do.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.responses import EmptyResult
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodbstreams.models import DynamoDBStreamsBackend

_lock = threading.RLock()
_applied = False


def _locked(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with _lock:
            return fn(*args, **kwargs)

    return wrapper


def _global_sign_out(self: CognitoIdpResponse) -> EmptyResult:
    token = self._get_param("AccessToken")
    self._get_region_agnostic_backend()._find_backend_by_access_token(token).global_sign_out(
        token)
    return EmptyResult()


def apply() -> None:
    global _applied
    if _applied:
        return
    DynamoDBBackend.transact_write_items = _locked(  # type: ignore[method-assign]
        DynamoDBBackend.transact_write_items)
    DynamoDBStreamsBackend.get_shard_iterator = _locked(  # type: ignore[method-assign]
        DynamoDBStreamsBackend.get_shard_iterator)
    DynamoDBStreamsBackend.get_records = _locked(  # type: ignore[method-assign]
        DynamoDBStreamsBackend.get_records)
    CognitoIdpResponse.global_sign_out = _global_sign_out  # type: ignore[method-assign]
    _applied = True
