"""DynamoDB items kept packed in the local cloud (checked with moto 5.2.5).

moto holds each item as Python objects: a dict of DynamoType objects, one per attribute and
per nested value. A 600-byte audit entry took 5 KB that way, and a `make run` under demo
traffic writes some 16,000 items an hour. Here an item at rest is one UTF-8 JSON string of
its attributes, plus its key attributes (those of the table and of every index) as objects,
so that a Query on an index, which looks at every item's index keys, decodes none: 1.7 KB
in all.

An item is decoded for the request that reads it and dropped at the request's end, so a
read decodes what it returns (and what its filter looks at). A request that writes holds
one lock for all its work, and packs what it touched when it ends: two writes to one item
never interleave, and a read sees an item as it was before or after a write, never half of
it. Outside a request (a test poking moto's backend) an item is decoded for good, so that
a change made to it sticks; the next write to it packs it again.

The item's `attrs` stays the one way in: moto's code reads and changes items through it.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoHandler

# What reads and changes nothing; any other action holds the write lock.
READS = frozenset({"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems",
                   "DescribeTable", "ListTables", "DescribeTimeToLive",
                   "DescribeContinuousBackups", "ListTagsOfResource", "DescribeEndpoints",
                   "DescribeLimits"})

# A read decodes at most this many items at a time: a Scan looks at every item of the table.
READ_MEMO = 512

writing = threading.RLock()
_local = threading.local()  # .scope: the request this thread serves, if any
# The attribute names that are a key of some table or index. Replaced, never changed: an
# item remembers the set it was packed with, to tell "has none" from "not looked at".
_key_names: frozenset[str] = frozenset()


class _Scope:
    __slots__ = ("decoded", "touched", "writes")

    def __init__(self, writes: bool) -> None:
        self.writes = writes
        self.decoded: dict[int, tuple[Any, Any]] = {}  # id -> (item, its attributes)
        self.touched: dict[int, Any] = {}  # unpacked items a write looked at


def _plain(value: DynamoType, binary: list[bool]) -> dict[str, Any]:
    kind, inner = value.type, value.value
    if kind == "M":
        return {"M": {k: _plain(v, binary) for k, v in inner.items()}}
    if kind == "L":
        return {"L": [_plain(v, binary) for v in inner]}
    if kind == "B" and isinstance(inner, bytes):
        binary.append(True)
        return {_BYTES: base64.b64encode(inner).decode()}
    if kind == "BS" and any(isinstance(v, bytes) for v in inner):
        binary.append(True)
        return {_BYTE_SET: [base64.b64encode(v).decode() if isinstance(v, bytes) else v
                            for v in inner]}
    return {kind: inner}


# Bytes as base64, under names no DynamoDB type has; an item that holds any is marked by
# its first byte, and only such an item pays for turning them back.
_BYTES, _BYTE_SET, _HAS_BYTES = "B:b64", "BS:b64", b"\x01"


def _bytes_back(obj: dict[str, Any]) -> dict[str, Any]:
    if _BYTES in obj:
        return {"B": base64.b64decode(obj[_BYTES])}
    if _BYTE_SET in obj:
        return {"BS": [base64.b64decode(v) for v in obj[_BYTE_SET]]}
    return obj


def pack(attrs: Any) -> bytes:
    """An item's attributes as one JSON string (UTF-8)."""
    binary: list[bool] = []
    packed = json.dumps({k: _plain(v, binary) for k, v in attrs.items()},
                        ensure_ascii=False, separators=(",", ":")).encode()
    return _HAS_BYTES + packed if binary else packed


def unpack(packed: bytes) -> LimitedSizeDict:
    plain = (json.loads(packed[1:], object_hook=_bytes_back) if packed[:1] == _HAS_BYTES
             else json.loads(packed))
    attrs = LimitedSizeDict.__new__(LimitedSizeDict)
    # As moto's own copy does: the item passed the size check when it was written.
    dict.update(attrs, {k: DynamoType(v) for k, v in plain.items()})
    return attrs


class _KeyView:
    """A packed item's attributes inside a Query: its key attributes answer at once,
    anything else decodes it (for this request)."""

    __slots__ = ("item",)

    def __init__(self, item: Any) -> None:
        self.item = item

    def get(self, name: str, default: Any = None) -> Any:
        item = self.item
        keys = item._keys
        if name in keys:
            return keys[name]
        if name in item._key_set:
            return default
        return _decoded(item).get(name, default)

    def __getitem__(self, name: str) -> Any:
        found = self.get(name, self)
        if found is self:
            raise KeyError(name)
        return found

    def __contains__(self, name: object) -> bool:
        return self.get(name, self) is not self  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[str]:
        return iter(_decoded(self.item))

    def __len__(self) -> int:
        return len(_decoded(self.item))

    def __getattr__(self, name: str) -> Any:  # items(), keys(), values(), ...
        return getattr(_decoded(self.item), name)


def _decoded(item: Any) -> Any:
    """The item's attributes as a dict: for this request if one is served, else for good."""
    # Packing sets _packed before it drops _attrs, and decoding for good sets _attrs before
    # it drops _packed: one of the two is always there, to a reader that looks twice.
    while True:
        attrs = item._attrs
        if attrs is not None:
            return attrs
        packed = item._packed
        if packed is not None:
            break
    scope: _Scope | None = getattr(_local, "scope", None)
    if scope is None:
        attrs = unpack(packed)
        item._attrs = attrs  # set before the packed form is dropped: see _attrs_of
        item._packed = None
        return attrs
    decoded = scope.decoded
    entry = decoded.get(id(item))
    if entry is None:
        if not scope.writes and len(decoded) >= READ_MEMO:
            del decoded[next(iter(decoded))]  # unchanged: read again if looked at again
        entry = decoded[id(item)] = (item, unpack(packed))
    return entry[1]


def _attrs_of(item: Any) -> Any:
    attrs = item._attrs
    scope: _Scope | None = getattr(_local, "scope", None)
    if attrs is not None:
        if scope is not None and scope.writes:
            scope.touched[id(item)] = item
        return attrs
    if scope is not None:
        entry = scope.decoded.get(id(item))
        if entry is not None:
            return entry[1]
        if not scope.writes and getattr(_querying, "table", None) is not None:
            return _KeyView(item)
    return _decoded(item)


def _set_attrs(item: Any, attrs: Any) -> None:
    item._attrs = attrs
    item._packed = None


def _pack_item(item: Any, attrs: Any) -> None:
    packed = pack(attrs)
    names = _key_names
    # The table's own keys are the item's hash_key and range_key: shared, not held twice.
    table_keys = (item.hash_key, item.range_key)
    item._keys = {k: next((t for t in table_keys if t == attrs[k]), attrs[k])
                  for k in names if k in attrs}
    item._key_set = names
    item._packed = packed
    item._attrs = None


def _end(scope: _Scope) -> None:
    for item, attrs in scope.decoded.values():
        if item._attrs is None:  # else given new attributes, packed below if looked at
            _pack_item(item, attrs)
    for item in scope.touched.values():
        attrs = item._attrs
        if attrs is not None:
            _pack_item(item, attrs)


def _call_action(original: Callable[..., Any]) -> Callable[..., Any]:
    def call_action(self: DynamoHandler) -> Any:
        if getattr(_local, "scope", None) is not None:  # moto calling itself
            return original(self)
        writes = self._get_action() not in READS
        scope = _local.scope = _Scope(writes)
        try:
            if not writes:
                return original(self)
            with writing:
                try:
                    return original(self)
                finally:
                    _end(scope)
        finally:
            _local.scope = None

    return call_action


def _table_init(original: Callable[..., Any]) -> Callable[..., Any]:
    def init(self: Table, *args: Any, **kwargs: Any) -> None:
        global _key_names
        original(self, *args, **kwargs)
        names = {k["AttributeName"] for k in self.schema}
        for index in [*self.global_indexes, *self.indexes]:
            names |= {k["AttributeName"] for k in index.schema}
        if not names <= _key_names:
            _key_names = _key_names | names

    return init


_querying: threading.local | None = None


def apply(querying: threading.local) -> None:
    """`querying.table` is set while this thread runs a Query (infra/moto_fixes)."""
    global _querying
    _querying = querying
    Item._attrs = None  # type: ignore[attr-defined]
    Item._packed = None  # type: ignore[attr-defined]
    Item._keys = {}  # type: ignore[attr-defined]
    Item._key_set = frozenset()  # type: ignore[attr-defined]
    Item.attrs = property(_attrs_of, _set_attrs)  # type: ignore[assignment]
    DynamoHandler.call_action = _call_action(DynamoHandler.call_action)  # type: ignore[method-assign]
    Table.__init__ = _table_init(Table.__init__)  # type: ignore[method-assign]
