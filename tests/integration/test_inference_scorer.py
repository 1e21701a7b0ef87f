"""The inference scorer over real HTTP: one model served under several hotkeys is credited once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from eth_account import Account

from noosphere.chain.subnets import Neuron
from noosphere.ml import builtin_spec, to_onnx, train
from noosphere.ml.inference import Predictor
from noosphere.nodes.dendrite import Dendrite
from noosphere.nodes.miner import InferenceScorer, create_miner_axon
from tests._servers import ThreadServer


@pytest.fixture
def servers() -> Iterator[list[ThreadServer]]:
    started: list[ThreadServer] = []
    yield started
    for server in started:
        server.stop()


def test_copies_of_one_model_are_credited_once(tmp_path: Path,
                                               servers: list[ThreadServer]) -> None:  # fmt: skip
    spec = builtin_spec("wine", mode="inference", eval_size=40, batch_size=40)
    public = spec.training_split()
    good = Predictor(to_onnx(train("logreg", public.X, public.y, seed=1), spec.n_features))
    few = np.concatenate([np.flatnonzero(public.y == c)[:3] for c in range(spec.n_classes)])
    other = Predictor(to_onnx(train("logreg", public.X[few], public.y[few], seed=2),
                              spec.n_features))  # fmt: skip
    validator = Account.create()
    # UID 0 registered last serves the model first served by UID 2 (registered first)
    plan = [(0, good, 30), (1, other, 10), (2, good, 5)]
    neurons = []
    for uid, model, registered_at in plan:
        miner = Account.create()
        app = create_miner_axon(miner, model.predict_proba, spec,
                                lambda hotkey: hotkey == validator.address,
                                tmp_path / f"replay-{uid}.sqlite")  # fmt: skip
        servers.append(ThreadServer(app))
        neurons.append(Neuron(uid, miner.address, miner.address, servers[-1].url,
                              registered_at))  # fmt: skip

    scorer = InferenceScorer(Dendrite(validator, timeout=10), spec, b"s" * 32, timeout=10)
    scores = scorer.score(7, neurons)
    assert scores[2] > 0 and scores[1] > 0
    assert scores[0] == 0 and scorer.last_errors[0] == "same answers as UID 2"
