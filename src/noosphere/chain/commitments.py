"""Typed client of the model commitments of ``submission``-mode subnets (``commitments.vy``).

A miner commits the CID of its ONNX model; validators read the commitments of many UIDs in one
call, fetch each model by CID and credit only the first committer of identical artifacts. The
chain stores a CID as ``(version << 8 | codec, sha2-256 digest)`` and this module turns it back
into text: a CIDv0 (``Qm…``) or a CIDv1 in base32 (``bafy…`` dag-pb, ``bafk…`` raw), the forms
kubo and :mod:`noosphere.storage` print. See docs/commitments.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from eth_account.signers.local import LocalAccount
from multiformats import CID

from noosphere.chain.client import Chain, Receipt
from noosphere.chain.manifest import Manifest
from noosphere.chain.token import checked_address
from noosphere.errors import InputError, ModelCommitmentError, NoosphereError
from noosphere.storage.cid import DAG_PB, RAW, parse_cid

U16_MAX = 65_535
BATCH = 256  # the most UIDs one call of the ``commitments`` view reads
ZERO_ADDRESS = "0x" + "00" * 20
_SHA2_256 = b"\x12\x20"  # multihash prefix: sha2-256, 32 bytes
_VERSION_CODECS = {0x0070: (0, DAG_PB), 0x0155: (1, RAW), 0x0170: (1, DAG_PB)}


@dataclass(frozen=True)
class ModelCommitment:
    """The model a UID's current hotkey committed on a subnet."""

    uid: int
    hotkey: str
    cid: str  # CIDv0 ``Qm…`` or CIDv1 base32 ``baf…``, as committed
    block: int
    digest: bytes  # the sha2-256 digest the CID names
    first: bool  # this UID and hotkey were the first on the subnet to commit this digest


@dataclass(frozen=True)
class FirstCommitter:
    """Who committed a model digest first on a subnet (kept after the UID changes hands)."""

    uid: int
    hotkey: str
    block: int


def encode_cid(cid: str) -> bytes:
    """The binary CID the contract takes: 34 bytes (CIDv0) or 36 (CIDv1 raw or dag-pb).

    Raises :class:`~noosphere.errors.InvalidCidError` for a malformed CID, a codec other than
    raw or dag-pb, or a hash other than sha2-256.
    """
    parsed = parse_cid(cid)
    multihash = _SHA2_256 + bytes(parsed.raw_digest)
    if parsed.version == 0:
        return multihash
    return bytes([0x01, int(parsed.codec.code)]) + multihash


def canonical_cid(cid: str) -> str:
    """The text a commitment of ``cid`` reads back as: CIDv0 stays, CIDv1 becomes base32."""
    return decode_cid(*_split(encode_cid(cid)))


def decode_cid(version_codec: int, digest: bytes) -> str:
    """The CID text of a stored ``(version << 8 | codec, digest)``."""
    if version_codec not in _VERSION_CODECS or len(digest) != 32:
        raise ModelCommitmentError(
            f"the chain holds an unknown CID form (version/codec 0x{version_codec:04x})"
        )
    version, codec = _VERSION_CODECS[version_codec]
    name = "dag-pb" if codec == DAG_PB else "raw"
    base = "base58btc" if version == 0 else "base32"
    return str(CID(base, version, name, _SHA2_256 + digest))


def _split(binary: bytes) -> tuple[int, bytes]:
    if len(binary) == 34:
        return 0x0070, binary[2:]
    return 0x0100 | binary[1], binary[4:]


def _check_u16(value: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= U16_MAX:
        raise InputError(f"{what} {value!r} is outside 0 … {U16_MAX}")
    return value


class ModelCommitments:
    """The model commitments contract of one deployment."""

    def __init__(self, chain: Chain, manifest: Manifest) -> None:
        self.chain = chain
        self.contract = chain.contract("commitments", manifest.address("commitments"))
        self.registry = chain.contract("subnets", manifest.address("subnets"))
        self.address = self.contract.address

    def _view(self, fn: Any, block: int | str = "latest") -> Any:
        return self.chain.call(fn, block=block)

    def _current_epoch(self, netuid: int) -> int:
        """The epoch a transaction sent now lands in (the next block's)."""
        fn = self.registry.functions.current_epoch(netuid)
        try:
            return int(self._view(fn, "pending"))
        except NoosphereError:  # a node that cannot call at `pending`
            return int(self._view(fn))

    # --- committing ----------------------------------------------------------------------------
    def commit_model(self, hotkey: LocalAccount, netuid: int, cid: str) -> Receipt:
        """Commit ``cid`` as the model of ``hotkey``'s UID on ``netuid`` (signed by the hotkey).

        Checks the CID (sha2-256, raw or dag-pb) and :meth:`check_can_commit` first, so a
        refusal is a clear error and sends nothing.
        """
        binary = encode_cid(cid)
        self.check_can_commit(netuid, hotkey.address)
        return self.chain.transact(hotkey, self.contract.functions.commit_model(netuid, binary))

    def check_can_commit(self, netuid: int, hotkey: str) -> int:
        """The UID of ``hotkey`` if it may commit now; else :class:`ModelCommitmentError`
        saying why (not registered on the subnet, or it committed too recently)."""
        _check_u16(netuid, "netuid")
        address = checked_address(hotkey, "hotkey")
        registry = self.registry.functions
        if not self._view(registry.is_registered(netuid, address)):
            raise ModelCommitmentError(
                f"hotkey {address} is not registered on subnet {netuid}",
                hint="register it first (noos subnet register)",
            )
        uid = int(self._view(registry.uid_of(netuid, address)))
        allowed = self.next_commit_epoch(netuid, address)
        epoch = self._current_epoch(netuid)
        if epoch < allowed:
            interval = self.commit_interval()
            start = int(self._view(registry.epoch_start(netuid, allowed)))
            raise ModelCommitmentError(
                f"UID {uid} of subnet {netuid} committed a model in epoch {allowed - interval}; "
                f"its next commitment is allowed from epoch {allowed} (block {start}; now epoch "
                f"{epoch})",
                hint=f"one commitment per UID every {interval} epoch(s)",
            )
        return uid

    def set_commit_interval(self, admin: LocalAccount, epochs: int) -> Receipt:
        """Set how many epochs a UID waits between two commitments (admin, later the DAO)."""
        return self.chain.transact(admin, self.contract.functions.set_commit_interval(epochs))

    # --- views ---------------------------------------------------------------------------------
    def commit_interval(self) -> int:
        """Epochs a UID waits between two commitments."""
        return int(self._view(self.contract.functions.commit_interval()))

    def next_commit_epoch(self, netuid: int, hotkey: str) -> int:
        """The first epoch in which registered ``hotkey`` may commit (0: it never did)."""
        fn = self.contract.functions.next_commit_epoch(netuid, checked_address(hotkey, "hotkey"))
        return int(self._view(fn))

    def commitment(
        self, netuid: int, uid: int, block: int | str = "latest"
    ) -> ModelCommitment | None:
        """The model committed by ``uid``'s current hotkey, or None."""
        found = self.commitments(netuid, [uid], block)
        return found[0] if found else None

    def commitments(
        self, netuid: int, uids: Iterable[int] | None = None, block: int | str = "latest"
    ) -> list[ModelCommitment]:
        """The commitments of ``uids`` (default: every UID), in their order; UIDs without one
        are left out. Reads 256 UIDs per call."""
        _check_u16(netuid, "netuid")
        if uids is None:
            uids = range(int(self._view(self.registry.functions.n(netuid), block)))
        wanted = [_check_u16(uid, "UID") for uid in uids]
        found = []
        for i in range(0, len(wanted), BATCH):
            chunk = wanted[i : i + BATCH]
            rows = self._view(self.contract.functions.commitments(netuid, chunk), block)
            for uid, row in zip(chunk, rows, strict=True):
                commitment = self._decode(uid, row)
                if commitment is not None:
                    found.append(commitment)
        return found

    def first_committer(self, netuid: int, cid: str | bytes) -> FirstCommitter | None:
        """Who first committed the model named by ``cid`` (a CID, or its 32-byte digest)."""
        _check_u16(netuid, "netuid")
        if isinstance(cid, bytes) and len(cid) == 32:
            digest = cid
        elif isinstance(cid, str):
            digest = encode_cid(cid)[-32:]
        else:
            raise InputError("give a CID string or a 32-byte sha2-256 digest")
        uid, hotkey, at = self._view(self.contract.functions.first_committer(netuid, digest))
        if hotkey == ZERO_ADDRESS:
            return None
        return FirstCommitter(int(uid), str(hotkey), int(at))

    @staticmethod
    def _decode(uid: int, row: Sequence[Any]) -> ModelCommitment | None:
        digest, version_codec, at, hotkey, first = row
        if hotkey == ZERO_ADDRESS:
            return None
        return ModelCommitment(
            uid=uid, hotkey=str(hotkey), cid=decode_cid(int(version_codec), bytes(digest)),
            block=int(at), digest=bytes(digest), first=bool(first),
        )  # fmt: skip
