"""Compute an epoch's result from chain data alone (DESIGN §5 steps 3 and 4).

Every validator runs this to know what to attest, and every auditor to check what was
attested. Inputs are read at fixed blocks so that anyone computing later gets the same
answer: chain state (neurons, hyperparameters, permits) at the block that closes the reveal
window, stake and take at the epoch block, the weights revealed for the epoch (events), and
the bonds of the previous finalized epoch (by CID). Stake enters Yuma in gwei of NOOS so its
total stays within subtensor's I64F64 range.

:func:`previous_bonds` finds that bonds file the way every validator does (the latest
finalized result within a look-back, its bonds digest named by an attestation of its aux
hash), so that validators, auditors and registrants replaying a result start from the same
matrix.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from eth_abi import encode
from eth_hash.auto import keccak

from noosphere.chain.subnets import Attestation, Subnets, unpack_weights
from noosphere.consensus import EpochInputs, Hyperparameters, StandardMerkleTree, run_epoch
from noosphere.consensus.payouts import UidAccounts, payouts, split_owner
from noosphere.errors import ConsensusError

STAKE_UNIT = 10**9  # stake enters Yuma in gwei of NOOS
EMPTY_ROOT = b"\x00" * 32
PAYOUT_TYPES = ("uint16", "uint64", "address", "uint256")
PRUNE_TYPES = ("uint16", "uint16")  # (rank, uid) leaves of the prune root
BONDS_LOOKBACK = 16  # epochs searched back for the previous finalized result's bonds


@dataclass
class EpochOutcome:
    """Everything an epoch's attestation commits to, and how it was derived."""

    netuid: int
    epoch: int
    epoch_emission: int
    payouts: dict[str, int]
    payouts_tree: StandardMerkleTree | None
    emission_root: bytes
    prune_root: bytes
    permits_hash: bytes
    bonds_digest: bytes
    bonds_file: bytes
    permits: list[int]
    details: dict[str, Any] = field(default_factory=dict)
    prune_order: list[int] = field(default_factory=list)
    """Non-immune UIDs by ascending emission share, then UID: ``prune_order[rank]``."""
    prune_tree: StandardMerkleTree | None = None

    @property
    def payouts_root(self) -> bytes:
        """Root of the payouts tree (zero when nobody is paid)."""
        return bytes(self.payouts_tree.root) if self.payouts_tree else EMPTY_ROOT

    @property
    def aux_hash(self) -> bytes:
        """``keccak256(abi.encode(emission_root, prune_root, permits_hash, bonds_digest))``."""
        return keccak(encode(["bytes32"] * 4, [self.emission_root, self.prune_root,
                                               self.permits_hash, self.bonds_digest]))  # fmt: skip

    def proof(self, account: str) -> tuple[int, list[bytes]]:
        """``(amount, proof)`` of ``account``'s payout leaf."""
        if self.payouts_tree is None:
            raise ConsensusError(f"epoch {self.epoch} pays nobody")
        key = account.lower()
        for index, value in enumerate(self.payouts_tree.values):
            if str(value[2]).lower() == key:
                return int(value[3]), [bytes(p) for p in self.payouts_tree.proof(index)]
        raise ConsensusError(f"{account} has no payout in epoch {self.epoch}")

    def prune_proof(self, rank: int) -> tuple[int, list[bytes]]:
        """``(uid, proof)`` of the ``(rank, uid)`` leaf of the prune root."""
        if self.prune_tree is None or not 0 <= rank < len(self.prune_order):
            raise ConsensusError(f"epoch {self.epoch} has no prune candidate of rank {rank} "
                                 f"({len(self.prune_order)} candidates)")  # fmt: skip
        # The tree's values are (rank, uid) in rank order: leaf index = rank.
        return self.prune_order[rank], [bytes(p) for p in self.prune_tree.proof(rank)]


def save_bonds(rows: np.ndarray, bonds: np.ndarray) -> bytes:
    """Serialise a bonds matrix (rows + u16 matrix) as a pickle-free ``.npz``."""
    buffer = io.BytesIO()
    np.savez(buffer, rows=np.asarray(rows, dtype=np.int64),
             bonds=np.asarray(bonds, dtype=np.uint16))  # fmt: skip
    return buffer.getvalue()


def load_bonds(data: bytes, n: int) -> np.ndarray:
    """Load a bonds file into a dense ``n`` by ``n`` u16 matrix (new UIDs get zero bonds)."""
    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        rows, bonds = archive["rows"], archive["bonds"]
    dense = np.zeros((n, n), dtype=np.uint16)
    cols = min(n, bonds.shape[1]) if bonds.ndim == 2 else 0
    for row, values in zip(rows, bonds, strict=True):
        if 0 <= row < n:
            dense[row, :cols] = values[:cols]
    return dense


def _hyperparameters(hp: dict[str, Any]) -> Hyperparameters:
    names = set(Hyperparameters.names())
    values: dict[str, Any] = {
        k: (v if isinstance(v, bool) else int(v)) for k, v in hp.items() if k in names
    }
    return Hyperparameters(**values)


def epoch_window(subnets: Subnets, netuid: int, epoch: int) -> tuple[int, int]:
    """``(start, close)``: the epoch block of ``epoch`` and the first block after its reveals.

    Stake is read at ``start``, the rest of the chain state at ``close - 1``; the result can
    be computed (and attested) from ``close`` on.
    """
    reveal_period = subnets.reveal_period(netuid)
    return (subnets.epoch_start(netuid, epoch),
            subnets.epoch_start(netuid, epoch + reveal_period + 1))  # fmt: skip


def compute_epoch(
    subnets: Subnets,
    netuid: int,
    epoch: int,
    *,
    previous_bonds: bytes | None = None,
    bonds_digest_of: Callable[[bytes], bytes] | None = None,
) -> EpochOutcome:
    """The result of ``epoch`` of ``netuid``, from chain data and the previous bonds file."""
    start, close = epoch_window(subnets, netuid, epoch)
    if subnets.chain.block_number < close:
        raise ConsensusError(
            f"epoch {epoch} of subnet {netuid} can be computed from block {close}; "
            f"the chain is at {subnets.chain.block_number}"
        )
    state_block = close - 1
    hp = subnets.hyperparams(netuid, state_block)
    neurons = subnets.neurons(netuid, state_block)
    n = len(neurons)
    if n == 0:
        raise ConsensusError(f"subnet {netuid} has no neurons")
    uid_of = {nrn.hotkey.lower(): nrn.uid for nrn in neurons}

    stake_wei = [subnets.stake_at(netuid, nrn.hotkey, start) for nrn in neurons]
    stake = np.array([s // STAKE_UNIT for s in stake_wei], dtype=np.uint64)
    permit = np.array(
        [bool(subnets.chain.call(subnets.registry.functions.holds_permit(
            netuid, epoch, nrn.hotkey), block=state_block)) for nrn in neurons],
        dtype=np.bool_,
    )  # fmt: skip

    weights = np.zeros((n, n), dtype=np.uint16)
    revealed: list[int] = []
    last_update = np.zeros(n, dtype=np.uint64)
    reveal_filter = {"netuid": netuid}
    reveals = subnets.weights.events.WeightsRevealed().get_logs(
        from_block=max(0, start - 1), to_block=state_block, argument_filters=reveal_filter
    )
    for log in sorted(reveals, key=lambda lg: (lg["blockNumber"], lg["logIndex"])):
        args = log["args"]
        uid = uid_of.get(str(args["hotkey"]).lower())
        if uid is None:
            continue  # the hotkey left the subnet since
        last_update[uid] = max(int(last_update[uid]), int(log["blockNumber"]))
        if int(args["commit_epoch"]) != epoch:
            continue
        row = np.zeros(n, dtype=np.uint16)
        for target, value in unpack_weights(bytes(args["packed"])):
            if target < n:
                row[target] = value
        weights[uid] = row
        revealed.append(uid)

    bonds = load_bonds(previous_bonds, n) if previous_bonds else np.zeros((n, n), np.uint16)
    epoch_emission = subnets.epoch_emission(netuid, epoch)
    owner_amount, yuma_emission = split_owner(epoch_emission)
    inputs = EpochInputs(
        stake=stake,
        weights=weights,
        bonds=bonds,
        last_update=last_update,
        block_at_registration=np.array([nrn.registered_at for nrn in neurons], np.uint64),
        validator_permit=permit,
        current_block=close,
        tempo=int(hp["tempo"]),
        emission=yuma_emission,
        hyperparameters=_hyperparameters(hp),
    )
    result = run_epoch(inputs)

    accounts = []
    for nrn in neurons:
        dividends = result.validator_emission[nrn.uid]
        stakers = _stakers_at(subnets, netuid, nrn.hotkey, start) if dividends else {}
        take = int(subnets.chain.call(subnets.staking.functions.take_at(nrn.hotkey, start)))
        accounts.append(UidAccounts(coldkey=nrn.coldkey, take_bps=take, stakers=stakers))
    owner = subnets.chain.call(subnets.registry.functions.owner_of(netuid), block=state_block)
    amounts = payouts(owner, owner_amount, result.miner_emission, result.validator_emission,
                      accounts)  # fmt: skip

    values = [(netuid, epoch, account, amount) for account, amount in sorted(amounts.items())]
    tree = StandardMerkleTree(values, PAYOUT_TYPES) if values else None
    total = sum(result.miner_emission) + sum(result.validator_emission)
    shares = [
        ((m + v) << 32) // total if total else 0
        for m, v in zip(result.miner_emission, result.validator_emission, strict=True)
    ]
    emission_tree = StandardMerkleTree([(u, s) for u, s in enumerate(shares)],
                                       ("uint16", "uint64"))  # fmt: skip
    immune_until = int(hp["immunity_period"])
    candidates = sorted(
        (nrn.uid for nrn in neurons if nrn.registered_at + immune_until < close),
        key=lambda uid: (shares[uid], uid),
    )
    prune_tree = (StandardMerkleTree([(r, u) for r, u in enumerate(candidates)], PRUNE_TYPES)
                  if candidates else None)  # fmt: skip
    prune_root = bytes(prune_tree.root) if prune_tree else EMPTY_ROOT
    new_permits = [int(u) for u in np.flatnonzero(result.validator_permit)]
    permits_hash = keccak(b"".join(u.to_bytes(2, "big") for u in new_permits))
    bonds_file = save_bonds(result.rows, result.bonds)
    digest_of = bonds_digest_of or _default_bonds_digest
    return EpochOutcome(
        netuid=netuid, epoch=epoch, epoch_emission=epoch_emission, payouts=amounts,
        payouts_tree=tree, emission_root=bytes(emission_tree.root), prune_root=prune_root,
        permits_hash=permits_hash, bonds_digest=digest_of(bonds_file), bonds_file=bonds_file,
        permits=new_permits,
        details={"incentive": result.as_float("incentive").tolist(),
                 "dividends": result.as_float("dividends").tolist(),
                 "consensus": result.as_float("consensus").tolist(),
                 "miner_emission": list(result.miner_emission),
                 "validator_emission": list(result.validator_emission),
                 "stake": stake_wei,
                 "permit": permit.tolist(), "revealed": sorted(set(revealed)),
                 "blocks": {"start": start, "state": state_block, "close": close}},
        prune_order=[int(u) for u in candidates], prune_tree=prune_tree,
    )  # fmt: skip


def _default_bonds_digest(data: bytes) -> bytes:
    """sha2-256 digest of the CIDv0 that the content store gives ``data``."""
    from noosphere.storage import digest_of, import_bytes

    return bytes(digest_of(import_bytes(data).cid))


def _stakers_at(subnets: Subnets, netuid: int, hotkey: str, block: int) -> dict[str, int]:
    """Each staker's stake in ``hotkey`` at the end of ``block``, from Staked/Unstaked events."""
    latest: dict[str, tuple[tuple[int, int], int]] = {}
    filters = {"netuid": netuid, "hotkey": hotkey}
    for event in (subnets.staking.events.Staked(), subnets.staking.events.Unstaked()):
        for log in event.get_logs(from_block=0, to_block=block, argument_filters=filters):
            key = (int(log["blockNumber"]), int(log["logIndex"]))
            staker = str(log["args"]["staker"]).lower()
            if staker not in latest or latest[staker][0] < key:
                latest[staker] = (key, int(log["args"]["stake"]))
    return {staker: stake for staker, (_, stake) in latest.items() if stake > 0}


# --- the previous finalized result's bonds -------------------------------------------------
BondsStatus = Literal["none", "found", "pending", "unattested", "missing"]


@dataclass(frozen=True)
class PreviousBonds:
    """Where the bonds an epoch's result starts from stand.

    ``status`` is ``"none"`` when no result within the look-back was finalized (zero bonds),
    ``"found"`` with ``data`` the bonds file of the result of ``epoch``, ``"pending"`` when
    ``epoch`` is an earlier epoch that may still be finalized (until block ``until``: its
    bonds would count), ``"unattested"`` when no attestation names the bonds of the finalized
    result of ``epoch``, and ``"missing"`` when no source has the file of ``digest``.
    """

    status: BondsStatus
    epoch: int | None = None
    digest: bytes | None = None
    data: bytes | None = None
    until: int | None = None


def attested_aux(subnets: Subnets, netuid: int, epoch: int,
                 aux_hash: bytes) -> Attestation | None:  # fmt: skip
    """The first ``Attested`` event of ``epoch`` whose aux hash is ``aux_hash`` (None if none).

    Its ``emission_root``, ``prune_root``, ``permits_hash`` and ``bonds_digest`` are the fields
    hashed into ``aux_hash`` (the contract hashes them itself).
    """
    for attestation in subnets.attestations(netuid, epoch):
        if attestation.aux_hash == bytes(aux_hash):
            return attestation
    return None


def previous_bonds(
    subnets: Subnets,
    netuid: int,
    epoch: int,
    *,
    sources: Iterable[Callable[[bytes], bytes | None] | None] = (),
    lookback: int = BONDS_LOOKBACK,
    reveal_period: int | None = None,
) -> PreviousBonds:
    """The bonds file of the latest finalized, non-voided result before ``epoch``.

    Searches ``lookback`` epochs back. An earlier epoch that is not final stops the search
    while it may still be finalized (permits published and its attest window open), since
    its bonds would then count. The file is fetched by its digest from ``sources`` in order
    (a node's own results, the content store, ...).
    """
    chain = subnets.chain
    epochs = subnets.epochs.functions
    if reveal_period is None:
        reveal_period = subnets.reveal_period(netuid)
    window = int(chain.call(epochs.attest_window()))
    for y in range(epoch - 1, max(-1, epoch - 1 - lookback), -1):
        final, voided, _, _ = chain.call(epochs.status(netuid, y))
        if voided:
            continue
        if not final:
            found, _ = chain.call(subnets.registry.functions.permits_epoch(netuid, y))
            if not found:
                continue  # nobody could attest y: it can never be final
            until = subnets.epoch_start(netuid, y + reveal_period + 1) + window
            if chain.block_number < until:
                return PreviousBonds("pending", epoch=y, until=until)
            continue
        _, aux = chain.call(epochs.final_aux(netuid, y))
        attestation = attested_aux(subnets, netuid, y, bytes(aux))
        if attestation is None:
            return PreviousBonds("unattested", epoch=y)
        digest = bytes(attestation.bonds_digest)
        for source in sources:
            data = source(digest) if source is not None else None
            if data is not None:
                return PreviousBonds("found", epoch=y, digest=digest, data=data)
        return PreviousBonds("missing", epoch=y, digest=digest)
    return PreviousBonds("none")
