"""The trustless gateway over real HTTP: uvicorn servers in threads, httpx clients.

A second server proxies the good one and flips a byte of every body: the client must refuse
what it sends (IntegrityError naming it) and fall back to the good gateway.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from noosphere.errors import IntegrityError
from noosphere.storage import CarReader, GatewayClient, Store, create_app, to_v1
from noosphere.storage.cid import display_binary
from tests._servers import ThreadServer

DATA_SIZE = 3 * 262_144 + 1234


def _tampering_proxy(upstream: str) -> FastAPI:
    app = FastAPI()

    @app.get("/ipfs/{cid}")
    def proxy(cid: str, request: Request) -> Response:
        answer = httpx.get(f"{upstream}/ipfs/{cid}", params=request.query_params)
        body = bytearray(answer.content)
        if body:
            body[-1] ^= 0x01
        return Response(bytes(body), answer.status_code, media_type=answer.headers["content-type"])

    return app


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, str, str, bytes]]:
    store = Store(tmp_path_factory.mktemp("gateway") / "home", sync=False)
    data = os.urandom(DATA_SIZE)
    store.put_bytes(data)
    good = ThreadServer(create_app(store))
    evil = ThreadServer(_tampering_proxy(good.url))
    try:
        yield store, good.url, evil.url, data
    finally:
        evil.stop()
        good.stop()


def _root(store: Store) -> str:
    return str(store.roots()[0].cid)


def test_raw_block(served: tuple[Store, str, str, bytes]) -> None:
    store, url, _, _ = served
    cid = _root(store)
    answer = httpx.get(f"{url}/ipfs/{cid}", params={"format": "raw"})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/vnd.ipld.raw"
    assert answer.headers["etag"] == f'"{cid}.raw"'
    assert answer.headers["content-disposition"] == f'attachment; filename="{cid}.bin"'
    assert answer.content == store.blockstore.get(cid)
    head = httpx.head(f"{url}/ipfs/{to_v1(cid)}", headers={"Accept": "application/vnd.ipld.raw"})
    assert head.status_code == 200
    assert int(head.headers["content-length"]) == len(answer.content)
    again = httpx.get(
        f"{url}/ipfs/{cid}", params={"format": "raw"}, headers={"If-None-Match": f'"{cid}.raw"'}
    )
    assert again.status_code == 304


def test_car_of_the_whole_dag(served: tuple[Store, str, str, bytes]) -> None:
    store, url, _, data = served
    cid = _root(store)
    answer = httpx.get(f"{url}/ipfs/{cid}", headers={"Accept": "application/vnd.ipld.car"})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == (
        "application/vnd.ipld.car; version=1; order=dfs; dups=n"
    )
    blocks = list(CarReader(io.BytesIO(answer.content)))
    assert display_binary(blocks[0][0]) == cid
    assert [display_binary(b) for b, _ in blocks[1:]] == [str(link.cid) for link in store.ls(cid)]
    scoped = httpx.get(f"{url}/ipfs/{cid}", params={"format": "car", "dag-scope": "block"})
    assert len(list(CarReader(io.BytesIO(scoped.content)))) == 1
    whole = httpx.get(f"{url}/ipfs/{cid}")  # no format: the file's bytes, like a path gateway
    assert whole.content == data


ABSENT = "/ipfs/QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH"
DAG_CBOR = "/ipfs/bafyreigdmqpykrgxyaxtlafqpqhzrb7qy2rh75nldvfd4tucqmqqme5yse"


@pytest.mark.parametrize(
    ("path", "params", "headers", "status", "message"),
    [
        ("/ipfs/Qmnotacid", {"format": "raw"}, {}, 400, "is not a valid CID"),
        (DAG_CBOR, {}, {}, 400, "dag-cbor"),
        (ABSENT, {"format": "raw"}, {}, 404, "not in"),
        ("/ipfs/{cid}", {"format": "tar"}, {}, 406, "format 'tar' is not supported"),
        ("/ipfs/{cid}", {}, {"Accept": "application/vnd.ipld.dag-json"}, 406, "cannot produce"),
        ("/ipfs/{cid}", {"format": "car", "car-version": "2"}, {}, 406, "CARv1"),
        ("/ipfs/{cid}", {"format": "car", "dag-scope": "most"}, {}, 400, "dag-scope"),
        ("/ipfs/{cid}/some/path", {"format": "car"}, {}, 400, "paths inside a DAG"),
        (ABSENT, {"format": "raw"}, {"Cache-Control": "only-if-cached"}, 412, "not in"),
    ],
)  # fmt: skip
def test_bad_requests_get_clear_json_errors(
    served: tuple[Store, str, str, bytes],
    path: str,
    params: dict[str, str],
    headers: dict[str, str],
    status: int,
    message: str,
) -> None:
    store, url, _, _ = served
    answer = httpx.get(url + path.format(cid=_root(store)), params=params, headers=headers)
    assert answer.status_code == status
    assert message in answer.json()["error"]


def test_probe_cid(served: tuple[Store, str, str, bytes]) -> None:
    _, url, _, _ = served
    raw = httpx.get(f"{url}/ipfs/bafkqaaa", params={"format": "raw"})
    assert (raw.status_code, raw.content) == (200, b"")
    car = httpx.get(f"{url}/ipfs/bafkqaaa", params={"format": "car"})
    assert car.status_code == 200 and list(CarReader(io.BytesIO(car.content))) == []


def test_client_fetches_from_the_gateway(
    served: tuple[Store, str, str, bytes], tmp_path: Path
) -> None:
    store, url, _, data = served
    cid = _root(store)
    with GatewayClient([url]) as client:
        assert client.get_block(cid) == store.blockstore.get(cid)
    fresh = Store(tmp_path / "fresh", gateways=[url], sync=False)
    assert b"".join(fresh.cat(cid)) == data
    assert fresh.has(cid)
    fresh.close()


def test_tampering_gateway_is_refused_and_the_good_one_used(
    served: tuple[Store, str, str, bytes], tmp_path: Path
) -> None:
    store, url, evil, data = served
    cid = _root(store)
    with GatewayClient([evil]) as client, pytest.raises(IntegrityError) as info:
        client.get_block(cid)
    assert evil in str(info.value) and cid in str(info.value)
    only_evil = Store(tmp_path / "a", gateways=[evil], sync=False)
    with pytest.raises(IntegrityError, match="tampered"):
        b"".join(only_evil.cat(cid))
    assert not only_evil.has(cid)
    both = Store(tmp_path / "b", gateways=[evil, url], sync=False)
    assert b"".join(both.cat(cid)) == data
    with GatewayClient([evil, url]) as client:
        assert client.get_block(cid) == store.blockstore.get(cid)


@pytest.fixture
def own(tmp_path: Path) -> Iterator[tuple[Store, str]]:
    """A gateway over a store of this test's own, free to corrupt."""
    store = Store(tmp_path / "own", sync=False)
    server = ThreadServer(create_app(store))
    try:
        yield store, server.url
    finally:
        server.stop()


def test_accept_negotiation_follows_q_values(own: tuple[Store, str]) -> None:
    store, url = own
    cid = str(store.put_bytes(b"negotiated"))
    accept = "application/vnd.ipld.car;q=0.5, application/vnd.ipld.raw"
    answer = httpx.get(f"{url}/ipfs/{cid}", headers={"Accept": accept})
    assert answer.headers["content-type"] == "application/vnd.ipld.raw"
    car2 = "application/vnd.ipld.car; version=2, */*"
    answer = httpx.get(f"{url}/ipfs/{cid}", headers={"Accept": car2})
    assert answer.headers["content-type"] == "application/octet-stream"  # falls through to */*
    assert answer.content == b"negotiated"
    answer = httpx.get(
        f"{url}/ipfs/{cid}?format=raw", headers={"Accept": "application/vnd.ipld.car"}
    )
    assert answer.headers["content-type"] == "application/vnd.ipld.raw"  # format wins


def test_car_duplicates_follow_dups(own: tuple[Store, str]) -> None:
    store, url = own
    cid = str(store.put_bytes(b"\x00" * (3 * 262_144)))  # three identical leaves
    no_dups = httpx.get(f"{url}/ipfs/{cid}?format=car")
    assert no_dups.headers["content-type"].endswith("dups=n")
    assert len(list(CarReader(io.BytesIO(no_dups.content)))) == 2
    dups = httpx.get(f"{url}/ipfs/{cid}?format=car&car-dups=y")
    assert dups.headers["content-type"].endswith("dups=y")
    assert len(list(CarReader(io.BytesIO(dups.content)))) == 4
    head = httpx.head(f"{url}/ipfs/{cid}?format=car")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == f'"{cid}.car.dfs.n.all"'


def test_corrupt_blocks_are_never_served(own: tuple[Store, str]) -> None:
    store, url = own
    cid = store.put_bytes(os.urandom(700_000))  # 3 leaves
    leaf = store.ls(cid)[1].cid
    path = store.blockstore.path_for(bytes(leaf.raw_digest))
    corrupt = bytearray(path.read_bytes())
    corrupt[100] ^= 0xFF
    path.write_bytes(bytes(corrupt))
    raw = httpx.get(f"{url}/ipfs/{leaf}?format=raw")
    assert raw.status_code == 500
    assert "corrupt" in raw.json()["error"]
    car = httpx.get(f"{url}/ipfs/{cid}?format=car")
    assert car.status_code == 200  # committed before the walk reached the bad block...
    blocks = list(CarReader(io.BytesIO(car.content)))
    assert len(blocks) == 2  # ...which ended the stream: root and first leaf only
    assert bytes(corrupt[50:150]) not in car.content
