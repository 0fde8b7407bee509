"""The local cloud's packed DynamoDB items (infra/moto_items): an item reads back as
written, at rest it is one string, a Query on an index decodes only what it returns, and
writes to one item from many threads lose nothing."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType

from infra import moto_fixes, moto_items
from tests.unit.test_workers import _client, _table


@pytest.fixture
def ddb() -> Iterator[Any]:
    from moto import mock_aws

    moto_fixes.apply()
    with mock_aws():
        client = _client("dynamodb")
        _table(client, index=("gsi1pk", "gsi1sk"))
        yield client


def _stored(pk: str, sk: str) -> Any:
    return dynamodb_backends["123456789012"]["eu-west-1"].get_table("t").items[
        DynamoType({"S": pk})][DynamoType({"S": sk})]


def _count_unpacks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many items were decoded, and how many one read held decoded at once."""
    seen = [0, 0]
    unpack = moto_items.unpack

    def counted(packed: bytes) -> Any:
        seen[0] += 1
        scope = getattr(moto_items._local, "scope", None)
        seen[1] = max(seen[1], len(scope.decoded) + 1 if scope else 0)
        return unpack(packed)

    monkeypatch.setattr(moto_items, "unpack", counted)
    return seen


def test_every_kind_of_attribute_reads_back_as_written(ddb: Any) -> None:
    item = {"pk": {"S": "p"}, "sk": {"S": "s"}, "text": {"S": "Hyvää päivää ✓"},
            "n": {"N": "-12.5"}, "blob": {"B": b"\x00\xffbytes"}, "yes": {"BOOL": True},
            "none": {"NULL": True}, "tags": {"SS": ["a", "b"]}, "nums": {"NS": ["1", "2"]},
            "blobs": {"BS": [b"x", b"y"]}, "list": {"L": [{"S": "a"}, {"N": "1"},
                                                          {"M": {"deep": {"BOOL": False}}}]},
            "map": {"M": {"inner": {"M": {"x": {"S": "y"}}}, "empty": {"L": []}}}}
    ddb.put_item(TableName="t", Item=item)
    stored = _stored("p", "s")
    assert stored._packed is not None, "at rest it is packed"
    assert stored._attrs is None
    got = ddb.get_item(TableName="t", Key={"pk": {"S": "p"}, "sk": {"S": "s"}})["Item"]
    assert {k: ({"SS": sorted(v["SS"])} if "SS" in v else v) for k, v in got.items()} == item
    assert _stored("p", "s")._attrs is None, "a read leaves it packed"


def test_an_update_changes_the_packed_item_and_its_index_keys(ddb: Any) -> None:
    key = {"pk": {"S": "p"}, "sk": {"S": "s"}}
    ddb.put_item(TableName="t", Item={**key, "gsi1pk": {"S": "g1"}, "gsi1sk": {"S": "1"},
                                      "count": {"N": "1"}})
    ddb.update_item(TableName="t", Key=key, UpdateExpression="SET gsi1pk = :g ADD #c :one",
                    ExpressionAttributeNames={"#c": "count"},
                    ExpressionAttributeValues={":g": {"S": "g2"}, ":one": {"N": "1"}})
    assert _stored("p", "s")._attrs is None

    def index(g: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = ddb.query(
            TableName="t", IndexName="gsi1", KeyConditionExpression="gsi1pk = :g",
            ExpressionAttributeValues={":g": {"S": g}})["Items"]
        return items

    assert index("g1") == []
    assert [i["count"] for i in index("g2")] == [{"N": "2"}]


def test_a_query_decodes_only_what_it_returns(ddb: Any,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    for n in range(300):
        ddb.put_item(TableName="t", Item={
            "pk": {"S": f"p{n % 3}"}, "sk": {"S": f"{n:04d}"}, "body": {"S": "x" * 50},
            "gsi1pk": {"S": "wanted" if n % 100 == 0 else f"other{n}"},
            "gsi1sk": {"S": f"{n:04d}"}})
    seen = _count_unpacks(monkeypatch)
    got = ddb.query(TableName="t", IndexName="gsi1", KeyConditionExpression="gsi1pk = :g",
                    ExpressionAttributeValues={":g": {"S": "wanted"}})["Items"]
    assert [i["sk"]["S"] for i in got] == ["0000", "0100", "0200"]
    assert seen[0] == 3, "the other 297 were matched on their index keys alone"

    # A page after a cursor: the items before it are passed over on their keys.
    seen[0] = 0
    page = ddb.query(TableName="t", KeyConditionExpression="pk = :p", Limit=5,
                     ExclusiveStartKey={"pk": {"S": "p0"}, "sk": {"S": "0150"}},
                     ExpressionAttributeValues={":p": {"S": "p0"}})["Items"]
    assert [i["sk"]["S"] for i in page] == ["0153", "0156", "0159", "0162", "0165"]
    assert seen[0] <= 6


def test_a_scan_holds_few_items_decoded_at_once(ddb: Any,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    for n in range(60):
        ddb.put_item(TableName="t", Item={"pk": {"S": f"p{n}"}, "sk": {"S": "s"},
                                          "n": {"N": str(n)}})
    monkeypatch.setattr(moto_items, "READ_MEMO", 8)
    seen = _count_unpacks(monkeypatch)
    got = ddb.scan(TableName="t", FilterExpression="n >= :ten",
                   ExpressionAttributeValues={":ten": {"N": "10"}})["Items"]
    assert sorted(int(i["n"]["N"]) for i in got) == list(range(10, 60))
    assert seen[0] >= 60
    assert seen[1] <= 8


def test_writes_to_one_item_from_many_threads_lose_none(ddb: Any) -> None:
    key = {"pk": {"S": "counter"}, "sk": {"S": "s"}}
    ddb.put_item(TableName="t", Item={**key, "n": {"N": "0"}})
    created: list[int] = []

    def work(worker: int) -> None:
        for i in range(40):
            ddb.update_item(TableName="t", Key=key, UpdateExpression="ADD n :one",
                            ExpressionAttributeValues={":one": {"N": "1"}})
            try:  # only the first of the workers to try may create each item
                ddb.put_item(TableName="t", Item={"pk": {"S": f"once{i}"}, "sk": {"S": "s"}},
                             ConditionExpression="attribute_not_exists(pk)")
                created.append(i)
            except ddb.exceptions.ConditionalCheckFailedException:
                pass

    threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
    switching = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads take turns often, inside moto's work too
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        sys.setswitchinterval(switching)
    got = ddb.get_item(TableName="t", Key=key)["Item"]
    assert got["n"] == {"N": "160"}
    assert sorted(created) == list(range(40))


def test_a_change_made_outside_a_request_sticks(ddb: Any) -> None:
    key = {"pk": {"S": "p"}, "sk": {"S": "s"}}
    ddb.put_item(TableName="t", Item={**key, "v": {"S": "before"}})
    _stored("p", "s").attrs["v"] = DynamoType({"S": "after"})
    assert ddb.get_item(TableName="t", Key=key)["Item"]["v"] == {"S": "after"}
    ddb.update_item(TableName="t", Key=key, UpdateExpression="SET w = :w",
                    ExpressionAttributeValues={":w": {"S": "x"}})
    stored = _stored("p", "s")
    assert stored._attrs is None, "the next write packs it again"
    assert ddb.get_item(TableName="t", Key=key)["Item"]["v"] == {"S": "after"}


def test_bytes_come_back_as_bytes() -> None:
    attrs = {"b": DynamoType({"B": b"\x00\xff"}), "bs": DynamoType({"BS": [b"\x01", b"x"]}),
             "m": DynamoType({"M": {"b": {"B": b"\x02"}, "s": {"S": "B:b64"}}})}
    assert moto_items.unpack(moto_items.pack(attrs)) == attrs
    plain = {"s": DynamoType({"S": "x"})}
    assert moto_items.pack(plain) == b'{"s":{"S":"x"}}'
    assert moto_items.unpack(moto_items.pack(plain)) == plain
