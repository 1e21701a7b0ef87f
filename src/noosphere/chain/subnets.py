"""Typed clients of the subnet contracts: registry, staking, weights, settlement, emitter.

Token allowances are raised automatically before a call that pulls NOOS (lock cost, burn,
stake). The weight codec and commit hash follow docs/subnets-protocol.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from eth_abi import encode
from eth_account.signers.local import LocalAccount
from eth_hash.auto import keccak
from web3.logs import DISCARD

from noosphere.chain.client import Chain, Receipt
from noosphere.chain.manifest import Manifest
from noosphere.chain.subnet_guard import SettlementGuard
from noosphere.chain.token import NoosToken, checked_address
from noosphere.errors import (
    InputError,
    NoosphereError,
)

if TYPE_CHECKING:
    from noosphere.audit.pruning import ReplacementPlan

U16_MAX = 65_535
HYPERPARAM_FIELDS = (
    "tempo", "max_allowed_uids", "max_allowed_validators", "immunity_period",
    "activity_cutoff", "kappa", "bonds_penalty", "bonds_moving_average",
    "liquid_alpha_enabled", "alpha_low", "alpha_high", "alpha_sigmoid_steepness",
    "yuma_version", "reveal_period", "min_burn", "max_burn", "registration_allowed",
)  # fmt: skip


def pack_weights(pairs: Sequence[tuple[int, int]]) -> bytes:
    """``(uid, weight)`` pairs as the big-endian u16 pairs a reveal carries (UIDs ascending)."""
    previous = -1
    out = bytearray()
    for uid, weight in pairs:
        if not 0 <= uid <= U16_MAX or not 0 <= weight <= U16_MAX:
            raise InputError(f"weight pair ({uid}, {weight}) is outside the u16 range")
        if uid <= previous:
            raise InputError("weight UIDs must be strictly ascending", hint=f"at UID {uid}")
        previous = uid
        out += uid.to_bytes(2, "big") + weight.to_bytes(2, "big")
    if not out:
        raise InputError("a weight vector needs at least one (uid, weight) pair")
    return bytes(out)


def unpack_weights(packed: bytes) -> list[tuple[int, int]]:
    """Inverse of :func:`pack_weights`."""
    if len(packed) % 4:
        raise InputError(f"packed weights have {len(packed)} bytes, not a multiple of 4")
    return [
        (int.from_bytes(packed[i : i + 2], "big"), int.from_bytes(packed[i + 2 : i + 4], "big"))
        for i in range(0, len(packed), 4)
    ]


def commit_hash(hotkey: str, netuid: int, epoch: int, packed: bytes, salt: bytes) -> bytes:
    """``keccak256(abi.encode(hotkey, netuid, epoch, packed, salt))``."""
    return keccak(
        encode(
            ["address", "uint16", "uint64", "bytes", "bytes32"],
            [checked_address(hotkey), netuid, epoch, packed, salt],
        )
    )


@dataclass(frozen=True)
class Neuron:
    """One UID of a subnet."""

    uid: int
    hotkey: str
    coldkey: str
    axon: str
    registered_at: int


@dataclass(frozen=True)
class SubnetInfo:
    """What the registry records about one subnet."""

    netuid: int
    owner: str
    task_cid: str
    n: int
    max_uids: int
    tempo: int
    current_epoch: int
    burn_price: int
    share_bps: int
    locked: int


@dataclass(frozen=True)
class EpochStatus:
    """The settlement state of one epoch (``epochs.status``)."""

    finalized: bool
    voided: bool
    claimable_from: int
    unclaimed: int


@dataclass(frozen=True)
class Attestation:
    """One ``Attested`` event."""

    hotkey: str
    payouts_root: bytes
    aux_hash: bytes
    bonds_digest: bytes
    stake: int
    tally: int
    block: int
    emission_root: bytes = b"\x00" * 32
    prune_root: bytes = b"\x00" * 32
    permits_hash: bytes = b"\x00" * 32


@dataclass(frozen=True)
class Replacement:
    """A registration on a full subnet: the UID taken over and the hotkey it was taken from."""

    uid: int
    replaced_hotkey: str
    burn: int


@dataclass(frozen=True)
class PendingWithdrawal:
    """Stake unstaked and waiting for its cooldown."""

    amount: int
    release_block: int


class Subnets(SettlementGuard):
    """The subnet contracts of one deployment."""

    def __init__(self, chain: Chain, manifest: Manifest) -> None:
        self.chain = chain
        self.token = NoosToken(chain, manifest.address("noos"))
        self.registry = chain.contract("subnets", manifest.address("subnets"))
        self.staking = chain.contract("staking", manifest.address("staking"))
        self.weights = chain.contract("weights", manifest.address("weights"))
        self.epochs = chain.contract("epochs", manifest.address("epochs"))
        self.emitter = chain.contract("emitter", manifest.address("emitter"))

    # --- helpers -------------------------------------------------------------------------------
    def _approve(self, owner: LocalAccount, spender: str, amount: int) -> None:
        allowance = self.token.contract.functions.allowance(owner.address, spender)
        if self._view(allowance) < amount:
            approve = self.token.contract.functions.approve(spender, 2**256 - 1)
            self.chain.transact(owner, approve)

    # --- subnets -------------------------------------------------------------------------------
    def create_subnet(self, owner: LocalAccount, task_cid: str) -> int:
        """Create a subnet (paying the lock cost); returns its netuid."""
        lock = self._view(self.registry.functions.lock_cost())
        self._approve(owner, self.registry.address, lock)
        fn = self.registry.functions.create_subnet(task_cid)
        netuid = None
        receipt = self.chain.transact(owner, fn)
        for log in self.registry.events.SubnetCreated().process_receipt(
            receipt.raw, errors=DISCARD
        ):
            netuid = int(log["args"]["netuid"])
        if netuid is None:
            raise InputError("the subnet was not created (no SubnetCreated event)")
        return netuid

    def hyperparams(self, netuid: int, block: int | str = "latest") -> dict[str, Any]:
        """All hyperparameters of ``netuid`` by subtensor's names."""
        values = self._view(self.registry.functions.hyperparams(netuid), block)
        return dict(zip(HYPERPARAM_FIELDS, values, strict=True))

    def set_hyperparams(self, owner: LocalAccount, netuid: int, **changes: Any) -> Receipt:
        """Change hyperparameters (within the admin's bounds)."""
        unknown = set(changes) - set(HYPERPARAM_FIELDS)
        if unknown:
            raise InputError(f"unknown hyperparameters: {', '.join(sorted(unknown))}",
                             hint="known: " + ", ".join(HYPERPARAM_FIELDS))  # fmt: skip
        values = self.hyperparams(netuid)
        values.update(changes)
        hp = tuple(values[name] for name in HYPERPARAM_FIELDS)
        return self.chain.transact(owner, self.registry.functions.set_hyperparams(netuid, hp))

    def current_epoch(self, netuid: int) -> int:
        """The epoch of the next block, the one a transaction sent now lands in."""
        fn = self.registry.functions.current_epoch(netuid)
        try:
            return int(self._view(fn, "pending"))
        except NoosphereError:  # a node that cannot call at `pending`
            return int(self._view(fn))

    def epoch_start(self, netuid: int, epoch: int) -> int:
        """First block of ``epoch`` (its epoch block)."""
        return int(self._view(self.registry.functions.epoch_start(netuid, epoch)))

    def set_share(self, admin: LocalAccount, netuid: int, bps: int) -> Receipt:
        """Give ``netuid`` ``bps`` basis points of the emission (admin, later the DAO)."""
        return self.chain.transact(admin, self.emitter.functions.set_share(netuid, bps))

    # --- neurons -------------------------------------------------------------------------------
    def register(self, coldkey: LocalAccount, netuid: int, hotkey: str, axon: str,
                 max_burn: int | None = None) -> int:  # fmt: skip
        """Register ``hotkey`` under ``coldkey``, burning the current price; returns the UID."""
        price = int(self._view(self.registry.functions.burn_price(netuid)))
        limit = price if max_burn is None else max_burn
        self._approve(coldkey, self.registry.address, limit)
        fn = self.registry.functions.register(netuid, checked_address(hotkey), axon, limit)
        receipt = self.chain.transact(coldkey, fn)
        for log in self.registry.events.NeuronRegistered().process_receipt(
            receipt.raw, errors=DISCARD
        ):
            return int(log["args"]["uid"])
        raise InputError("registration emitted no NeuronRegistered event")

    def is_full(self, netuid: int) -> bool:
        """True when ``netuid`` has ``max_uids`` neurons: new ones must replace a pruned UID."""
        reg = self.registry.functions
        n, cap = self.chain.call_many([reg.n(netuid), reg.max_uids(netuid)])
        return int(n) > 0 and int(n) >= int(cap)

    def prune_cursor(self, netuid: int) -> tuple[int, int] | None:
        """``(result epoch, next rank)`` of the pruning cursor, or None before any pruning."""
        epoch, rank, used = self._view(self.registry.functions.prune_cursor(netuid))
        return (int(epoch), int(rank)) if used else None

    def register_replacing(self, coldkey: LocalAccount, netuid: int, hotkey: str, axon: str,
                           max_burn: int | None, plan: ReplacementPlan) -> Replacement:  # fmt: skip
        """Register ``hotkey`` on a full subnet in place of the first prunable UID of ``plan``.

        ``plan`` (:func:`noosphere.audit.pruning.replacement_plan`) carries a finalized
        result's aux fields and its prune candidates from the cursor's rank on, with proofs.
        """
        price = int(self._view(self.registry.functions.burn_price(netuid)))
        limit = price if max_burn is None else max_burn
        self._approve(coldkey, self.registry.address, limit)
        candidates = [(c.rank, c.uid, list(c.proof)) for c in plan.candidates]
        fn = self.registry.functions.register_replacing(
            netuid, checked_address(hotkey), axon, limit, plan.result_epoch, tuple(plan.aux),
            candidates)  # fmt: skip
        receipt = self.chain.transact(coldkey, fn)
        for log in self.registry.events.NeuronRegistered().process_receipt(
            receipt.raw, errors=DISCARD
        ):
            return Replacement(uid=int(log["args"]["uid"]),
                               replaced_hotkey=str(log["args"]["replaced_hotkey"]),
                               burn=int(log["args"]["burn"]))  # fmt: skip
        raise InputError("registration emitted no NeuronRegistered event")

    def neurons(self, netuid: int, block: int | str = "latest") -> list[Neuron]:
        """Every UID of ``netuid`` with its keys, axon and registration block."""
        reg = self.registry.functions
        if block == "latest":
            block = self.chain.block_number  # every read below sees the same state
        count = int(self._view(reg.n(netuid), block))
        hotkeys = self.chain.call_many([reg.hotkey_of(netuid, uid) for uid in range(count)],
                                       block=block)  # fmt: skip
        details = self.chain.call_many(
            [fn for uid, hotkey in enumerate(hotkeys)
             for fn in (reg.coldkey_of(hotkey), reg.axon_of(netuid, uid),
                        reg.block_at_registration(netuid, uid))],
            block=block,
        )  # fmt: skip
        return [
            Neuron(uid=uid, hotkey=hotkey, coldkey=details[3 * uid], axon=details[3 * uid + 1],
                   registered_at=int(details[3 * uid + 2]))
            for uid, hotkey in enumerate(hotkeys)
        ]  # fmt: skip

    def publish_bootstrap_permits(self, account: LocalAccount, netuid: int, epoch: int,
                                  uids: Sequence[int]) -> Receipt:  # fmt: skip
        """Publish the top-K-by-stake permit set of a subnet that has no result yet."""
        fn = self.registry.functions.publish_bootstrap_permits(netuid, epoch, list(uids))
        return self.chain.transact(account, fn)

    def holds_permit(self, netuid: int, epoch: int, hotkey: str) -> bool:
        """True when ``hotkey`` holds a validator permit in ``epoch``."""
        return bool(self._view(self.registry.functions.holds_permit(netuid, epoch, hotkey)))

    # --- staking -------------------------------------------------------------------------------
    def stake(self, staker: LocalAccount, netuid: int, hotkey: str, amount: int) -> Receipt:
        """Stake ``amount`` to ``hotkey`` on ``netuid``."""
        self._approve(staker, self.staking.address, amount)
        fn = self.staking.functions.stake(netuid, checked_address(hotkey), amount)
        return self.chain.transact(staker, fn)

    def stake_at(self, netuid: int, hotkey: str, block: int) -> int:
        """Total stake of ``hotkey`` at the end of ``block``."""
        return int(self._view(self.staking.functions.stake_at(netuid, hotkey, block)))

    # --- weights -------------------------------------------------------------------------------
    def commit(self, hotkey: LocalAccount, netuid: int, packed: bytes, salt: bytes,
               epoch: int | None = None) -> int:  # fmt: skip
        """Commit weights for ``epoch`` (default: the current one); returns that epoch."""
        epoch = self.current_epoch(netuid) if epoch is None else epoch
        digest = commit_hash(hotkey.address, netuid, epoch, packed, salt)
        self.chain.transact(hotkey, self.weights.functions.commit(netuid, digest))
        return epoch

    def reveal(self, hotkey: LocalAccount, netuid: int, packed: bytes, salt: bytes) -> Receipt:
        """Reveal the committed weights (in the reveal epoch)."""
        return self.chain.transact(hotkey, self.weights.functions.reveal(netuid, packed, salt))

    # --- settlement ----------------------------------------------------------------------------
    def attest(self, hotkey: LocalAccount, netuid: int, epoch: int, payouts_root: bytes,
               emission_root: bytes, prune_root: bytes, permits_hash: bytes,
               bonds_digest: bytes) -> Receipt:  # fmt: skip
        """Attest an epoch's result."""
        fn = self.epochs.functions.attest(netuid, epoch, payouts_root, emission_root,
                                          prune_root, permits_hash, bonds_digest)  # fmt: skip
        return self.chain.transact(hotkey, fn)

    def finalize(self, account: LocalAccount, netuid: int, epoch: int, payouts_root: bytes,
                 aux_hash: bytes) -> Receipt:  # fmt: skip
        """Finalize an epoch whose result has 2/3 of permitted stake."""
        fn = self.epochs.functions.finalize(netuid, epoch, payouts_root, aux_hash)
        return self.chain.transact(account, fn)

    def claim(self, sender: LocalAccount, netuid: int, epoch: int, account: str, amount: int,
              proof: Sequence[bytes]) -> Receipt:  # fmt: skip
        """Claim ``account``'s payout of a final epoch (anyone may send it)."""
        fn = self.epochs.functions.claim(netuid, epoch, account, amount, list(proof))
        return self._settle(sender, fn, netuid)

    def epoch_emission(self, netuid: int, epoch: int) -> int:
        """What finalizing ``epoch`` mints: the schedule's emission times the subnet's share."""
        start, end = self.epoch_start(netuid, epoch), self.epoch_start(netuid, epoch + 1)
        total = int(self._view(self.emitter.functions.emission(start, end)))
        share = int(self._view(self.emitter.functions.share_at(netuid, start)))
        return total * share // 10_000

    # --- subnets: views and owner actions (CLI) -------------------------------------------------
    def subnet_count(self) -> int:
        """How many subnets were created (netuids run from 1 to this)."""
        return int(self._view(self.registry.functions.subnet_count()))

    def subnet_exists(self, netuid: int) -> bool:
        """True when ``netuid`` names a subnet."""
        if not 0 < netuid <= U16_MAX:
            return False
        return bool(self._view(self.registry.functions.subnet_exists(netuid)))

    def owner_of(self, netuid: int) -> str:
        """The subnet's owner."""
        return str(self._view(self.registry.functions.owner_of(netuid)))

    def lock_cost(self) -> int:
        """NOOS locked (for good) by creating a subnet."""
        return int(self._view(self.registry.functions.lock_cost()))

    def burn_price(self, netuid: int) -> int:
        """What registering on ``netuid`` burns now."""
        return int(self._view(self.registry.functions.burn_price(netuid)))

    def tempo(self, netuid: int) -> int:
        """The tempo of the current epoch (a new one waits for the next epoch)."""
        return int(self._view(self.registry.functions.tempo(netuid)))

    def reveal_period(self, netuid: int) -> int:
        """Epochs between a commit and its reveal."""
        return int(self._view(self.registry.functions.reveal_period(netuid)))

    def share_of(self, netuid: int) -> int:
        """The subnet's share of the emission, in basis points."""
        return int(self._view(self.emitter.functions.share_of(netuid)))

    def info(self, netuid: int) -> SubnetInfo:
        """Owner, task, size, epoch and prices of ``netuid``."""
        reg = self.registry.functions
        return SubnetInfo(
            netuid=netuid, owner=self.owner_of(netuid),
            task_cid=str(self._view(reg.task_cid(netuid))),
            n=int(self._view(reg.n(netuid))), max_uids=int(self._view(reg.max_uids(netuid))),
            tempo=self.tempo(netuid), current_epoch=self.current_epoch(netuid),
            burn_price=self.burn_price(netuid), share_bps=self.share_of(netuid),
            locked=int(self._view(reg.locked(netuid))),
        )  # fmt: skip

    def bounds(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """The admin's lower and upper bounds of every hyperparameter."""
        lower, upper = self._view(self.registry.functions.bounds())
        return (dict(zip(HYPERPARAM_FIELDS, lower, strict=True)),
                dict(zip(HYPERPARAM_FIELDS, upper, strict=True)))  # fmt: skip

    def set_task(self, owner: LocalAccount, netuid: int, task_cid: str) -> Receipt:
        """Point the subnet at a new task spec CID (owner only)."""
        return self.chain.transact(owner, self.registry.functions.set_task(netuid, task_cid))

    # --- neurons: single lookups and key management ---------------------------------------------
    def n(self, netuid: int) -> int:
        """How many UIDs the subnet has."""
        return int(self._view(self.registry.functions.n(netuid)))

    def is_registered(self, netuid: int, hotkey: str) -> bool:
        """True when ``hotkey`` holds a UID on ``netuid``."""
        fn = self.registry.functions.is_registered(netuid, checked_address(hotkey))
        return bool(self._view(fn))

    def uid_of(self, netuid: int, hotkey: str) -> int:
        """The UID of a registered ``hotkey``."""
        return int(self._view(self.registry.functions.uid_of(netuid, checked_address(hotkey))))

    def coldkey_of(self, hotkey: str) -> str:
        """The coldkey owning ``hotkey`` (the zero address if none)."""
        return str(self._view(self.registry.functions.coldkey_of(checked_address(hotkey))))

    def set_axon(self, account: LocalAccount, netuid: int, hotkey: str, axon: str) -> Receipt:
        """Change the axon endpoint of ``hotkey`` (signed by the hotkey or its coldkey)."""
        fn = self.registry.functions.set_axon(netuid, checked_address(hotkey), axon)
        return self.chain.transact(account, fn)

    def swap_hotkey(self, coldkey: LocalAccount, netuid: int, old_hotkey: str,
                    new_hotkey: str) -> Receipt:  # fmt: skip
        """Move a UID (and its permit) from ``old_hotkey`` to ``new_hotkey`` (coldkey only)."""
        fn = self.registry.functions.swap_hotkey(
            netuid, checked_address(old_hotkey), checked_address(new_hotkey))  # fmt: skip
        return self.chain.transact(coldkey, fn)

    # --- permits ---------------------------------------------------------------------------------
    def permit_now(self, netuid: int, hotkey: str) -> tuple[int, bool]:
        """``(current epoch, holds a permit in it)`` for ``hotkey``."""
        epoch, held = self._view(self.registry.functions.permit_now(netuid, hotkey))
        return int(epoch), bool(held)

    def permits_epoch(self, netuid: int, epoch: int) -> int | None:
        """The latest epoch ``<= epoch`` with published permits, or None."""
        found, at = self._view(self.registry.functions.permits_epoch(netuid, epoch))
        return int(at) if found else None

    def has_result_permits(self, netuid: int) -> bool:
        """True once result-based permits were published (the bootstrap rule is over)."""
        return bool(self._view(self.registry.functions.has_result_permits(netuid)))

    def permitted_stake(self, netuid: int, epoch: int) -> int:
        """Stake of the permit holders of ``epoch`` at its epoch block (2/3 of it finalizes)."""
        return int(self._view(self.registry.functions.permitted_stake(netuid, epoch)))

    def bootstrap_permits(self, netuid: int, epoch: int) -> list[int]:
        """The top-K UIDs by stake at ``start(epoch)`` that the bootstrap rule accepts."""
        start = self.epoch_start(netuid, epoch)
        k = int(self.hyperparams(netuid)["max_allowed_validators"])
        eligible = [n for n in self.neurons(netuid) if n.registered_at < start]
        stakes = self.chain.call_many(
            [self.staking.functions.stake_at(netuid, n.hotkey, start) for n in eligible]
        )
        ranked = [(-int(stake), n.uid) for n, stake in zip(eligible, stakes, strict=True) if stake]
        return sorted(uid for _, uid in sorted(ranked)[:k])

    def publish_permits(self, account: LocalAccount, netuid: int, epoch: int,
                        uids: Sequence[int], source_epoch: int, emission_root: bytes,
                        prune_root: bytes, bonds_digest: bytes) -> Receipt:  # fmt: skip
        """Publish the permits that the finalized result of ``source_epoch`` computed."""
        fn = self.registry.functions.publish_permits(
            netuid, epoch, list(uids), source_epoch, emission_root, prune_root, bonds_digest
        )
        return self.chain.transact(account, fn)

    # --- staking ---------------------------------------------------------------------------------
    def stake_of(self, netuid: int, hotkey: str) -> int:
        """Total stake on ``hotkey`` now."""
        return int(self._view(self.staking.functions.stake_of(netuid, checked_address(hotkey))))

    def stake_by(self, netuid: int, hotkey: str, staker: str) -> int:
        """What ``staker`` has staked on ``hotkey`` now."""
        fn = self.staking.functions.stake_by(netuid, checked_address(hotkey),
                                             checked_address(staker))  # fmt: skip
        return int(self._view(fn))

    def min_stake(self) -> int:
        """The least stake a staker may hold on a hotkey (other than zero)."""
        return int(self._view(self.staking.functions.min_stake()))

    def unstake(self, staker: LocalAccount, netuid: int, hotkey: str, amount: int) -> Receipt:
        """Unstake ``amount`` from ``hotkey``; it becomes withdrawable after the cooldown."""
        fn = self.staking.functions.unstake(netuid, checked_address(hotkey), amount)
        return self.chain.transact(staker, fn)

    def pending_withdrawal(self, netuid: int, hotkey: str, staker: str) -> PendingWithdrawal:
        """``staker``'s unstaked amount from ``hotkey`` and the block it is released."""
        fn = self.staking.functions.pending(netuid, checked_address(hotkey),
                                            checked_address(staker))  # fmt: skip
        amount, release = self._view(fn)
        return PendingWithdrawal(int(amount), int(release))

    def withdraw(self, staker: LocalAccount, netuid: int, hotkey: str) -> Receipt:
        """Pay out the pending withdrawal once its cooldown is over."""
        fn = self.staking.functions.withdraw(netuid, checked_address(hotkey))
        return self.chain.transact(staker, fn)

    def take_of(self, hotkey: str) -> int:
        """The validator take of ``hotkey`` in basis points (all subnets)."""
        return int(self._view(self.staking.functions.take_of(checked_address(hotkey))))

    def take_bounds(self) -> tuple[int, int]:
        """The lowest and highest take a coldkey may set, in basis points."""
        fns = self.staking.functions
        return int(self._view(fns.min_take())), int(self._view(fns.max_take()))

    def set_take(self, coldkey: LocalAccount, hotkey: str, bps: int) -> Receipt:
        """Set the take of ``hotkey`` (signed by its coldkey)."""
        fn = self.staking.functions.set_take(checked_address(hotkey), bps)
        return self.chain.transact(coldkey, fn)

    # --- weights ---------------------------------------------------------------------------------
    def commitment_of(self, netuid: int, hotkey: str) -> tuple[int, bytes] | None:
        """``(commit epoch, 24 high bytes of the hash)`` of the pending commitment, or None."""
        fn = self.weights.functions.commitment_of(netuid, checked_address(hotkey))
        exists, epoch, digest = self._view(fn)
        return (int(epoch), bytes(digest)) if exists else None

    # --- settlement views ------------------------------------------------------------------------
    def status(self, netuid: int, epoch: int) -> EpochStatus:
        """Whether ``epoch`` is final or voided, when claims open and what is unclaimed."""
        final, voided, claimable, unclaimed = self._view(
            self.epochs.functions.status(netuid, epoch))  # fmt: skip
        return EpochStatus(bool(final), bool(voided), int(claimable), int(unclaimed))

    def windows(self) -> tuple[int, int]:
        """``(challenge_window, attest_window)`` in blocks."""
        fns = self.epochs.functions
        return (int(self._view(fns.challenge_window())),
                int(self._view(fns.attest_window())))  # fmt: skip

    def minted_of(self, netuid: int, epoch: int) -> int:
        """What finalizing ``epoch`` minted (zero before)."""
        return int(self._view(self.epochs.functions.minted_of(netuid, epoch)))

    def final_result(self, netuid: int, epoch: int) -> tuple[bytes, bytes]:
        """``(payouts_root, aux_hash)`` recorded at finalization (zeros before)."""
        fns = self.epochs.functions
        return (bytes(self._view(fns.payouts_root_of(netuid, epoch))),
                bytes(self._view(fns.aux_hash_of(netuid, epoch))))  # fmt: skip

    def has_attested(self, netuid: int, epoch: int, hotkey: str) -> bool:
        """True when ``hotkey`` attested ``epoch``."""
        fn = self.epochs.functions.has_attested(netuid, epoch, checked_address(hotkey))
        return bool(self._view(fn))

    def claimed(self, netuid: int, epoch: int, account: str) -> bool:
        """True when ``account``'s payout of ``epoch`` was claimed."""
        fn = self.epochs.functions.claimed(netuid, epoch, checked_address(account))
        return bool(self._view(fn))

    def attestations(self, netuid: int, epoch: int) -> list[Attestation]:
        """Every attestation of ``epoch``, oldest first (from ``Attested`` events)."""
        logs = self.epochs.events.Attested().get_logs(
            from_block=self.epoch_start(netuid, epoch),
            argument_filters={"netuid": netuid, "epoch": epoch})  # fmt: skip
        return [
            Attestation(
                hotkey=str(log["args"]["hotkey"]), payouts_root=bytes(log["args"]["payouts_root"]),
                aux_hash=bytes(log["args"]["aux_hash"]),
                bonds_digest=bytes(log["args"]["bonds_digest"]),
                stake=int(log["args"]["stake"]), tally=int(log["args"]["tally"]),
                block=int(log["blockNumber"]),
                emission_root=bytes(log["args"]["emission_root"]),
                prune_root=bytes(log["args"]["prune_root"]),
                permits_hash=bytes(log["args"]["permits_hash"]),
            )
            for log in sorted(logs, key=lambda lg: (lg["blockNumber"], lg["logIndex"]))
        ]  # fmt: skip

    def finalized_epochs(self, netuid: int) -> list[int]:
        """Epochs of ``netuid`` finalized and not voided, ascending (from events)."""
        filters = {"netuid": netuid}
        final = {int(lg["args"]["epoch"]) for lg in self.epochs.events.Finalized().get_logs(
            from_block=0, argument_filters=filters)}  # fmt: skip
        voided = {int(lg["args"]["epoch"]) for lg in self.epochs.events.Voided().get_logs(
            from_block=0, argument_filters=filters)}  # fmt: skip
        return sorted(final - voided)
