"""Signed node requests: the exact message format, round trips, tampering, skew and replays."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pytest
from eth_account import Account
from hypothesis import given, settings
from hypothesis import strategies as st

import noosphere.nodes as nodes
from noosphere.errors import InputError, NoosphereError
from noosphere.nodes import (
    BadSignatureError,
    MalformedHeaderError,
    ReplayedRequestError,
    ReplayGuard,
    StaleRequestError,
    UnsignedRequestError,
    request_message,
    response_message,
    sign_request,
    sign_response,
    verify_request,
    verify_response,
)
from noosphere.wallet import recover_message

CALLER = Account.from_key("0x" + "11" * 32)
AXON = Account.from_key("0x" + "22" * 32)
OTHER = Account.from_key("0x" + "33" * 32)
NOW = 1_700_000_000
NONCE = "00112233445566778899aabbccddeeff"
BODY = b'{"inputs": [1, 2, 3]}'


def _signed(**overrides: object) -> dict[str, str]:
    args: dict[str, object] = {
        "method": "POST",
        "url_path": "/forward?batch=1",
        "body": BODY,
        "receiver": AXON.address,
        "timestamp": NOW,
        "nonce": NONCE,
    }
    args.update(overrides)
    return sign_request(CALLER, **args)  # type: ignore[arg-type]


def test_public_api_is_pinned() -> None:
    for name in nodes.__all__:
        assert getattr(nodes, name) is not None, name
    assert {"create_axon", "Dendrite", "sign_request", "verify_request", "ReplayGuard"} <= set(
        nodes.__all__
    )
    for name in nodes.__all__:
        value = getattr(nodes, name)
        if isinstance(value, type) and issubclass(value, Exception):
            assert issubclass(value, NoosphereError), name


def test_request_message_format_is_exact() -> None:
    message = request_message("POST", "/forward?batch=1", BODY, NOW, NONCE, AXON.address.lower())
    assert message == "\n".join(
        [
            "noosphere-request-v1",
            "POST",
            "/forward?batch=1",
            hashlib.sha256(BODY).hexdigest(),
            "1700000000",
            NONCE,
            AXON.address,  # checksummed whatever case was given
        ]
    )
    assert message.count("\n") == 6 and not message.endswith("\n")


def test_response_message_format_is_exact() -> None:
    message = response_message(200, "POST", "/forward", b"{}", NOW, NONCE, CALLER.address)
    assert message.split("\n") == [
        "noosphere-response-v1",
        "200",
        "POST",
        "/forward",
        hashlib.sha256(b"{}").hexdigest(),
        "1700000000",
        NONCE,
        CALLER.address,
    ]


@pytest.mark.parametrize(
    ("method", "path", "nonce", "receiver"),
    [
        ("post", "/x", NONCE, AXON.address),
        ("POST", "x", NONCE, AXON.address),
        ("POST", "/x\nPOST", NONCE, AXON.address),
        ("POST", "/a b", NONCE, AXON.address),
        ("POST", "/x", NONCE.upper(), AXON.address),
        ("POST", "/x", NONCE[:-2], AXON.address),
        ("POST", "/x", NONCE, "0x1234"),
    ],
)
def test_message_fields_are_checked(method: str, path: str, nonce: str, receiver: str) -> None:
    with pytest.raises(InputError):
        request_message(method, path, b"", NOW, nonce, receiver)


def test_headers_and_round_trip() -> None:
    headers = _signed()
    assert headers["X-Noos-Hotkey"] == CALLER.address
    assert headers["X-Noos-Timestamp"] == "1700000000"
    assert headers["X-Noos-Nonce"] == NONCE
    assert headers["X-Noos-Signature"].startswith("0x") and len(headers["X-Noos-Signature"]) == 132
    message = request_message("POST", "/forward?batch=1", BODY, NOW, NONCE, AXON.address)
    signature = bytes.fromhex(headers["X-Noos-Signature"][2:])
    assert recover_message(message, signature) == CALLER.address
    signer = verify_request("POST", "/forward?batch=1", BODY, headers, AXON.address, now=NOW)
    assert signer == CALLER.address
    lowered = {k.lower(): v for k, v in headers.items()}  # header names are case-insensitive
    assert verify_request("POST", "/forward?batch=1", BODY, lowered, AXON.address, now=NOW)


def test_fresh_nonce_and_timestamp_by_default() -> None:
    a = sign_request(CALLER, "POST", "/f", b"", AXON.address)
    b = sign_request(CALLER, "POST", "/f", b"", AXON.address)
    assert a["X-Noos-Nonce"] != b["X-Noos-Nonce"] and len(a["X-Noos-Nonce"]) == 32
    assert verify_request("POST", "/f", b"", a, AXON.address) == CALLER.address


@pytest.mark.parametrize(
    ("method", "path", "body", "receiver"),
    [
        ("PUT", "/forward?batch=1", BODY, AXON.address),
        ("POST", "/forward?batch=2", BODY, AXON.address),
        ("POST", "/model?batch=1", BODY, AXON.address),
        ("POST", "/forward?batch=1", BODY + b" ", AXON.address),
        ("POST", "/forward?batch=1", b"", AXON.address),
        ("POST", "/forward?batch=1", BODY, OTHER.address),
    ],
    ids=["method", "query", "path", "body", "empty-body", "receiver"],
)
def test_tampering_is_rejected(method: str, path: str, body: bytes, receiver: str) -> None:
    with pytest.raises(BadSignatureError, match="does not recover"):
        verify_request(method, path, body, _signed(), receiver, now=NOW)


def test_header_tampering_is_rejected() -> None:
    for header, value in [
        ("X-Noos-Nonce", "ff" * 16),
        ("X-Noos-Timestamp", str(NOW + 1)),
        ("X-Noos-Hotkey", OTHER.address),
    ]:
        headers = {**_signed(), header: value}
        with pytest.raises(BadSignatureError):
            verify_request("POST", "/forward?batch=1", BODY, headers, AXON.address, now=NOW)
    sig = _signed()["X-Noos-Signature"]
    flipped = sig[:10] + ("0" if sig[10] != "0" else "1") + sig[11:]
    with pytest.raises(BadSignatureError):
        verify_request(
            "POST", "/forward?batch=1", BODY, {**_signed(), "X-Noos-Signature": flipped},
            AXON.address, now=NOW,
        )  # fmt: skip


def test_another_key_signing_for_a_claimed_hotkey_is_rejected() -> None:
    forged = sign_request(OTHER, "POST", "/f", b"", AXON.address, timestamp=NOW, nonce=NONCE)
    forged["X-Noos-Hotkey"] = CALLER.address
    with pytest.raises(BadSignatureError, match=CALLER.address):
        verify_request("POST", "/f", b"", forged, AXON.address, now=NOW)


def test_unsigned_and_malformed_headers_are_named() -> None:
    with pytest.raises(UnsignedRequestError, match="X-Noos-Hotkey, X-Noos-Timestamp"):
        verify_request("POST", "/f", b"", {}, AXON.address, now=NOW)
    partial = _signed()
    del partial["X-Noos-Signature"]
    with pytest.raises(UnsignedRequestError, match=r"missing header X-Noos-Signature \("):
        verify_request("POST", "/forward?batch=1", BODY, partial, AXON.address, now=NOW)
    for header, bad in [
        ("X-Noos-Hotkey", "alice"),
        ("X-Noos-Timestamp", "-5"),
        ("X-Noos-Timestamp", "1.5e9"),
        ("X-Noos-Nonce", "xyz"),
        ("X-Noos-Signature", "0x" + "ab" * 64),
    ]:
        with pytest.raises(MalformedHeaderError, match=header):
            verify_request("POST", "/f", b"", {**_signed(), header: bad}, AXON.address, now=NOW)


def test_high_s_signature_is_rejected() -> None:
    n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
    headers = _signed()
    sig = bytes.fromhex(headers["X-Noos-Signature"][2:])
    s = int.from_bytes(sig[32:64], "big")
    malleable = sig[:32] + (n - s).to_bytes(32, "big") + bytes([55 - sig[64]])
    headers["X-Noos-Signature"] = "0x" + malleable.hex()
    with pytest.raises(BadSignatureError, match="high s"):
        verify_request("POST", "/forward?batch=1", BODY, headers, AXON.address, now=NOW)


@pytest.mark.parametrize(
    ("offset", "ok"),
    [(0, True), (30, True), (-30, True), (30.5, False), (-31, False), (3600, False)],
)
def test_skew_window_edges(offset: float, ok: bool) -> None:
    headers = _signed()
    args = ("POST", "/forward?batch=1", BODY, headers, AXON.address)
    if ok:
        assert verify_request(*args, now=NOW + offset) == CALLER.address
    else:
        with pytest.raises(StaleRequestError, match="old" if offset > 0 else "in the future"):
            verify_request(*args, now=NOW + offset)


def test_skew_window_is_configurable() -> None:
    args = ("POST", "/forward?batch=1", BODY, _signed(), AXON.address)
    assert verify_request(*args, skew=120, now=NOW + 100)
    with pytest.raises(StaleRequestError, match="±5 s"):
        verify_request(*args, skew=5, now=NOW + 6)


def test_replay_is_rejected_and_survives_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "replay.db"
    guard = ReplayGuard(db)
    args = ("POST", "/forward?batch=1", BODY, _signed(), AXON.address)
    assert verify_request(*args, guard=guard, now=NOW) == CALLER.address
    with pytest.raises(ReplayedRequestError, match=NONCE):
        verify_request(*args, guard=guard, now=NOW + 1)
    guard.close()

    reopened = ReplayGuard(db, clock=lambda: NOW + 2)
    assert len(reopened) == 1
    with pytest.raises(ReplayedRequestError, match="already used"):
        verify_request(*args, guard=reopened, now=NOW + 2)
    other_nonce = _signed(nonce="ab" * 16)
    assert verify_request(
        "POST", "/forward?batch=1", BODY, other_nonce, AXON.address, guard=reopened, now=NOW + 2
    )
    reopened.close()


def test_same_nonce_from_another_hotkey_is_not_a_replay(tmp_path: Path) -> None:
    guard = ReplayGuard(tmp_path / "r.db")
    guard.check_and_record(CALLER.address, NONCE, NOW, now=NOW)
    guard.check_and_record(OTHER.address, NONCE, NOW, now=NOW)
    with pytest.raises(ReplayedRequestError):
        guard.check_and_record(CALLER.address.lower(), NONCE, NOW, now=NOW)


def test_forged_requests_do_not_consume_nonces(tmp_path: Path) -> None:
    guard = ReplayGuard(tmp_path / "r.db")
    with pytest.raises(BadSignatureError):
        verify_request("POST", "/other", BODY, _signed(), AXON.address, guard=guard, now=NOW)
    assert len(guard) == 0
    verify_request("POST", "/forward?batch=1", BODY, _signed(), AXON.address, guard=guard, now=NOW)


def test_guard_prunes_after_the_window_and_rejects_stale(tmp_path: Path) -> None:
    guard = ReplayGuard(tmp_path / "r.db", window=30, prune_every=0)
    for i in range(5):
        guard.check_and_record(CALLER.address, f"{i:032x}", NOW, now=NOW)
    assert len(guard) == 5
    assert guard.prune(now=NOW + 30) == 0  # still inside the window: a replay could pass
    assert len(guard) == 5
    with pytest.raises(StaleRequestError):  # after the window the request is stale anyway...
        guard.check_and_record(CALLER.address, f"{0:032x}", NOW, now=NOW + 32)
    guard.check_and_record(CALLER.address, "ff" * 16, NOW + 32, now=NOW + 32)
    assert len(guard) == 1  # ...so its record is pruned
    with pytest.raises(InputError):
        ReplayGuard(tmp_path / "r.db", window=0)


def test_guard_is_thread_safe(tmp_path: Path) -> None:
    guard = ReplayGuard(tmp_path / "r.db", clock=lambda: NOW)
    outcomes: list[bool] = []
    lock = threading.Lock()

    def attempt() -> None:
        try:
            guard.check_and_record(CALLER.address, NONCE, NOW)
            ok = True
        except ReplayedRequestError:
            ok = False
        with lock:
            outcomes.append(ok)

    threads = [threading.Thread(target=attempt) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [False] * 15 + [True]


def test_response_signature_round_trip_and_forgery() -> None:
    headers = sign_response(
        AXON, 200, "POST", "/forward", b'{"y":1}', NONCE, CALLER.address, timestamp=NOW
    )
    assert set(headers) == {"X-Noos-Hotkey", "X-Noos-Timestamp", "X-Noos-Signature"}
    args = ("POST", "/forward", b'{"y":1}', headers, NONCE, CALLER.address)
    verify_response(200, *args, AXON.address, now=NOW)
    with pytest.raises(BadSignatureError, match="not by the axon's hotkey"):
        verify_response(200, *args, OTHER.address, now=NOW)
    with pytest.raises(BadSignatureError):  # status altered in transit
        verify_response(500, *args, AXON.address, now=NOW)
    with pytest.raises(BadSignatureError):  # an answer to another request
        verify_response(
            200, "POST", "/forward", b'{"y":1}', headers, "ab" * 16, CALLER.address,
            AXON.address, now=NOW,
        )  # fmt: skip
    with pytest.raises(BadSignatureError, match="unsigned"):
        verify_response(200, "POST", "/forward", b"{}", {}, NONCE, CALLER.address, AXON.address)
    with pytest.raises(StaleRequestError):
        verify_response(200, *args, AXON.address, now=NOW + 100)


@settings(max_examples=60, deadline=None)
@given(body=st.binary(max_size=2048), flip=st.integers(min_value=0, max_value=2047))
def test_any_body_round_trips_and_any_flip_is_caught(body: bytes, flip: int) -> None:
    headers = sign_request(CALLER, "POST", "/forward", body, AXON.address, timestamp=NOW)
    assert verify_request("POST", "/forward", body, headers, AXON.address, now=NOW) == (
        CALLER.address
    )
    if body:
        tampered = bytearray(body)
        tampered[flip % len(body)] ^= 0x01
        with pytest.raises(BadSignatureError):
            verify_request("POST", "/forward", bytes(tampered), headers, AXON.address, now=NOW)


@settings(max_examples=30, deadline=None)
@given(
    path=st.text(
        alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=0, max_size=60
    )
)
def test_any_printable_path_round_trips(path: str) -> None:
    path = "/" + path
    headers = sign_request(CALLER, "GET", path, b"", AXON.address, timestamp=NOW)
    assert verify_request("GET", path, b"", headers, AXON.address, now=NOW) == CALLER.address
