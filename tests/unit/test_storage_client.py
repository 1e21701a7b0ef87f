"""GatewayClient and Store fetching against in-process mock gateways (httpx.MockTransport).

Hosts: good.test serves a source store honestly; evil.test flips a byte of every answer;
gone.test answers 404; slow.test times out; html.test answers a web page; short.test drops the
last block of CARs; noisy.test adds an unrelated block to CARs.
"""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from noosphere.errors import BlockNotFoundError, ConfigError, IntegrityError
from noosphere.storage import GatewayClient, Store, parse_cid
from noosphere.storage._wire import encode_varint
from noosphere.storage.car import car_header
from noosphere.storage.cid import binary_cid
from noosphere.storage.exporter import blockstore_loader, iter_blocks

CAR_TYPE = "application/vnd.ipld.car; version=1; order=dfs; dups=n"


def _handler(source: Store) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        host = request.url.host
        if host == "gone.test":
            return httpx.Response(404, json={"error": "not found"})
        if host == "slow.test":
            raise httpx.ReadTimeout("timed out", request=request)
        if host == "html.test":
            return httpx.Response(
                200, text="<html>hi</html>", headers={"content-type": "text/html"}
            )
        cid = parse_cid(request.url.path.removeprefix("/ipfs/"))
        if not source.blockstore.has(cid):
            return httpx.Response(404)
        if request.url.params.get("format") == "raw":
            body = source.blockstore.get(cid)
            ctype = "application/vnd.ipld.raw"
        else:
            root = binary_cid(cid.codec.code, bytes(cid.raw_digest))
            blocks = list(iter_blocks(root, blockstore_loader(source.blockstore)))
            if host == "short.test":
                blocks = blocks[:-1]
            if host == "noisy.test":
                stray = source.blockstore.put_block(b"stray block")
                blocks.insert(1, (binary_cid(0x70, bytes(stray.raw_digest)), b"stray block"))
            body = car_header([root]) + b"".join(_section(b, d) for b, d in blocks)
            ctype = CAR_TYPE
        if host == "evil.test":
            body = body[:-1] + bytes([body[-1] ^ 1])
        return httpx.Response(200, content=body, headers={"content-type": ctype})

    return httpx.MockTransport(handle)


def _section(bcid: bytes, block: bytes) -> bytes:
    return encode_varint(len(bcid) + len(block)) + bcid + block


@pytest.fixture
def source(tmp_path: Path) -> Store:
    return Store(tmp_path / "source", sync=False)


@pytest.fixture
def data() -> bytes:
    return os.urandom(3 * 262_144 + 10)


def _client(source: Store, *hosts: str) -> GatewayClient:
    return GatewayClient([f"http://{h}" for h in hosts], transport=_handler(source))


def _fresh(tmp_path: Path, client: GatewayClient) -> Store:
    return Store(tmp_path / "fresh", sync=False, client=client)


def test_get_block_verifies_and_falls_back(source: Store, data: bytes) -> None:
    cid = source.put_bytes(data)
    block = source.blockstore.get(cid)
    assert _client(source, "good.test").get_block(cid) == block
    assert _client(source, "gone.test", "slow.test", "evil.test", "good.test").get_block(cid) == (
        block
    )


def test_tampered_block_names_gateway_and_cid(source: Store, data: bytes) -> None:
    cid = source.put_bytes(data)
    with pytest.raises(IntegrityError) as info:
        _client(source, "evil.test").get_block(cid)
    assert "http://evil.test" in str(info.value) and str(cid) in str(info.value)


def test_not_found_everywhere(source: Store) -> None:
    cid = source.put_bytes(b"x")
    with pytest.raises(BlockNotFoundError, match=r"gone\.test.*404.*html\.test.*text/html"):
        _client(source, "gone.test", "html.test").get_block(cid)
    with pytest.raises(BlockNotFoundError, match="no gateway is configured"):
        GatewayClient([]).get_block(cid)


def test_fetch_dag_falls_back_past_bad_gateways(source: Store, data: bytes, tmp_path: Path) -> None:
    cid = source.put_bytes(data)
    client = _client(source, "gone.test", "evil.test", "short.test", "good.test")
    fresh = _fresh(tmp_path, client)
    assert not fresh.has(cid)
    assert b"".join(fresh.cat(cid)) == data
    assert fresh.has(cid)
    for digest in fresh.blockstore.digests():
        fresh.blockstore.get_digest(digest)  # only verified blocks landed


def test_fetch_dag_from_only_a_tampering_gateway_fails(
    source: Store, data: bytes, tmp_path: Path
) -> None:
    cid = source.put_bytes(data)
    fresh = _fresh(tmp_path, _client(source, "evil.test"))
    with pytest.raises(IntegrityError, match=r"http://evil\.test: tampered block"):
        fresh.fetch_missing(cid)
    assert not fresh.has(cid)


def test_incomplete_car_is_not_success(source: Store, data: bytes, tmp_path: Path) -> None:
    cid = source.put_bytes(data)
    fresh = _fresh(tmp_path, _client(source, "short.test"))
    with pytest.raises(BlockNotFoundError, match="incomplete"):
        fresh.fetch_missing(cid)


def test_unrelated_blocks_in_a_car_are_ignored(source: Store, data: bytes, tmp_path: Path) -> None:
    cid = source.put_bytes(data)
    fresh = _fresh(tmp_path, _client(source, "noisy.test"))
    assert fresh.fetch_missing(cid) == 5
    stray = parse_cid(str(source.blockstore.put_block(b"stray block")))
    assert not fresh.blockstore.has(stray)


def test_corrupt_local_block_is_repaired_from_a_gateway(
    source: Store, data: bytes, tmp_path: Path
) -> None:
    cid = source.put_bytes(data)
    fresh = _fresh(tmp_path, _client(source, "good.test"))
    fresh.fetch_missing(cid)
    leaf = fresh.ls(cid)[1].cid
    path = fresh.blockstore.path_for(bytes(leaf.raw_digest))
    path.write_bytes(path.read_bytes()[:-1] + b"\x00")
    assert b"".join(fresh.cat(cid)) == data
    assert fresh.blockstore.get(leaf)


def test_gateway_urls_are_checked_and_normalised() -> None:
    client = GatewayClient(["https://ipfs.io/ipfs/", "http://127.0.0.1:8080/"])
    assert client.gateways == ["https://ipfs.io", "http://127.0.0.1:8080"]
    with pytest.raises(ConfigError, match="not an http"):
        GatewayClient(["ftp://example.org"])
