"""Validators and miners over real HTTP on anvil: two epochs end to end, paid by Merkle claims."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from eth_account import Account

from noosphere.chain.accounts import dev_account
from noosphere.chain.protocol import Protocol
from noosphere.chain.subnets import Subnets
from noosphere.ml import builtin_spec, to_onnx, train
from noosphere.ml.inference import Predictor
from noosphere.nodes.dendrite import Dendrite
from noosphere.nodes.miner import InferenceScorer, PermitCache, create_miner_axon
from noosphere.nodes.state import NodeState
from noosphere.nodes.validator import Validator
from tests._servers import ThreadServer

pytestmark = pytest.mark.anvil
NOOS = 10**18


@pytest.fixture
def servers() -> Iterator[list[ThreadServer]]:
    started: list[ThreadServer] = []
    yield started
    for server in started:
        server.stop()


def test_two_epochs_with_real_axons(
    protocol: Protocol, tmp_path: Path, servers: list[ThreadServer]
) -> None:
    chain = protocol.chain
    subnets = Subnets(chain, protocol.manifest)
    admin = dev_account(0)
    spec = builtin_spec("wine", mode="inference", eval_size=40, batch_size=40)
    netuid = subnets.create_subnet(admin, str(spec.cid()))
    subnets.set_hyperparams(admin, netuid, tempo=15, immunity_period=0)
    subnets.set_share(admin, netuid, 10_000)
    chain.transact(admin, subnets.epochs.functions.set_windows(5, 200))  # challenge, attest

    dataset = spec.load_dataset()
    public = spec.training_split(dataset)
    good = Predictor(to_onnx(train("logreg", public.X, public.y, seed=1), spec.n_features))
    few = np.concatenate([np.flatnonzero(public.y == c)[:2] for c in range(spec.n_classes)])
    weak = Predictor(
        to_onnx(train("logreg", public.X[few], public.y[few], seed=2), spec.n_features)
    )
    rng = np.random.default_rng(3)

    def random_answers(x: np.ndarray) -> np.ndarray:
        p = rng.random((x.shape[0], spec.n_classes))
        return p / p.sum(axis=1, keepdims=True)

    predictors = [good.predict_proba, weak.predict_proba, random_answers]
    hotkeys = [Account.create() for _ in range(5)]  # validators 0-1, miners 2-4
    coldkeys = [dev_account(i) for i in range(1, 6)]
    permits = PermitCache(subnets, netuid)
    for i, (cold, hot) in enumerate(zip(coldkeys, hotkeys, strict=True)):
        protocol.token.transfer(admin, cold.address, 1_000 * NOOS)
        chain.transact(admin, to=hot.address, value=10 * NOOS, gas=21_000)
        axon = "http://127.0.0.1:9/none"
        if i >= 2:
            app = create_miner_axon(
                hot,
                predictors[i - 2],
                spec,
                permits,
                tmp_path / f"replay-{i}.sqlite",
                netuid=netuid,
            )
            servers.append(ThreadServer(app, log_level="error"))
            axon = servers[-1].url
        subnets.register(cold, netuid, hot.address, axon)
    subnets.stake(coldkeys[0], netuid, hotkeys[0].address, 100 * NOOS)
    subnets.stake(coldkeys[1], netuid, hotkeys[1].address, 60 * NOOS)

    validators = [
        Validator(
            subnets,
            netuid,
            hotkeys[i],
            NodeState(tmp_path / f"validator-{i}.sqlite"),
            InferenceScorer(Dendrite(hotkeys[i], timeout=10), spec, bytes([i + 1]) * 32),
        )
        for i in range(2)
    ]
    tempo = 15
    log: list[str] = []
    first = subnets.current_epoch(netuid) + 1
    # Run the network until two epochs are claimable, one step per few blocks.
    target_block = subnets.epoch_start(netuid, first + 5) + 5
    while chain.block_number < target_block:
        for validator in validators:
            log += validator.step().actions
        chain.mine(tempo // 3)
    for validator in validators:
        log += validator.step().actions

    assert not [line for line in log if "failed" in line], log
    finalized = [
        e
        for e in range(first, first + 3)
        if chain.call(subnets.epochs.functions.status(netuid, e))[0]
    ]
    assert len(finalized) >= 2, "\n".join(log)
    outcome = validators[0].outcomes[finalized[0]]
    incentive = outcome.details["incentive"]
    assert incentive[2] > incentive[4] and incentive[2] >= incentive[3], incentive
    for e in finalized[:2]:
        paid = validators[0].outcomes[e].payouts
        for account in paid:
            assert chain.call(subnets.epochs.functions.claimed(netuid, e, account)), (e, account)
    miner_coldkey = coldkeys[2].address
    assert protocol.token.balance_of(miner_coldkey) > 1_000 * NOOS

    # The guardian pauses the subnet: validators keep attesting and say their claims wait;
    # once the DAO lifts the pause, the waiting claims go through.
    claimed_before = protocol.token.balance_of(miner_coldkey)
    subnets.pause(admin, netuid, 3_600)
    paused_log: list[str] = []
    end = chain.block_number + 2 * tempo
    while chain.block_number < end:
        for validator in validators:
            paused_log += validator.step().actions
        chain.mine(tempo // 3)
    assert not [line for line in paused_log if "failed" in line], paused_log
    assert any("the subnet is paused" in line for line in paused_log), paused_log
    assert protocol.token.balance_of(miner_coldkey) == claimed_before
    subnets.unpause(admin, netuid)
    for validator in validators:
        validator.step()
    assert protocol.token.balance_of(miner_coldkey) > claimed_before
