"""CID parsing, display and checks (noosphere.storage.cid)."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from multiformats import CID

from noosphere.errors import InvalidCidError
from noosphere.storage import cid as cids

HELLO_V0 = "QmT78zSuBmuS4z925WZfrqQ1qHaJ56DQaTfyMUF7F8ff5o"  # `echo "hello world" | ipfs add`
HELLO_V1 = "bafybeicg2rebjoofv4kbyovkw7af3rpiitvnl6i7ckcywaq6xjcxnc2mby"
HELLO_DIGEST = bytes.fromhex("46d44814b9c5af141c3aaab7c05dc5e844ead5f91f12858b021eba45768b4c0e")


@pytest.mark.parametrize(
    "text",
    [
        HELLO_V0,
        HELLO_V1,
        HELLO_V1.upper(),  # base32 upper (multibase B)
        "zdj7WaCPMsy3FP2whSwpFXHjDEaTVmjnddYSn5W2Gdn4aEZFj",  # base58btc CIDv1
        "f0170122046d44814b9c5af141c3aaab7c05dc5e844ead5f91f12858b021eba45768b4c0e",  # base16
    ],
)
def test_every_spelling_names_the_same_block(text: str) -> None:
    cid = cids.parse_cid(text)
    assert bytes(cid.raw_digest) == HELLO_DIGEST
    assert cids.to_v0(cid) == HELLO_V0
    assert cids.to_v1(cid) == HELLO_V1
    assert cids.display(text) == HELLO_V0


def test_binary_and_object_forms_are_accepted() -> None:
    v1 = cids.parse_cid(HELLO_V1)
    assert cids.parse_cid(bytes(v1)) == v1
    assert cids.parse_cid(b"\x12\x20" + HELLO_DIGEST) == cids.parse_cid(HELLO_V0)
    assert cids.parse_cid(v1) is v1


def test_raw_cids_have_no_v0_form() -> None:
    raw = cids.make_cid(HELLO_DIGEST, cids.RAW)
    assert cids.to_v1(raw).startswith("bafkrei")
    assert cids.display(raw) == cids.to_v1(raw)
    with pytest.raises(InvalidCidError, match="only dag-pb CIDs have a CIDv0"):
        cids.to_v0(raw)


def test_make_cid_and_block_cid() -> None:
    assert str(cids.make_cid(HELLO_DIGEST)) == HELLO_V0
    block = b"some block"
    assert bytes(cids.block_cid(block).raw_digest) == hashlib.sha256(block).digest()
    assert cids.codec_of(cids.block_cid(block, cids.RAW)) == cids.RAW
    assert cids.digest_of(HELLO_V1) == HELLO_DIGEST


def test_binary_cid_round_trip() -> None:
    for codec in (cids.DAG_PB, cids.RAW):
        binary = cids.binary_cid(codec, HELLO_DIGEST)
        assert cids.split_binary_cid(binary) == (codec, HELLO_DIGEST)
        assert bytes(CID.decode(binary).raw_digest) == HELLO_DIGEST
    assert cids.display_binary(cids.binary_cid(cids.DAG_PB, HELLO_DIGEST)) == HELLO_V0


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "empty"),
        (" " + HELLO_V0, "whitespace"),
        (HELLO_V0[:-1], "46 characters"),
        (HELLO_V0 + "x", "46 characters"),
        ("Qm" + "0" * 44, "invalid character '0'"),
        ("hello", "Invalid character"),
        ("bafyabc", "pad bits"),
        (HELLO_V1[:-3], ""),
        (HELLO_V1 + "aa", "size"),
        ("bafyreigdmqpykrgxyaxtlafqpqhzrb7qy2rh75nldvfd4tucqmqqme5yse", "dag-cbor"),
        ("bafkqaaa", "identity"),
        ("!" * 10, ""),
        (b"", "empty"),
        (b"\x12\x20abc", ""),
        (42, "int is not a CID"),
    ],
)
def test_malformed_cids_are_named_in_the_error(value: object, reason: str) -> None:
    with pytest.raises(InvalidCidError) as info:
        cids.parse_cid(value)  # type: ignore[arg-type]
    message = str(info.value)
    assert repr(value)[:40] in message
    assert reason.lower() in message.lower()
    assert "expected a CIDv0" in message


@pytest.mark.parametrize(
    "binary",
    [
        b"",
        b"\x12\x20" + b"\x00" * 31,
        b"\x02\x70\x12\x20" + b"\x00" * 32,
        b"\x01\x71\x12\x20" + b"\x00" * 32,
        b"\x01\x70\x13\x20" + b"\x00" * 32,
        b"\x01\x70\x12\x20" + b"\x00" * 31,
        b"\x01\xff",
    ],
)
def test_split_binary_cid_rejects_what_it_cannot_verify(binary: bytes) -> None:
    with pytest.raises(InvalidCidError):
        cids.split_binary_cid(binary)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=80), st.binary(max_size=80)))
def test_arbitrary_input_parses_or_raises_invalid_cid(value: str | bytes) -> None:
    try:
        cid = cids.parse_cid(value)
    except InvalidCidError:
        return
    assert cid.codec.code in (cids.DAG_PB, cids.RAW)
    assert len(cid.raw_digest) == 32
