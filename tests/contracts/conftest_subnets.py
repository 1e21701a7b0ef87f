"""Fixtures of the SubnetRegistry and Weights tests (a pytest plugin module).

Test modules load it with ``pytest_plugins = ["tests.contracts.conftest_subnets"]``. It builds
on ``conftest.py``'s ``token``. The registry and Weights are the real contracts, wired to the
real Staking; EpochSettlement is the test double ``doubles/epochs_double.vy`` (``set_final``
records a finalized result's ``aux_hash``), used by the pruning and permit tests.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boa
import pytest
from eth_abi import encode
from eth_utils import keccak

from noosphere.consensus.merkle import StandardMerkleTree

ROOT = Path(__file__).resolve().parents[2]
SUBNETS = ROOT / "contracts" / "subnets"
DOUBLES = Path(__file__).resolve().parent / "doubles"

UNIT = 10**18
LOCK_COST = 100 * UNIT
HALF_LIFE = 100
MIN_STAKE = UNIT
COOLDOWN = 10
ZERO32 = b"\x00" * 32
ZERO_ADDRESS = "0x" + "00" * 20

# The Hyperparams struct's fields, in order.
FIELDS = (
    "tempo",
    "max_allowed_uids",
    "max_allowed_validators",
    "immunity_period",
    "activity_cutoff",
    "kappa",
    "bonds_penalty",
    "bonds_moving_average",
    "liquid_alpha_enabled",
    "alpha_low",
    "alpha_high",
    "alpha_sigmoid_steepness",
    "yuma_version",
    "reveal_period",
    "min_burn",
    "max_burn",
    "registration_allowed",
)
# The test subnet: 10-block epochs, 4 UIDs, 2 validators, 15 blocks of immunity.
TEST_PARAMS = {
    "tempo": 10,
    "max_allowed_uids": 4,
    "max_allowed_validators": 2,
    "immunity_period": 15,
    "min_burn": UNIT,
    "max_burn": 10 * UNIT,
}


# --- small helpers (the package will get its own later) -------------------------------------


def params(registry: Any, netuid: int | None = None, **changes: Any) -> tuple:
    """A Hyperparams tuple: a subnet's (or the defaults) with ``changes``."""
    current = registry.hyperparams(netuid) if netuid is not None else registry.defaults()
    values = dict(zip(FIELDS, tuple(current), strict=True))
    values.update(changes)
    return tuple(values[f] for f in FIELDS)


def pack_weights(pairs: list[tuple[int, int]]) -> bytes:
    """``(uid, weight)`` pairs as big-endian ``uint16`` pairs (the ``packed`` of a reveal)."""
    return b"".join(uid.to_bytes(2, "big") + w.to_bytes(2, "big") for uid, w in pairs)


def permits_hash(uids: list[int]) -> bytes:
    """``keccak256(abi.encodePacked(uint16 uids ascending))``."""
    return keccak(b"".join(u.to_bytes(2, "big") for u in uids))


def aux_hash(emission_root: bytes, prune_root: bytes, permits: bytes, bonds: bytes) -> bytes:
    """``keccak256(abi.encode(emission_root, prune_root, permits_hash, bonds_digest))``."""
    return keccak(encode(["bytes32"] * 4, [emission_root, prune_root, permits, bonds]))


def prune_tree(uids: list[int]) -> StandardMerkleTree:
    """The prune tree over ``(rank, uid)`` leaves, ``uids`` listed by rank."""
    return StandardMerkleTree([(r, u) for r, u in enumerate(uids)], ("uint16", "uint16"))


# --- deployers and deployments -------------------------------------------------------------


@pytest.fixture(scope="session")
def registry_deployer():
    return boa.load_partial(str(SUBNETS / "subnets.vy"))


@pytest.fixture(scope="session")
def weights_deployer():
    return boa.load_partial(str(SUBNETS / "weights.vy"))


@pytest.fixture(scope="session")
def staking_deployer():
    return boa.load_partial(str(SUBNETS / "staking.vy"))


@pytest.fixture(scope="session")
def epochs_double_deployer():
    return boa.load_partial(str(DOUBLES / "epochs_double.vy"))


class Deployment:
    """The wired registry, Weights, Staking and EpochSettlement double, plus funded accounts."""

    def __init__(self, token, registry, weights, staking, epochs, deployer):
        self.token = token
        self.registry = registry
        self.weights = weights
        self.staking = staking
        self.epochs = epochs
        self.deployer = deployer

    def fund(self, account: str, amount: int = 1_000 * UNIT) -> str:
        """Give ``account`` NOOS and approve the registry and Staking for all of it."""
        with boa.env.prank(self.deployer):
            self.token.transfer(account, amount)
        with boa.env.prank(account):
            self.token.approve(self.registry.address, 2**256 - 1)
            self.token.approve(self.staking.address, 2**256 - 1)
        return account

    def create_subnet(self, owner: str, **changes: Any) -> int:
        """A subnet owned by ``owner`` with the defaults (``TEST_PARAMS``) and ``changes``."""
        with boa.env.prank(owner):
            netuid = self.registry.create_subnet("bafy-task")
            if changes:
                self.registry.set_hyperparams(netuid, params(self.registry, netuid, **changes))
        return netuid

    def register(self, netuid: int, coldkey: str, hotkey: str, axon: str = "http://h:1") -> int:
        with boa.env.prank(coldkey):
            return self.registry.register(netuid, hotkey, axon, 2**256 - 1)

    def stake(self, netuid: int, staker: str, hotkey: str, amount: int) -> None:
        with boa.env.prank(staker):
            self.staking.stake(netuid, hotkey, amount)


def deploy_all(
    token, deployer, registry_deployer, weights_deployer, staking_deployer, epochs_double_deployer
):
    with boa.env.prank(deployer):
        registry = registry_deployer.deploy(token.address, LOCK_COST, HALF_LIFE)
        weights = weights_deployer.deploy(registry.address)
        staking = staking_deployer.deploy(token.address, MIN_STAKE, COOLDOWN)
        epochs = epochs_double_deployer.deploy()
        registry.wire(staking.address, epochs.address)
        staking.wire(registry.address)
        registry.set_defaults(params(registry, **TEST_PARAMS))
    return Deployment(token, registry, weights, staking, epochs, deployer)


@pytest.fixture(scope="session")
def env(
    token, deployer, registry_deployer, weights_deployer, staking_deployer, epochs_double_deployer
):
    return deploy_all(
        token,
        deployer,
        registry_deployer,
        weights_deployer,
        staking_deployer,
        epochs_double_deployer,
    )


@pytest.fixture(scope="session")
def owner(env) -> str:
    """A funded subnet owner."""
    return env.fund(boa.env.generate_address("owner"), 10_000 * UNIT)


@pytest.fixture(scope="session")
def cold(env) -> str:
    """A funded coldkey."""
    return env.fund(boa.env.generate_address("cold"))


@pytest.fixture(scope="session")
def cold2(env) -> str:
    """A second funded coldkey."""
    return env.fund(boa.env.generate_address("cold2"))


@pytest.fixture(scope="session")
def hotkeys() -> list[str]:
    return [boa.env.generate_address(f"hot{i}") for i in range(8)]


@pytest.fixture
def netuid(env, owner) -> int:
    """A subnet with ``TEST_PARAMS``, created by ``owner`` (per test: titanoboa then reverts it
    whatever order modules and session fixtures are set up in)."""
    return env.create_subnet(owner)
