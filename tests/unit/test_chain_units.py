"""Unit tests of the chain client's pure parts: signer, reverts, retries, nonces, amounts."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from eth_abi import encode as abi_encode
from eth_account import Account
from hypothesis import given, settings
from hypothesis import strategies as st

from noosphere.chain.nonces import NonceManager
from noosphere.chain.provider import RetryingHTTPProvider
from noosphere.chain.reverts import decode_revert_data, reason_from_exception
from noosphere.chain.signer import FastSigner
from noosphere.chain.token import checked_address, format_amount, parse_amount
from noosphere.errors import InputError, RpcUnreachableError, TransientRpcError

KEY = bytes.fromhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")


@settings(max_examples=40, deadline=None)
@given(
    nonce=st.integers(0, 2**32),
    gas=st.integers(21_000, 30_000_000),
    value=st.integers(0, 2**128),
    data=st.binary(max_size=200),
    fee=st.integers(1, 10**12),
)
def test_fast_signer_matches_eth_account(
    nonce: int, gas: int, value: int, data: bytes, fee: int
) -> None:
    to = "0x52908400098527886E0F7030069857D2E4169EE7"
    signed = FastSigner(KEY).sign(
        chain_id=31337,
        nonce=nonce,
        to=to,
        data=data,
        gas=gas,
        max_fee=2 * fee,
        priority_fee=fee,
        value=value,
    )
    reference = Account.from_key(KEY).sign_transaction(
        {
            "type": 2,
            "chainId": 31337,
            "nonce": nonce,
            "to": to,
            "data": data,
            "gas": gas,
            "maxFeePerGas": 2 * fee,
            "maxPriorityFeePerGas": fee,
            "value": value,
        }
    )
    assert signed.raw == bytes(reference.raw_transaction)
    assert signed.hash == bytes(reference.hash)


def test_fast_signer_hides_key() -> None:
    assert KEY.hex() not in repr(FastSigner(KEY))


def test_decode_error_string() -> None:
    data = bytes.fromhex("08c379a0") + abi_encode(["string"], ["noos: cap exceeded"])
    assert decode_revert_data(data) == "noos: cap exceeded"
    assert decode_revert_data("0x" + data.hex()) == "noos: cap exceeded"


def test_decode_panic_and_empty() -> None:
    panic = bytes.fromhex("4e487b71") + (0x11).to_bytes(32, "big")
    assert "overflow" in decode_revert_data(panic)
    assert "without a reason" in decode_revert_data(b"")
    assert "custom error" in decode_revert_data(b"\x01\x02\x03\x04")


def test_reason_from_rpc_error_dict() -> None:
    exc = ValueError({"code": -32003, "message": "insufficient funds for gas * price + value"})
    assert reason_from_exception(exc) == "insufficient funds for gas * price + value"
    assert reason_from_exception(ValueError("execution reverted: noos: x")) == "noos: x"


def test_nonce_manager_hands_out_consecutive_nonces_across_threads() -> None:
    calls = []

    def fetch(address: str) -> int:
        calls.append(address)
        return 7

    manager = NonceManager(fetch)
    taken: list[int] = []

    def worker() -> None:
        for _ in range(50):
            with manager.lock("0xA"):
                taken.append(manager.take("0xa"))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(taken) == list(range(7, 207))
    assert len(calls) == 1
    manager.resync("0xA")
    with manager.lock("0xa"):
        assert manager.take("0xa", 3) == 7
        assert manager.take("0xa") == 10


class _Flaky(BaseHTTPRequestHandler):
    failures = 0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        if _Flaky.failures > 0:
            _Flaky.failures -= 1
            self.send_response(503)
            self.end_headers()
            return
        body = b'{"jsonrpc":"2.0","id":0,"result":"0x7a69"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture
def flaky_server() -> Any:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Flaky)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_provider_retries_transient_http_errors(flaky_server: str) -> None:
    _Flaky.failures = 2
    provider = RetryingHTTPProvider(flaky_server, retries=3, backoff=0.01)
    assert provider.make_request("eth_chainId", [])["result"] == "0x7a69"  # type: ignore[arg-type]


def test_provider_gives_up_after_retries(flaky_server: str) -> None:
    _Flaky.failures = 10
    provider = RetryingHTTPProvider(flaky_server, retries=2, backoff=0.01)
    with pytest.raises(TransientRpcError):
        provider.make_request("eth_chainId", [])  # type: ignore[arg-type]
    _Flaky.failures = 0


def test_provider_unreachable() -> None:
    from noosphere.chain.devnet import free_port

    provider = RetryingHTTPProvider(f"http://127.0.0.1:{free_port()}", retries=1, backoff=0.01)
    with pytest.raises(RpcUnreachableError):
        provider.make_request("eth_chainId", [])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "units"),
    [
        ("1", 10**18),
        ("0.5", 5 * 10**17),
        ("1_000", 1000 * 10**18),
        ("0.000000000000000001", 1),
        ("123456789012.123456789012345678", 123456789012123456789012345678),
    ],
)
def test_parse_amount(text: str, units: int) -> None:
    assert parse_amount(text) == units
    assert parse_amount(format_amount(units).replace(",", "")) == units


@pytest.mark.parametrize("text", ["-1", "abc", "1e400000", "0.0000000000000000001", "nan", ""])
def test_parse_amount_rejects(text: str) -> None:
    with pytest.raises(InputError):
        parse_amount(text)


def test_checked_address() -> None:
    lower = "0x52908400098527886e0f7030069857d2e4169ee7"
    assert checked_address(lower) == "0x52908400098527886E0F7030069857D2E4169EE7"
    with pytest.raises(InputError, match="recipient"):
        checked_address("0x12", "recipient")
