"""Content identifiers: parse, check and display CIDs exactly as kubo does.

Noosphere stores UnixFS DAGs whose blocks are either ``dag-pb`` (0x70) or ``raw`` (0x55) and
are always hashed with sha2-256, so those are the only CIDs :func:`parse_cid` accepts. A
``dag-pb`` CID is shown as CIDv0 (``Qm…``, what ``ipfs add`` prints) and as CIDv1 base32
(``bafy…``); both name the same block.

Hot paths (DAG walks, CAR framing) work on *binary* CIDs with :func:`split_binary_cid` and
:func:`binary_cid` instead of :class:`multiformats.CID` objects, which are slow to build.
"""

from __future__ import annotations

import hashlib

from multiformats import CID

from noosphere.errors import InvalidCidError, StoreError
from noosphere.storage._wire import decode_varint

DAG_PB = 0x70
RAW = 0x55
SHA2_256 = 0x12
DIGEST_SIZE = 32

CidLike = CID | str | bytes
"""A CID object, its text form (any multibase multiformats knows) or its binary form."""

_CODEC_NAMES = {DAG_PB: "dag-pb", RAW: "raw"}
_EXPECTED = 'expected a CIDv0 ("Qm…", 46 characters) or a CIDv1 such as "bafy…"'
_V0_PREFIX = b"\x12\x20"


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 90 else text[:87] + "..."


def _invalid(value: object, reason: str) -> InvalidCidError:
    return InvalidCidError(f"{_shown(value)} is not a valid CID: {reason}", hint=_EXPECTED)


def _check(cid: CID, value: object) -> CID:
    codec = cid.codec.code
    if codec not in _CODEC_NAMES:
        raise _invalid(
            value, f"codec {cid.codec.name} (0x{codec:x}) is not supported, only dag-pb and raw"
        )
    if cid.hashfun.code != SHA2_256:
        raise _invalid(value, f"hash {cid.hashfun.name} is not supported, only sha2-256")
    if len(cid.raw_digest) != DIGEST_SIZE:
        raise _invalid(value, f"sha2-256 digest has {len(cid.raw_digest)} bytes, not 32")
    return cid


def parse_cid(value: CidLike) -> CID:
    """Parse and check a CID given as text, bytes or a :class:`CID`.

    Accepts CIDv0 (``Qm…``) and CIDv1 in any multibase multiformats knows (``bafy…``,
    ``bafk…``, ``z…``, ``f…``...). Raises :class:`InvalidCidError` naming the input and what was
    wrong when it is malformed, or its codec is not dag-pb/raw, or its hash is not sha2-256.
    """
    if isinstance(value, CID):
        return _check(value, value)
    if isinstance(value, str):
        if not value:
            raise _invalid(value, "it is empty")
        if value != value.strip():
            raise _invalid(value, "it has leading or trailing whitespace")
        if value.startswith("Qm") and len(value) != 46:
            raise _invalid(value, f"a CIDv0 has 46 characters, this one has {len(value)}")
    elif isinstance(value, bytes | bytearray | memoryview):
        value = bytes(value)
        if not value:
            raise _invalid(value, "it is empty")
    else:
        raise _invalid(value, f"a {type(value).__name__} is not a CID")
    try:
        cid = CID.decode(value)
    except Exception as exc:  # multiformats raises ValueError, KeyError, IndexError... on junk
        reason = str(exc).strip("'\"").split(" encountered for alphabet")[0].rstrip(".")
        reason = reason or type(exc).__name__
        raise _invalid(value, reason) from None
    return _check(cid, value)


def to_v0(cid: CidLike) -> str:
    """The CIDv0 text (``Qm…``) of a dag-pb CID; raw-codec CIDs have no CIDv0 form."""
    parsed = parse_cid(cid)
    if parsed.codec.code != DAG_PB:
        raise InvalidCidError(
            f"{parsed} has codec {parsed.codec.name}; only dag-pb CIDs have a CIDv0 (Qm…) form"
        )
    return str(parsed.set(version=0, base="base58btc")) if parsed.version else str(parsed)


def to_v1(cid: CidLike) -> str:
    """The CIDv1 base32 text (``bafy…`` for dag-pb, ``bafk…`` for raw) of a CID."""
    parsed = parse_cid(cid)
    return str(parsed.set(version=1, base="base32"))


def display(cid: CidLike) -> str:
    """The text kubo prints for a CID: CIDv0 for dag-pb, CIDv1 base32 otherwise."""
    parsed = parse_cid(cid)
    return to_v0(parsed) if parsed.codec.code == DAG_PB else to_v1(parsed)


def make_cid(digest: bytes, codec: int = DAG_PB) -> CID:
    """The CID of a sha2-256 ``digest``: CIDv0 for dag-pb (kubo's default), CIDv1 for raw."""
    if len(digest) != DIGEST_SIZE:
        raise StoreError(f"a sha2-256 digest has 32 bytes, not {len(digest)}")
    if codec == DAG_PB:
        return CID("base58btc", 0, "dag-pb", _V0_PREFIX + digest)
    if codec == RAW:
        return CID("base32", 1, "raw", _V0_PREFIX + digest)
    raise StoreError(f"unsupported codec 0x{codec:x}; only dag-pb (0x70) and raw (0x55)")


def block_cid(block: bytes | bytearray | memoryview, codec: int = DAG_PB) -> CID:
    """Hash a block with sha2-256 and return its CID (see :func:`make_cid`)."""
    return make_cid(hashlib.sha256(block).digest(), codec)


def digest_of(cid: CidLike) -> bytes:
    """The 32-byte sha2-256 digest a CID names (what the blockstore is keyed by)."""
    return bytes(parse_cid(cid).raw_digest)


def codec_of(cid: CidLike) -> int:
    """The multicodec code of a CID (0x70 dag-pb or 0x55 raw)."""
    return int(parse_cid(cid).codec.code)


def binary_cid(codec: int, digest: bytes) -> bytes:
    """The binary form of a CID: the bare multihash for dag-pb (CIDv0), CIDv1 bytes for raw."""
    if codec == DAG_PB:
        return _V0_PREFIX + digest
    return b"\x01" + bytes([codec]) + _V0_PREFIX + digest


def split_binary_cid(data: bytes | memoryview) -> tuple[int, bytes]:
    """Split a binary CID (v0 or v1) into ``(codec, sha2-256 digest)`` without building objects.

    Raises :class:`InvalidCidError` for anything but a dag-pb/raw, sha2-256 CID.
    """
    raw = bytes(data)
    if len(raw) == 34 and raw[0] == 0x12 and raw[1] == 0x20:
        return DAG_PB, raw[2:]
    try:
        version, pos = decode_varint(raw, 0)
        if version != 1:
            raise _invalid(raw, f"CID version {version} is not supported")
        codec, pos = decode_varint(raw, pos)
        hash_code, pos = decode_varint(raw, pos)
        size, pos = decode_varint(raw, pos)
    except StoreError as exc:
        if isinstance(exc, InvalidCidError):
            raise
        raise _invalid(raw, exc.message) from None
    if codec not in _CODEC_NAMES:
        raise _invalid(raw, f"codec 0x{codec:x} is not supported, only dag-pb and raw")
    if hash_code != SHA2_256 or size != DIGEST_SIZE or len(raw) - pos != DIGEST_SIZE:
        raise _invalid(raw, "only sha2-256 multihashes with a 32-byte digest are supported")
    return codec, raw[pos:]


def display_binary(data: bytes) -> str:
    """The kubo text form (see :func:`display`) of a binary CID."""
    codec, digest = split_binary_cid(data)
    return display(make_cid(digest, codec))


def codec_name(codec: int) -> str:
    """``"dag-pb"`` or ``"raw"`` for a supported codec code."""
    return _CODEC_NAMES.get(codec, f"0x{codec:x}")
