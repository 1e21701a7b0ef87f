"""Signing: EIP-191 and EIP-712 round trips, checked against eth_account; fast recovery."""

from __future__ import annotations

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct, encode_typed_data
from hypothesis import given, settings
from hypothesis import strategies as st

from noosphere.errors import InputError
from noosphere.wallet import (
    message_hash,
    recover_address,
    recover_message,
    recover_typed_data,
    sign_message,
    sign_typed_data,
    typed_data_hash,
)

ACCOUNT = Account.from_key("0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141

DOMAIN = {
    "name": "Noosphere",
    "version": "1",
    "chainId": 31337,
    "verifyingContract": "0x5FbDB2315678afecb367f032d93F642f64180aa3",
}
TYPES = {
    "Receipt": [
        {"name": "payer", "type": "address"},
        {"name": "amount", "type": "uint256"},
        {"name": "nonce", "type": "uint64"},
        {"name": "cid", "type": "string"},
    ]
}
MESSAGE = {
    "payer": "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23",
    "amount": 10**18,
    "nonce": 7,
    "cid": "bafkreigh2akiscaildc",
}


def test_personal_message_round_trip() -> None:
    for message in ("hello noosphere", b"\x00\xffbytes", ""):
        signature = sign_message(ACCOUNT, message)
        assert len(signature) == 65 and signature[64] in (27, 28)
        assert recover_message(message, signature) == ACCOUNT.address
        raw = message.encode() if isinstance(message, str) else message
        assert Account.recover_message(encode_defunct(raw), signature=signature) == ACCOUNT.address
    assert recover_message("other text", sign_message(ACCOUNT, "hello")) != ACCOUNT.address


def test_signature_matches_eth_account() -> None:
    expected = ACCOUNT.sign_message(encode_defunct(text="gm")).signature
    assert sign_message(ACCOUNT, "gm") == bytes(expected)
    assert message_hash("gm") == bytes(ACCOUNT.sign_message(encode_defunct(text="gm")).message_hash)


def test_typed_data_round_trip() -> None:
    signature = sign_typed_data(ACCOUNT, DOMAIN, TYPES, "Receipt", MESSAGE)
    assert recover_typed_data(DOMAIN, TYPES, "Receipt", MESSAGE, signature) == ACCOUNT.address
    reference = encode_typed_data(DOMAIN, TYPES, MESSAGE)
    assert Account.recover_message(reference, signature=signature) == ACCOUNT.address
    tampered = {**MESSAGE, "amount": 10**18 + 1}
    assert recover_typed_data(DOMAIN, TYPES, "Receipt", tampered, signature) != ACCOUNT.address
    other_chain = {**DOMAIN, "chainId": 1}
    assert typed_data_hash(other_chain, TYPES, "Receipt", MESSAGE) != typed_data_hash(
        DOMAIN, TYPES, "Receipt", MESSAGE
    )


def test_malformed_typed_data() -> None:
    with pytest.raises(InputError, match="primary type"):
        typed_data_hash(DOMAIN, TYPES, "Missing", MESSAGE)
    with pytest.raises(InputError, match="malformed EIP-712"):
        typed_data_hash(DOMAIN, TYPES, "Receipt", {"payer": "not an address"})


@settings(max_examples=25, deadline=None)
@given(key=st.integers(1, N - 1), digest=st.binary(min_size=32, max_size=32))
def test_recover_address_agrees_with_eth_account(key: int, digest: bytes) -> None:
    account = Account.from_key(key.to_bytes(32, "big"))
    signed = account.unsafe_sign_hash(digest)
    signature = bytes(signed.signature)
    assert recover_address(digest, signature) == account.address
    assert Account._recover_hash(digest, signature=signature) == account.address
    zero_one_v = signature[:64] + bytes([signature[64] - 27])
    assert recover_address(digest, zero_one_v) == account.address


def test_recover_address_rejects_malformed_signatures() -> None:
    digest = b"\x11" * 32
    signature = bytes(ACCOUNT.unsafe_sign_hash(digest).signature)
    with pytest.raises(InputError, match="65 bytes"):
        recover_address(digest, signature[:64])
    with pytest.raises(InputError, match="32 bytes"):
        recover_address(digest[:31], signature)
    with pytest.raises(InputError, match="v must be"):
        recover_address(digest, signature[:64] + b"\x05")
    with pytest.raises(InputError, match="out of range"):
        recover_address(digest, b"\x00" * 32 + signature[32:])
    # the malleable twin (s -> n - s, v flipped) is valid ECDSA but refused
    s = int.from_bytes(signature[32:64], "big")
    twin = signature[:32] + (N - s).to_bytes(32, "big") + bytes([55 - signature[64]])
    assert Account._recover_hash(digest, signature=twin) == ACCOUNT.address
    with pytest.raises(InputError, match="high s"):
        recover_address(digest, twin)


def test_bad_message_type() -> None:
    with pytest.raises(InputError, match="bytes or str"):
        sign_message(ACCOUNT, 42)  # type: ignore[arg-type]
