"""Submission mode on anvil: miners commit model CIDs, serve them as gateways, and a validator
fetches, checks and evaluates each, crediting only the first committer of a copied model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from eth_account import Account

from noosphere.chain.accounts import dev_account
from noosphere.chain.commitments import ModelCommitments
from noosphere.chain.protocol import Protocol
from noosphere.chain.subnets import Subnets
from noosphere.ml import Limits, builtin_spec, to_onnx, train
from noosphere.nodes.submission import ArtifactFetcher, SubmissionScorer
from noosphere.storage import Store
from noosphere.storage.gateway import create_app
from tests._servers import ThreadServer

pytestmark = pytest.mark.anvil
NOOS = 10**18


@pytest.fixture
def servers() -> Iterator[list[ThreadServer]]:
    started: list[ThreadServer] = []
    yield started
    for server in started:
        server.stop()


def test_validator_scores_committed_models(
    protocol: Protocol, tmp_path: Path, servers: list[ThreadServer]
) -> None:
    chain = protocol.chain
    subnets = Subnets(chain, protocol.manifest)
    commitments = ModelCommitments(chain, protocol.manifest)
    admin = dev_account(0)
    spec = builtin_spec("wine", mode="submission", eval_size=40, batch_size=40,
                        limits=Limits(max_model_bytes=200_000, max_eval_ms=20_000))  # fmt: skip
    netuid = subnets.create_subnet(admin, str(spec.cid()))
    subnets.set_hyperparams(admin, netuid, immunity_period=0)

    public = spec.training_split()
    good = to_onnx(train("logreg", public.X, public.y, seed=1), spec.n_features)
    few = np.concatenate([np.flatnonzero(public.y == c)[:2] for c in range(spec.n_classes)])
    weak = to_onnx(train("logreg", public.X[few], public.y[few], seed=2), spec.n_features)
    oversized = good + b"\x00" * 250_000  # not even a valid model, and over the size limit

    # miners: the original, a sybil committing the same CID, a weaker model, a miner whose
    # gateway serves nothing, an oversized artifact, and one that never commits
    models: list[bytes | None] = [good, good, weak, None, oversized, None]
    hotkeys = [Account.create() for _ in models]
    cids: list[str | None] = []
    for i, (hot, model) in enumerate(zip(hotkeys, models, strict=True)):
        cold = dev_account(i + 1)
        protocol.token.transfer(admin, cold.address, 1_000 * NOOS)
        chain.transact(admin, to=hot.address, value=10 * NOOS, gas=21_000)
        store = Store(tmp_path / f"miner-{i}", sync=False)
        cid = str(store.put_bytes(model)) if model is not None else None
        if i == 3:  # commits the CID of a model its gateway does not have
            cid = str(Store(tmp_path / "elsewhere", sync=False).put_bytes(weak + b" "))
        servers.append(ThreadServer(create_app(store)))
        subnets.register(cold, netuid, hot.address, servers[-1].url)
        if cid is not None and i != 5:
            commitments.commit_model(hot, netuid, cid)
        cids.append(cid)

    validator_store = Store(tmp_path / "validator", sync=False)
    scorer = SubmissionScorer(commitments, netuid, ArtifactFetcher(validator_store, timeout=5),
                              spec, secret=b"v" * 32)  # fmt: skip
    neurons = subnets.neurons(netuid)
    scores = scorer.score(subnets.current_epoch(netuid), neurons)
    uid = {n.hotkey: n.uid for n in neurons}
    by_miner = [scores[uid[h.address]] for h in hotkeys]
    errors = {i: scorer.last_errors.get(uid[h.address], "") for i, h in enumerate(hotkeys)}

    assert by_miner[0] > by_miner[2] > 0, (by_miner, errors)
    assert by_miner[1] == 0 and "committed first by UID" in errors[1]
    assert by_miner[3] == 0 and cids[3] in errors[3]
    assert by_miner[4] == 0 and "allowed" in errors[4]
    assert by_miner[5] == 0 and errors[5] == "no model committed"
    assert validator_store.has(cids[0])  # fetched once, kept for the next rounds

    # the original leaves (its hotkey is swapped out): the copy is now the oldest here
    original = next(n for n in neurons if n.hotkey == hotkeys[0].address)
    rescored = scorer.score(subnets.current_epoch(netuid), [n for n in neurons
                                                             if n.uid != original.uid])  # fmt: skip
    assert rescored[uid[hotkeys[1].address]] > 0
