"""The miner's axon (inference mode) and the validator's scorer that queries it.

A miner serves ``POST /forward``: a batch of feature rows in, class probabilities out, only to
hotkeys that hold a validator permit in the current epoch (checked against the chain, cached
per epoch). :class:`InferenceScorer` is the validator's :class:`~noosphere.nodes.validator.Scorer`
for inference tasks: each epoch it draws a fresh batch from its private split, queries every
miner's axon concurrently and scores the answers by the task metric; a miner that times out,
refuses or answers garbage scores 0, and so does every UID but the earliest registered of a
group answering identically (one model served under several hotkeys).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from eth_account.signers.local import LocalAccount
from pydantic import BaseModel, Field

from noosphere.chain.subnets import Neuron, Subnets
from noosphere.errors import NoosphereError
from noosphere.ml import TaskSpec
from noosphere.ml.datasets import private_split
from noosphere.ml.inference import check_features, score_answers

FORWARD_PATH = "/forward"
MAX_ROWS = 4_096


class ForwardRequest(BaseModel):
    """A batch of feature rows to classify."""

    features: list[list[float]] = Field(max_length=MAX_ROWS)


class ForwardResponse(BaseModel):
    """Class probabilities, one row per input row."""

    probabilities: list[list[float]]


class PermitCache:
    """Whether a hotkey holds a validator permit now, asked once per hotkey per epoch."""

    def __init__(self, subnets: Subnets, netuid: int, ttl: float = 2.0) -> None:
        self.subnets = subnets
        self.netuid = netuid
        self.ttl = ttl
        self._lock = threading.Lock()
        self._epoch = (-1, 0.0)
        self._known: dict[str, bool] = {}

    def __call__(self, hotkey: str) -> bool:
        """True when ``hotkey`` holds a permit in the current epoch."""
        with self._lock:
            epoch, checked = self._epoch
            if time.monotonic() - checked > self.ttl:
                current = self.subnets.current_epoch(self.netuid)
                if current != epoch:
                    self._known.clear()
                self._epoch = (current, time.monotonic())
            key = hotkey.lower()
            if key not in self._known:
                self._known[key] = self.subnets.holds_permit(self.netuid, self._epoch[0], hotkey)
            return self._known[key]


def create_miner_axon(
    hotkey: LocalAccount,
    predict: Callable[[np.ndarray], np.ndarray],
    spec: TaskSpec,
    permit_check: Callable[[str], bool],
    replay_db: Path,
    *,
    netuid: int | None = None,
    rate: float = 20.0,
    burst: float = 40,
) -> Any:
    """The miner's FastAPI app: ``/forward`` answers permitted validators with ``predict``."""
    from noosphere.nodes.axon import AxonRoute, create_axon

    def forward(request: ForwardRequest, caller: Any) -> ForwardResponse:
        features = check_features(request.features, spec.n_features)
        probabilities = np.asarray(predict(features), dtype=np.float64)
        return ForwardResponse(probabilities=probabilities.round(6).tolist())

    route = AxonRoute(FORWARD_PATH, ForwardRequest, ForwardResponse, forward,
                      summary="classify a batch of rows")  # fmt: skip
    return create_axon(hotkey_account=hotkey, permit_check=permit_check, replay_db=replay_db,
                       routes=[route], netuid=netuid, rate=rate, burst=burst)  # fmt: skip


class InferenceScorer:
    """Scores miners by querying their axons with rows of the validator's private split."""

    def __init__(self, dendrite: Any, spec: TaskSpec, secret: bytes, *,
                 timeout: float = 10.0) -> None:  # fmt: skip
        self.dendrite = dendrite
        self.spec = spec
        self.secret = secret
        self.timeout = timeout
        self.dataset = spec.load_dataset()
        self.last_errors: dict[int, str] = {}

    def score(self, epoch: int, neurons: Sequence[Neuron]) -> dict[int, float]:
        """Query every neuron with an axon; the task metric of its answers, or 0."""
        from noosphere.nodes.dendrite import AxonTarget

        split = private_split(self.dataset, self.secret, self.spec.batch_size,
                              holdout_bp=self.spec.dataset.holdout_bp, round=epoch)  # fmt: skip
        request = ForwardRequest(features=split.X.astype(np.float64).tolist())
        targets, uids = [], []
        self.last_errors = {}
        for neuron in neurons:
            try:
                targets.append(AxonTarget(neuron.axon, neuron.hotkey))
                uids.append(neuron.uid)
            except NoosphereError as error:
                self.last_errors[neuron.uid] = error.user_message
        results = self.dendrite.query_many(targets, FORWARD_PATH, request, ForwardResponse,
                                           timeout=self.timeout)  # fmt: skip
        scores: dict[int, float] = {}
        registered = {n.uid: (n.registered_at, n.uid) for n in neurons}
        first_of: dict[bytes, int] = {}
        answered = sorted(zip(uids, results, strict=True), key=lambda ur: registered[ur[0]])
        for uid, result in answered:
            if not result.ok:
                self.last_errors[uid] = str(result.error)
                scores[uid] = 0.0
                continue
            try:
                answers = result.response.probabilities
                scores[uid] = float(score_answers(answers, split.y, self.spec))
            except NoosphereError as error:
                self.last_errors[uid] = error.user_message
                scores[uid] = 0.0
                continue
            fingerprint = answer_fingerprint(answers)
            if fingerprint in first_of:  # one model served under several hotkeys
                self.last_errors[uid] = f"same answers as UID {first_of[fingerprint]}"
                scores[uid] = 0.0
            else:
                first_of[fingerprint] = uid
        return scores


def answer_fingerprint(probabilities: Any) -> bytes:
    """A digest of a batch of answers rounded to 6 decimals: equal for one model's copies."""
    rounded = np.round(np.asarray(probabilities, dtype=np.float64), 6) + 0.0  # -0.0 -> 0.0
    return hashlib.sha256(rounded.tobytes()).digest()
