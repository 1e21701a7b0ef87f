"""Registering on a full subnet: which UID a newcomer replaces, proved from a finalized result.

A full subnet takes a new neuron only in place of a pruned one (``register_replacing``): the
caller names a finalized, non-voided epoch result and hands the registry leaves ``(rank, uid)``
of that result's ``prune_root`` (non-immune UIDs by ascending emission share, then UID) with
their Merkle proofs, from the subnet's pruning cursor on. The registry skips (and consumes) a
candidate that is still immune or re-registered since the result's epoch and replaces the first
other one.

:func:`replacement_plan` builds that call's arguments: it picks the latest finalized result
the cursor accepts, reads the fields of its aux hash from the attestations that named it,
recomputes the epoch with :func:`~noosphere.audit.epoch.compute_epoch` from chain data and the
previous finalized result's bonds file (found as validators find it,
:func:`~noosphere.audit.epoch.previous_bonds`), checks that the recomputed prune root is the
attested one, and returns the next candidates with their proofs. :func:`register_neuron`
registers a hotkey whether the subnet is full or not, retrying when another registration
lands first.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

from eth_abi import encode
from eth_account.signers.local import LocalAccount
from eth_hash.auto import keccak

from noosphere.audit.epoch import (
    BONDS_LOOKBACK,
    EMPTY_ROOT,
    attested_aux,
    compute_epoch,
    previous_bonds,
)
from noosphere.chain.subnets import Subnets
from noosphere.errors import ConsensusError, InputError, NoosphereError, TransactionRevertedError

MAX_CANDIDATES = 8  # subnets.vy `_MAX_CANDIDATES`: prune leaves per `register_replacing`
REGISTER_ATTEMPTS = 5
# Reverts that mean another transaction changed the registry between our reads and our call.
_RACES = (
    "max_burn",
    "subnet is full",
    "prune rank out of order",
    "stale prune result",
    "no prunable uid",
    "result not final",
)


class PruningError(NoosphereError):
    """No UID of a full subnet can be replaced now (or not proved from public data)."""


@dataclass(frozen=True)
class PruneCandidate:
    """One leaf ``(rank, uid)`` of a result's prune root, its proof and the UID's state now."""

    rank: int
    uid: int
    proof: tuple[bytes, ...]
    hotkey: str
    registered_at: int
    prunable: bool  # the registry would replace it now (not immune, not re-registered)


@dataclass(frozen=True)
class ReplacementPlan:
    """The arguments of ``register_replacing`` and what they should do."""

    netuid: int
    result_epoch: int
    aux: tuple[bytes, bytes, bytes, bytes]  # emission_root, prune_root, permits_hash, bonds_digest
    candidates: tuple[PruneCandidate, ...]
    prune_order: tuple[int, ...]  # every UID of the result, in rank order

    @property
    def expected(self) -> PruneCandidate:
        """The candidate the registry should replace: the first prunable one."""
        return next(c for c in self.candidates if c.prunable)


@dataclass(frozen=True)
class Registration:
    """A hotkey's new UID; on a full subnet, the hotkey it replaced and the result used."""

    uid: int
    price: int
    replaced_hotkey: str | None = None
    result_epoch: int | None = None


def _latest_usable_result(subnets: Subnets, netuid: int,
                          cursor: tuple[int, int] | None) -> tuple[int, bytes]:  # fmt: skip
    """``(epoch, aux_hash)`` of the latest final, non-voided result the cursor accepts."""
    finalized = subnets.finalized_epochs(netuid)
    final_aux = subnets.epochs.functions.final_aux
    for epoch in reversed(finalized):
        if cursor is not None and epoch < cursor[0]:
            break
        final, aux_hash = subnets.chain.call(final_aux(netuid, epoch))
        if final:
            return epoch, bytes(aux_hash)
    if not finalized:
        hp = subnets.hyperparams(netuid)
        lag = int(hp["reveal_period"]) + 1
        raise PruningError(
            f"subnet {netuid} is full and no epoch has been finalized yet; wait for its "
            f"validators to finalize one (an epoch's result is attested {lag} epochs after it, "
            f"about {lag * int(hp['tempo'])} blocks later), then register again",
            hint=f"`noos subnet epoch {netuid}` shows where the current epoch stands",
        )
    used = f"epoch {cursor[0]}" if cursor is not None else "an epoch"
    raise PruningError(
        f"subnet {netuid} is full and its pruning cursor is at the result of {used}, which is "
        "no longer final; wait for a newer epoch to be finalized"
    )


def replacement_plan(
    subnets: Subnets,
    netuid: int,
    bonds_source: Callable[[bytes], bytes | None] | None,
    *,
    lookback: int = BONDS_LOOKBACK,
) -> ReplacementPlan:
    """Who a new neuron of the full subnet ``netuid`` replaces, and the proofs the registry wants.

    ``bonds_source`` returns a bonds file by its digest (``runner.bonds_reader(store)``); the
    previous finalized result's bonds are needed to recompute the result used.
    """
    if not subnets.is_full(netuid):
        raise InputError(f"subnet {netuid} is not full", hint="register without replacing")
    cursor = subnets.prune_cursor(netuid)
    epoch, aux_hash = _latest_usable_result(subnets, netuid, cursor)

    attestation = attested_aux(subnets, netuid, epoch, aux_hash)
    if attestation is None:
        raise ConsensusError(f"no attestation of epoch {epoch} of subnet {netuid} names its "
                             f"finalized aux hash 0x{aux_hash.hex()}")  # fmt: skip
    aux = (attestation.emission_root, attestation.prune_root, attestation.permits_hash,
           attestation.bonds_digest)  # fmt: skip
    if keccak(encode(["bytes32"] * 4, list(aux))) != aux_hash:
        raise ConsensusError(f"the attested aux fields of epoch {epoch} do not hash to its "
                             "finalized aux hash")  # fmt: skip
    if attestation.prune_root == EMPTY_ROOT:
        raise PruningError(
            f"no UID of subnet {netuid} can be replaced: every UID was immune when the result "
            f"of epoch {epoch} was computed",
            hint="wait for a newer epoch to be finalized",
        )

    previous = previous_bonds(subnets, netuid, epoch, sources=(bonds_source,), lookback=lookback)
    if previous.status == "missing":
        from noosphere.storage import make_cid, to_v0

        assert previous.digest is not None
        cid = to_v0(make_cid(previous.digest))
        raise PruningError(
            f"subnet {netuid} is full, and checking which UID to replace (the prune order of "
            f"epoch {epoch}) needs the bonds file of the finalized epoch {previous.epoch} "
            f"({cid}), which is not available",
            hint="set NOOS_GATEWAYS (comma-separated URLs) or `gateways` in config.toml to a "
            "gateway that has it, such as a validator's `noos store serve`",
        )
    if previous.status == "pending":
        raise PruningError(
            f"cannot check the prune order of epoch {epoch} yet: epoch {previous.epoch} may "
            f"still be finalized (until block {previous.until}) and its bonds would count",
            hint="register again after that block",
        )
    if previous.status == "unattested":
        raise ConsensusError(f"no attestation names the bonds of the finalized epoch "
                             f"{previous.epoch} of subnet {netuid}")  # fmt: skip

    outcome = compute_epoch(subnets, netuid, epoch, previous_bonds=previous.data)
    if outcome.prune_root != attestation.prune_root:
        raise ConsensusError(
            f"the recomputation of epoch {epoch} of subnet {netuid} disagrees with the chain: "
            f"prune root 0x{outcome.prune_root.hex()} instead of the finalized "
            f"0x{attestation.prune_root.hex()}",
            hint="the chain data or previous bonds read here differ from the validators'",
        )

    next_rank = cursor[1] if cursor is not None and cursor[0] == epoch else 0
    order = outcome.prune_order
    if next_rank >= len(order):
        raise PruningError(
            f"no UID of subnet {netuid} can be replaced now: the {len(order)} prune candidates "
            f"of the result of epoch {epoch} were all used",
            hint="wait for a newer epoch to be finalized",
        )
    ranks = range(next_rank, min(len(order), next_rank + MAX_CANDIDATES))
    reg = subnets.registry.functions
    block = subnets.chain.block_number
    state = subnets.chain.call_many(
        [fn for rank in ranks for fn in (reg.hotkey_of(netuid, order[rank]),
                                         reg.block_at_registration(netuid, order[rank]))],
        block=block,
    )  # fmt: skip
    start = subnets.epoch_start(netuid, epoch)
    immunity = int(subnets.hyperparams(netuid, block)["immunity_period"])
    candidates = []
    for i, rank in enumerate(ranks):
        uid, proof = outcome.prune_proof(rank)
        registered_at = int(state[2 * i + 1])
        # As the registry checks it in the next block: registered before the result's epoch
        # block, and no longer immune.
        prunable = registered_at < start and block + 1 - registered_at >= immunity
        candidates.append(PruneCandidate(rank, uid, tuple(proof), str(state[2 * i]),
                                         registered_at, prunable))  # fmt: skip
    if not any(c.prunable for c in candidates):
        immune = [c for c in candidates if c.registered_at < start]
        when = (f"; the first becomes prunable at block "
                f"{min(c.registered_at for c in immune) + immunity}" if immune else "")  # fmt: skip
        raise PruningError(
            f"no UID of subnet {netuid} can be replaced now: all candidates are immune — the "
            f"next {len(candidates)} of the prune order of epoch {epoch} (UIDs "
            f"{', '.join(str(c.uid) for c in candidates)}) are within their immunity period "
            f"({immunity} blocks) or registered after that epoch{when}",
            hint="wait, or for a newer epoch to be finalized",
        )
    return ReplacementPlan(netuid=netuid, result_epoch=epoch, aux=aux,
                           candidates=tuple(candidates), prune_order=tuple(order))  # fmt: skip


def register_neuron(
    subnets: Subnets,
    coldkey: LocalAccount,
    netuid: int,
    hotkey: str,
    axon: str,
    *,
    max_burn: int | None = None,
    bonds_source: Callable[[bytes], bytes | None] | None = None,
    plan: ReplacementPlan | None = None,
    attempts: int = REGISTER_ATTEMPTS,
) -> Registration:
    """Register ``hotkey`` at the current burn price, replacing a pruned UID when full.

    A registration that fails because another one landed first (price raised, UID or prune
    rank taken, a newer result) is retried with fresh reads, up to ``attempts`` times.
    ``max_burn`` caps the price (None: any price); ``plan``, if given, is tried first (a
    plan checked before asking for the coldkey's password).
    """
    from noosphere.chain.token import format_amount

    for attempt in range(attempts):
        price = subnets.burn_price(netuid)
        if max_burn is not None and price > max_burn:
            raise InputError(f"the burn price is {format_amount(price)} NOOS, above --max-burn "
                             f"{format_amount(max_burn)}",
                             hint="wait for it to decay or raise --max-burn")  # fmt: skip
        try:
            with warnings.catch_warnings():  # web3 warns about the token's events in the receipt
                warnings.simplefilter("ignore", UserWarning)
                if subnets.is_full(netuid):
                    if plan is None:
                        plan = replacement_plan(subnets, netuid, bonds_source)
                    done = subnets.register_replacing(coldkey, netuid, hotkey, axon, price, plan)
                    return Registration(done.uid, price, done.replaced_hotkey, plan.result_epoch)
                return Registration(subnets.register(coldkey, netuid, hotkey, axon, price), price)
        except TransactionRevertedError as error:
            # Mined after passing estimation, or refused because the registry moved on:
            # read the price, the size and the cursor again.
            raced = error.tx_hash is not None or any(r in error.reason for r in _RACES)
            if not raced or attempt == attempts - 1:
                raise
            plan = None
    raise AssertionError("unreachable")
