"""Typed clients of the subnet contracts: registry, staking, weights, settlement, emitter.

Token allowances are raised automatically before a call that pulls NOOS (lock cost, burn,
stake). The weight codec and commit hash follow docs/subnets-protocol.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eth_abi import encode
from eth_account.signers.local import LocalAccount
from eth_hash.auto import keccak

from noosphere.chain.client import Chain, Receipt
from noosphere.chain.manifest import Manifest
from noosphere.chain.token import NoosToken, checked_address
from noosphere.errors import InputError

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


class Subnets:
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
    def _view(self, fn: Any, block: int | str = "latest") -> Any:
        return self.chain.call(fn, block=block)

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
        for log in self.registry.events.SubnetCreated().process_receipt(receipt.raw):
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
        """The epoch the chain is in now."""
        return int(self._view(self.registry.functions.current_epoch(netuid)))

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
        for log in self.registry.events.NeuronRegistered().process_receipt(receipt.raw):
            return int(log["args"]["uid"])
        raise InputError("registration emitted no NeuronRegistered event")

    def neurons(self, netuid: int, block: int | str = "latest") -> list[Neuron]:
        """Every UID of ``netuid`` with its keys, axon and registration block."""
        reg = self.registry.functions
        count = int(self._view(reg.n(netuid), block))
        found = []
        for uid in range(count):
            hotkey = self._view(reg.hotkey_of(netuid, uid), block)
            found.append(Neuron(
                uid=uid, hotkey=hotkey,
                coldkey=self._view(reg.coldkey_of(hotkey), block),
                axon=self._view(reg.axon_of(netuid, uid), block),
                registered_at=int(self._view(reg.block_at_registration(netuid, uid), block)),
            ))  # fmt: skip
        return found

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
    def commit(self, hotkey: LocalAccount, netuid: int, packed: bytes, salt: bytes) -> int:
        """Commit weights for the current epoch; returns that epoch."""
        epoch = self.current_epoch(netuid)
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
        return self.chain.transact(sender, fn)

    def epoch_emission(self, netuid: int, epoch: int) -> int:
        """What finalizing ``epoch`` mints: the schedule's emission times the subnet's share."""
        start, end = self.epoch_start(netuid, epoch), self.epoch_start(netuid, epoch + 1)
        total = int(self._view(self.emitter.functions.emission(start, end)))
        share = int(self._view(self.emitter.functions.share_at(netuid, start)))
        return total * share // 10_000
