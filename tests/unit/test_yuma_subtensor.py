"""subtensor's own epoch tests, replayed: ``test_bonds`` and the Yuma 3 ``kappa_moves_*`` tests.

Expected numbers are those of subtensor's ``tests/epoch.rs`` and ``tests/epoch/yuma3``
(restated in ``shared/reference/yuma.md``). ``test_bonds`` matches bit for bit, including the
emission amounts from subtensor's own trace of that test.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pytest

from noosphere.consensus import EpochInputs, EpochResult, Hyperparameters, run_epoch

U16 = 65_535


@dataclass
class Subnet:
    """A subnet's chain state carried from epoch to epoch, as subtensor's storage would."""

    stake: list[int]
    hyperparameters: Hyperparameters
    tempo: int = 1
    emission: int = 1_000_000_000
    block: int = 0
    weights: np.ndarray = field(init=False)
    bonds: np.ndarray = field(init=False)
    last_update: np.ndarray = field(init=False)
    permit: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        n = len(self.stake)
        self.weights = np.zeros((n, n), dtype=np.uint16)
        self.bonds = np.zeros((n, n), dtype=np.uint16)
        self.last_update = np.zeros(n, dtype=np.uint64)
        self.permit = np.zeros(n, dtype=np.bool_)

    def set_weights(self, uid: int, targets: list[int], values: list[int]) -> None:
        """Replace ``uid``'s weights (subtensor max-upscales; these already are) at this block."""
        self.weights[uid] = 0
        self.weights[uid, targets] = values
        self.last_update[uid] = self.block

    def epoch(self) -> EpochResult:
        """Run an epoch at the current block and store bonds and permits."""
        n = len(self.stake)
        result = run_epoch(
            EpochInputs(
                stake=np.array(self.stake, dtype=np.uint64),
                weights=self.weights,
                bonds=self.bonds,
                last_update=self.last_update,
                block_at_registration=np.zeros(n, dtype=np.uint64),
                validator_permit=self.permit,
                current_block=self.block,
                tempo=self.tempo,
                emission=self.emission,
                hyperparameters=self.hyperparameters,
            )
        )
        self.bonds, self.permit = result.bonds, result.validator_permit
        return result


def test_bonds() -> None:
    """Yuma 2, β = 1, 8 UIDs: validators 0-3 weight servers 4-7 by 1/4, 1/2, 3/4, 1."""
    hp = Hyperparameters(yuma_version=2, bonds_penalty=U16, max_allowed_validators=8)
    net = Subnet(stake=[1, 2, 3, 4, 0, 0, 0, 0], hyperparameters=hp)
    net.epoch()  # block 0: hands out permits
    assert net.permit.tolist() == [True] * 4 + [False] * 4

    net.block = 1
    for uid in range(4):
        net.set_weights(uid, [4, 5, 6, 7], [U16 // 4, U16 // 2, (U16 // 4) * 3, U16])
    result = net.epoch()
    assert net.bonds[:4, 4].tolist() == [16383, 32767, 49151, 65535]
    np.testing.assert_allclose(result.as_float("incentive")[4:], [0.1, 0.2, 0.3, 0.4], atol=1e-4)
    np.testing.assert_allclose(result.as_float("dividends")[:4], [0.1, 0.2, 0.3, 0.4], atol=1e-7)
    assert result.miner_emission[4:] == (49998779, 100000610, 149996337, 200004272)
    assert result.validator_emission[:4] == (49999998, 99999999, 150000000, 200000001)

    net.block = 2
    net.set_weights(0, [0], [U16])  # a self-weight only: masked, so validator 0 stops voting
    result = net.epoch()
    assert net.bonds[:4, 4].tolist() == [14582, 32767, 49151, 65535]
    assert result.validator_emission[:4] == (44998351, 101110561, 151667215, 202223870)
    assert result.miner_emission[4:] == (49998779, 100000610, 149996337, 200004272)

    net.block = 3
    net.set_weights(1, [1], [U16])
    net.epoch()
    assert net.bonds[:4, 4].tolist() == [12603, 28321, 49151, 65535]


KAPPA_MOVES_FIRST = [
    # weights of validators 0, 1, 2 on servers 3, 4 (None: unchanged), bonds, dividends
    (
        [[U16, 0]] * 3,
        [[0.1013, 0.0], [0.1013, 0.0], [0.1013, 0.0]],
        [0.8, 0.1, 0.1],
    ),
    (
        [[0, U16], [U16, 0], [U16, 0]],
        [[0.0908, 0.1013], [0.3697, 0.0], [0.3697, 0.0]],
        [1.0, 0.0, 0.0],
    ),
    (
        [[0, U16], [0, U16], [U16, 0]],
        [[0.0815, 0.1924], [0.3170, 0.1013], [0.5580, 0.0]],
        [0.9382, 0.0618, 0.0],
    ),
    (
        [[0, U16]] * 3,
        [[0.0731, 0.2742], [0.2765, 0.1924], [0.4306, 0.1013]],
        [0.8819, 0.0773, 0.0407],
    ),
    (None, [[0.0656, 0.3478], [0.2435, 0.2742], [0.3589, 0.1924]], [0.8564, 0.0844, 0.0592]),
    (None, [[0.0588, 0.4139], [0.2157, 0.3478], [0.3089, 0.2742]], [0.8418, 0.0884, 0.0697]),
]

KAPPA_MOVES_SECOND = [
    ([[U16, 0]] * 3, [[0.1013, 0.0], [0.1013, 0.0], [0.1013, 0.0]], [0.8, 0.1, 0.1]),
    (
        [[U16, 0], [0, U16], [U16, 0]],
        [[0.1924, 0.0], [0.0908, 0.2987], [0.1924, 0.0]],
        [0.8446, 0.0498, 0.1056],
    ),
    (
        [[0, U16], [0, U16], [U16, 0]],
        [[0.1715, 0.1013], [0.0815, 0.3697], [0.4336, 0.0]],
        [0.6868, 0.3132, 0.0],
    ),
    (
        [[0, U16]] * 3,
        [[0.1531, 0.1924], [0.0731, 0.4336], [0.3608, 0.1013]],
        [0.7421, 0.2090, 0.0489],
    ),
    (None, [[0.1369, 0.2742], [0.0656, 0.4910], [0.3103, 0.1924]], [0.7625, 0.1706, 0.0669]),
    (None, [[0.1225, 0.3478], [0.0588, 0.5426], [0.2712, 0.2742]], [0.7730, 0.1508, 0.0762]),
]


@pytest.mark.parametrize(
    "plan", [KAPPA_MOVES_FIRST, KAPPA_MOVES_SECOND], ids=["kappa_moves_first", "kappa_moves_second"]
)
def test_yuma_3_kappa_moves(plan: list[tuple[list[list[int]] | None, list, list]]) -> None:
    """Yuma 3 with liquid alpha (0.1-0.3, steepness 1000), β = 0, EMA 975000, stake 8/1/1.

    subtensor sets alpha_low/alpha_high from the I32F32 values 0.1 and 0.3, stored as u16 6553 and
    19660; bonds are read back as proportions of 65535 and compared within 1e-3.
    """
    hp = Hyperparameters(
        yuma_version=3,
        liquid_alpha_enabled=True,
        alpha_low=6553,
        alpha_high=19660,
        alpha_sigmoid_steepness=1000,
        bonds_penalty=0,
        bonds_moving_average=975_000,
        kappa=U16 // 2,
        max_allowed_validators=3,
    )
    net = Subnet(stake=[8, 1, 1, 0, 0], hyperparameters=hp)
    net.block = 1
    net.epoch()  # hands out permits to the three staked validators
    for weights, bonds, dividends in plan:
        if weights is not None:
            for uid, values in enumerate(weights):
                net.set_weights(uid, [3, 4], values)
        net.block += 1
        result = net.epoch()
        np.testing.assert_allclose(net.bonds[:3, 3:] / U16, bonds, atol=1e-3)
        np.testing.assert_allclose(result.as_float("dividends")[:3], dividends, atol=1e-3)
        assert result.as_float("dividends")[3:].tolist() == [0.0, 0.0]
