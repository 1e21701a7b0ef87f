"""Submission mode: validators fetch the ONNX models miners committed on chain and evaluate them.

A miner stores its model in its content store, serves the store as a trustless gateway on its
axon URL and commits the model's CID (:class:`~noosphere.chain.commitments.ModelCommitments`).
Each round, :class:`SubmissionScorer` reads every UID's commitment in one call, fetches each
artifact by CID (from the miner's axon and the configured gateways, every block verified), checks
it against the task spec and scores it in the sandbox on the validator's private split of that
epoch (:func:`noosphere.ml.evaluate`).

Copies: the commitments contract records who first committed each model digest. A UID whose
model is byte-identical to one committed earlier by another UID still registered under the same
hotkey scores 0, so sybils serving one copied model earn no more than the original.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

from noosphere.chain.commitments import ModelCommitment, ModelCommitments
from noosphere.chain.subnets import Neuron
from noosphere.errors import NoosphereError
from noosphere.ml import TaskSpec
from noosphere.ml.datasets import private_split
from noosphere.ml.evaluate import evaluate
from noosphere.storage import Store

log = logging.getLogger(__name__)
CACHED_MODELS = 32


class ArtifactFetcher:
    """Fetches model artifacts by CID into a local store, from per-call gateways first."""

    def __init__(self, store: Store, *, timeout: float = 30.0) -> None:
        self.store = store
        self.timeout = timeout

    def fetch(self, cid: str, gateways: Sequence[str], max_bytes: int) -> bytes:
        """The bytes of ``cid`` (at most ``max_bytes``), verified block by block."""
        if not self.store.has(cid):
            urls = [g for g in gateways if g.startswith(("http://", "https://"))]
            urls += [g for g in self.store.gateways if g not in urls]
            view = Store(Path(self.store.home), gateways=urls, timeout=self.timeout)
            try:
                view.fetch_missing(cid)
            finally:
                view.close()
        return self.store.read_bytes(cid, max_size=max_bytes)


class SubmissionScorer:
    """Scores the models miners committed, on the validator's private split of each epoch."""

    def __init__(
        self,
        commitments: ModelCommitments,
        netuid: int,
        fetcher: ArtifactFetcher,
        spec: TaskSpec,
        secret: bytes,
    ) -> None:
        self.commitments = commitments
        self.netuid = netuid
        self.fetcher = fetcher
        self.spec = spec
        self.secret = secret
        self.dataset = spec.load_dataset()
        self.last_errors: dict[int, str] = {}
        self._models: OrderedDict[str, bytes] = OrderedDict()

    def score(self, epoch: int, neurons: Sequence[Neuron]) -> dict[int, float]:
        """Every committed model's task score in [0, 1]; 0 without a model or for a copy."""
        split = private_split(self.dataset, self.secret, self.spec.batch_size,
                              holdout_bp=self.spec.dataset.holdout_bp, round=epoch)  # fmt: skip
        by_uid = {n.uid: n for n in neurons}
        committed = {c.uid: c for c in self.commitments.commitments(self.netuid, list(by_uid))}
        registered = {n.hotkey.lower() for n in neurons}
        self.last_errors = {}
        scores: dict[int, float] = {}
        for uid, neuron in by_uid.items():
            commitment = committed.get(uid)
            if commitment is None:
                self.last_errors[uid] = "no model committed"
                scores[uid] = 0.0
                continue
            copied = self._copied_from(commitment, registered)
            if copied is not None:
                self.last_errors[uid] = copied
                scores[uid] = 0.0
                continue
            try:
                model = self._model(commitment, neuron)
                scores[uid] = evaluate(model, split.X, split.y, self.spec, cid=commitment.cid)
            except NoosphereError as error:
                self.last_errors[uid] = f"model {commitment.cid}: {error.user_message}"
                scores[uid] = 0.0
        return scores

    def _copied_from(self, commitment: ModelCommitment, registered: set[str]) -> str | None:
        """Why ``commitment`` is a copy of an earlier one still on the subnet, or None."""
        if commitment.first:
            return None
        first = self.commitments.first_committer(self.netuid, commitment.digest)
        if first is None or first.hotkey.lower() not in registered:
            return None  # the original left the subnet: this copy is now the oldest one here
        return f"model {commitment.cid} was committed first by UID {first.uid}"

    def _model(self, commitment: ModelCommitment, neuron: Neuron) -> bytes:
        model = self._models.get(commitment.cid)
        if model is None:
            model = self.fetcher.fetch(commitment.cid, [neuron.axon],
                                       self.spec.limits.max_model_bytes)  # fmt: skip
            self._models[commitment.cid] = model
            while len(self._models) > CACHED_MODELS:
                self._models.popitem(last=False)
        self._models.move_to_end(commitment.cid)
        return model
