"""Fixtures of the Emitter, Staking and EpochSettlement tests (a pytest plugin module).

Test modules load it with ``pytest_plugins = ["tests.contracts.conftest_subnets_settlement"]``.
It builds on ``conftest.py``'s ``token`` (the deployer holds the initial supply, alice 1,000
NOOS). The registry is the test double ``doubles/registry_double.vy``: epochs start at
``anchor + e · tempo`` and tests set neurons, permits and permitted stake directly. The double
is extended here with ``attest_context`` (``REGISTRY_DOUBLE_EXTRA``), the one registry view that
EpochSettlement's ``attest`` calls, computed from the double's own views.
"""

from __future__ import annotations

from pathlib import Path

import boa
import pytest

from noosphere.consensus.merkle import StandardMerkleTree
from tests.contracts._boa_helpers import block_number

ROOT = Path(__file__).resolve().parents[2]
SUBNETS = ROOT / "contracts" / "subnets"
DOUBLES = Path(__file__).resolve().parent / "doubles"

UNIT = 10**18
CAP = 21_000_000 * UNIT
INITIAL_SUPPLY = 1_000_000 * UNIT
HALVING_INTERVAL = 1_000
MIN_STAKE = UNIT
COOLDOWN = 10
CHALLENGE_WINDOW = 20
ATTEST_WINDOW = 50
TEMPO = 10
REVEAL_PERIOD = 1
NETUID = 1
LEAF_TYPES = ("uint16", "uint64", "address", "uint256")


# The registry's `attest_context` for the double: `epoch_start(epoch)`,
# `epoch_start(epoch + reveal_period + 1)` and `holds_permit(epoch, hotkey)`.
REGISTRY_DOUBLE_EXTRA = """


@external
@view
def attest_context(netuid: uint16, epoch: uint64, hotkey: address) -> (uint256, uint256, bool):
    s: Subnet = self._subnets[netuid]
    assert s.tempo != 0, "registry_double: no subnet"
    tempo_: uint256 = convert(s.tempo, uint256)
    start: uint256 = s.anchor + convert(epoch, uint256) * tempo_
    reveal_end: uint256 = start + convert(s.reveal_period + 1, uint256) * tempo_
    return start, reveal_end, self._permits[netuid][epoch][hotkey]
"""


def registry_double_deployer_partial():
    """The registry double, extended with ``attest_context``, as a deployer."""
    source = (DOUBLES / "registry_double.vy").read_text() + REGISTRY_DOUBLE_EXTRA
    return boa.loads_partial(source, name="registry_double")


def payouts_tree(netuid: int, epoch: int, payouts: dict[str, int]) -> StandardMerkleTree:
    """The payouts tree of an epoch: one ``(netuid, epoch, account, amount)`` leaf per account."""
    return StandardMerkleTree(
        [(netuid, epoch, account, amount) for account, amount in payouts.items()], LEAF_TYPES
    )


@pytest.fixture(scope="session")
def emitter_deployer():
    return boa.load_partial(str(SUBNETS / "emitter.vy"))


@pytest.fixture(scope="session")
def settlement_staking_deployer():
    return boa.load_partial(str(SUBNETS / "staking.vy"))


@pytest.fixture(scope="session")
def epochs_deployer():
    return boa.load_partial(str(SUBNETS / "epochs.vy"))


@pytest.fixture(scope="session")
def registry_double_deployer():
    return registry_double_deployer_partial()


@pytest.fixture(scope="session")
def emitter(emitter_deployer, token, deployer):
    """The Emitter (halving every 1,000 blocks), a minter of the token."""
    with boa.env.prank(deployer):
        contract = emitter_deployer.deploy(token.address, HALVING_INTERVAL)
        token.set_minter(contract.address, True)
    return contract


@pytest.fixture(scope="session")
def registry(registry_double_deployer, deployer):
    """The registry double with subnet 1 (tempo 10, reveal period 1) anchored at this block."""
    with boa.env.prank(deployer):
        contract = registry_double_deployer.deploy()
        contract.set_subnet(NETUID, deployer, block_number(), TEMPO, REVEAL_PERIOD)
    return contract


@pytest.fixture(scope="session")
def staking(settlement_staking_deployer, token, registry, deployer):
    """Staking (minimum 1 NOOS, cooldown 10 blocks) wired to the registry double."""
    with boa.env.prank(deployer):
        contract = settlement_staking_deployer.deploy(token.address, MIN_STAKE, COOLDOWN)
        contract.wire(registry.address)
    return contract


@pytest.fixture(scope="session")
def epochs(epochs_deployer, token, registry, staking, emitter, deployer):
    """EpochSettlement (challenge window 20, attest window 50), the Emitter's settlement."""
    with boa.env.prank(deployer):
        contract = epochs_deployer.deploy(token.address, CHALLENGE_WINDOW, ATTEST_WINDOW)
        contract.wire(registry.address, staking.address, emitter.address)
        emitter.grantRole(emitter.SETTLEMENT_ROLE(), contract.address)
    return contract


@pytest.fixture(scope="session")
def guardian() -> str:
    return boa.env.generate_address("guardian")
