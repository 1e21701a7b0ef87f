"""Simulated participants: miners whose models change over the epochs, and validator scorers.

Miners are in-process predictors trained on the task's public split, locally or (for the
miners that buy a licence of it, :mod:`noosphere.sim.data`) through compute-to-data at a data
provider; their true quality is their accuracy on the whole held-out pool. Validators score
them with the engine's :class:`~noosphere.nodes.validator.Scorer` hook: honest ones on their
own private split, the lazy one at random, colluders honestly but with one favoured miner at
the top, and the copier by averaging the weights others revealed most recently.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from noosphere.chain.subnets import Neuron, Subnets, unpack_weights
from noosphere.errors import NoosphereError
from noosphere.ml import TaskSpec, train
from noosphere.ml.datasets import Dataset, Subset, private_split, split_indices
from noosphere.ml.inference import score_answers
from noosphere.nodes.miner import answer_fingerprint

Answer = Callable[[np.ndarray], np.ndarray]
SHARPNESS = 8
"""Validators score ``((accuracy - chance) / (1 - chance)) ** SHARPNESS``: chance level is 0."""
PER_CLASS = (2, 6, 10, 16, 30, 60)
"""Rows per class of the ladder's logistic regressions on subsets of the public split."""
LADDER_SIZE = len(PER_CLASS) + 2
"""Models of :func:`quality_ladder`: those, then logistic regression and an MLP on all rows."""


@dataclass
class Level:
    """One model of the quality ladder."""

    name: str
    answer: Answer
    quality: float


def held_out_pool(spec: TaskSpec, dataset: Dataset) -> Subset:
    """The validators' whole held-out pool (never in what miners train on)."""
    return dataset.take(split_indices(dataset, spec.dataset.holdout_bp).pool)


def pool_accuracy(answer: Answer, pool: Subset) -> float:
    """Accuracy of ``answer`` on the held-out pool: a model's true quality."""
    return float(np.mean(np.argmax(answer(pool.X), axis=1) == pool.y))


def quality_ladder(spec: TaskSpec, dataset: Dataset, seed: int) -> list[Level]:
    """Models of increasing quality: logistic regression on growing class-balanced subsets of
    the public split, then on all of it, then an MLP (sorted by their true quality)."""
    public = spec.training_split(dataset)
    pool = held_out_pool(spec, dataset)
    recipes: list[tuple[str, str, np.ndarray]] = []
    for per_class in PER_CLASS:
        idx = np.concatenate([np.flatnonzero(public.y == c)[:per_class]
                              for c in range(spec.n_classes)])  # fmt: skip
        recipes.append((f"logreg/{per_class} per class", "logreg", idx))
    everything = np.arange(len(public.y))
    recipes.append(("logreg/all", "logreg", everything))
    recipes.append(("mlp/all", "mlp", everything))
    levels = []
    for name, recipe, idx in recipes:
        model = train(recipe, public.X[idx], public.y[idx], seed=seed)
        answer: Answer = model.predict_proba
        levels.append(Level(name, answer, pool_accuracy(answer, pool)))
    return sorted(levels, key=lambda level: level.quality)


@dataclass
class SimMiner:
    """A miner: which model it serves in each epoch (``None``: not answering)."""

    name: str
    strategy: str  # "honest" | "random" | "sybil"
    hotkey_index: int
    join_epoch: int = 0  # relative epoch from which it is registered and answers
    leave_epoch: int | None = None  # relative epoch from which it stops answering
    schedule: dict[int, int] = field(default_factory=dict)  # relative epoch -> ladder index
    copies: SimMiner | None = None  # sybils serve the model of this miner
    seed: int = 0
    models: dict[int, Level | None] = field(default_factory=dict)
    """Its own models in place of ladder levels (``None``: a compute-to-data job not collected)."""

    @property
    def trained_by(self) -> str:
        """``compute-to-data`` (it bought a licence), ``local``, ``copied`` or ``none``."""
        if self.copies is not None:
            return "copied"
        if self.strategy == "random":
            return "none"
        return "compute-to-data" if self.models else "local"

    def level_at(self, rel: int) -> int | None:
        """Ladder index served at relative epoch ``rel`` (``None`` when not answering)."""
        if self.copies is not None:
            return self.copies.level_at(rel) if self.active_at(rel) else None
        if not self.active_at(rel) or not self.schedule:
            return None
        starts = [e for e in self.schedule if e <= rel]
        return self.schedule[max(starts)] if starts else None

    def active_at(self, rel: int) -> bool:
        """True when the miner answers at relative epoch ``rel``."""
        gone = self.leave_epoch is not None and rel >= self.leave_epoch
        return rel >= self.join_epoch and not gone


class MinerPool:
    """Answers of every simulated miner, and its true quality, by absolute epoch."""

    def __init__(self, miners: Sequence[SimMiner], ladder: Sequence[Level], first: int,
                 spec: TaskSpec) -> None:  # fmt: skip
        self.miners = list(miners)
        self.ladder = list(ladder)
        self.first = first
        self.spec = spec
        self.by_hotkey: dict[str, SimMiner] = {}
        self.collect: Callable[[SimMiner], None] | None = None
        """Installs a miner's awaited compute-to-data models (blocking until they are ready)."""

    def bind(self, hotkey: str, miner: SimMiner) -> None:
        """Record the hotkey a miner registered."""
        self.by_hotkey[hotkey.lower()] = miner

    def answer(self, hotkey: str, epoch: int, X: np.ndarray, rng: np.random.Generator
               ) -> np.ndarray | None:  # fmt: skip
        """The miner's answers to ``X`` in ``epoch`` (``None``: it does not answer)."""
        miner = self.by_hotkey.get(hotkey.lower())
        rel = epoch - self.first
        if miner is None or not miner.active_at(rel):
            return None
        if miner.strategy == "random":
            p = rng.random((X.shape[0], self.spec.n_classes))
            return np.asarray(p / p.sum(axis=1, keepdims=True))
        level = miner.level_at(rel)
        return None if level is None else self.model(miner, level).answer(X)

    def model(self, miner: SimMiner, level: int) -> Level:
        """What ``miner`` serves for ladder ``level``: its own model or the ladder's."""
        source = miner.copies if miner.copies is not None else miner
        if level not in source.models:
            return self.ladder[level]
        if source.models[level] is None and self.collect is not None:
            self.collect(source)
        own = source.models[level]
        if own is None:  # never silently the local model instead
            raise NoosphereError(f"{source.name}'s compute-to-data model is not collected yet")
        return own

    def served(self, miner: SimMiner, rel: int) -> str | None:
        """Name of the model ``miner`` serves at relative epoch ``rel`` (``None``: silent)."""
        if not miner.active_at(rel):
            return None
        if miner.strategy == "random":
            return "random"
        level = miner.level_at(rel)
        return None if level is None else self.model(miner, level).name

    def true_quality(self, miner: SimMiner, rel: int) -> float:
        """Accuracy on the whole held-out pool at relative epoch ``rel`` (0 when silent)."""
        if not miner.active_at(rel):
            return 0.0
        if miner.strategy == "random":
            return 1.0 / self.spec.n_classes
        level = miner.level_at(rel)
        return 0.0 if level is None else self.model(miner, level).quality


def sharpen(accuracy: float, n_classes: int) -> float:
    """Map an accuracy to a score in [0, 1] that is 0 at chance level (see :data:`SHARPNESS`)."""
    chance = 1.0 / n_classes
    return float(max(0.0, (accuracy - chance) / (1.0 - chance)) ** SHARPNESS)


class SimScorer:
    """An honest validator's scorer: each epoch a fresh draw of its private split.

    Identical answers from several UIDs (one model served under several hotkeys) are credited
    once, to the earliest registered UID of the group; the others score 0.
    """

    def __init__(self, pool: MinerPool, dataset: Dataset, secret: bytes, seed: int) -> None:
        self.pool = pool
        self.dataset = dataset
        self.secret = secret
        self.rng = np.random.default_rng(seed)

    def _split(self, epoch: int) -> Subset:
        spec = self.pool.spec
        return private_split(self.dataset, self.secret, spec.eval_size,
                             holdout_bp=spec.dataset.holdout_bp, round=epoch)  # fmt: skip

    def score(self, epoch: int, neurons: Sequence[Neuron]) -> dict[int, float]:
        """Sharpened accuracy of every answering miner on this epoch's private rows."""
        split = self._split(epoch)
        scores: dict[int, float] = {}
        first_of: dict[bytes, Neuron] = {}
        for neuron in sorted(neurons, key=lambda n: (n.registered_at, n.uid)):
            answers = self.pool.answer(neuron.hotkey, epoch, split.X, self.rng)
            if answers is None:
                continue
            fingerprint = answer_fingerprint(answers)
            if fingerprint in first_of:
                scores[neuron.uid] = 0.0  # a copy of an earlier UID's model
                continue
            first_of[fingerprint] = neuron
            accuracy = score_answers(answers, split.y, self.pool.spec)
            scores[neuron.uid] = sharpen(accuracy, self.pool.spec.n_classes)
        return scores


class LazyScorer:
    """A lazy validator: random scores for every UID, every epoch."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)

    def score(self, epoch: int, neurons: Sequence[Neuron]) -> dict[int, float]:
        """Uniform random scores."""
        return {n.uid: float(self.rng.random()) for n in neurons}


class ColluderScorer(SimScorer):
    """Honest scores, except one favoured miner, pushed to the top score."""

    def __init__(self, pool: MinerPool, dataset: Dataset, secret: bytes, seed: int,
                 favoured: Callable[[], int | None]) -> None:  # fmt: skip
        super().__init__(pool, dataset, secret, seed)
        self.favoured = favoured

    def score(self, epoch: int, neurons: Sequence[Neuron]) -> dict[int, float]:
        """Honest scores with the favoured UID at 1."""
        scores = super().score(epoch, neurons)
        uid = self.favoured()
        if uid is not None:
            scores[uid] = 1.0
        return scores


class CopierScorer:
    """A weight copier: the stake-weighted average of the latest rows others revealed.

    It sees only revealed weights, so what it commits for epoch ``e`` was measured for an
    earlier epoch.
    """

    def __init__(self, subnets: Subnets, netuid: int, hotkey: str) -> None:
        self.subnets = subnets
        self.netuid = netuid
        self.hotkey = hotkey.lower()
        self.copied_epoch: int | None = None

    def score(self, epoch: int, neurons: Sequence[Neuron]) -> dict[int, float]:
        """Stake-weighted average of the other validators' most recently revealed rows."""
        start = self.subnets.epoch_start(self.netuid, max(0, epoch - 3))
        with warnings.catch_warnings():  # other events share the netuid topic
            warnings.simplefilter("ignore")
            logs = self.subnets.weights.events.WeightsRevealed().get_logs(
                from_block=start, argument_filters={"netuid": self.netuid}
            )
        latest: dict[str, tuple[tuple[int, int], int, bytes]] = {}
        for log in logs:
            hotkey = str(log["args"]["hotkey"]).lower()
            if hotkey == self.hotkey:
                continue
            key = (int(log["blockNumber"]), int(log["logIndex"]))
            if hotkey not in latest or latest[hotkey][0] < key:
                latest[hotkey] = (key, int(log["args"]["commit_epoch"]),
                                  bytes(log["args"]["packed"]))  # fmt: skip
        total: dict[int, float] = {}
        for hotkey, (_, commit_epoch, packed) in latest.items():
            stake = self.subnets.stake_of(self.netuid, hotkey) / 10**18
            row = unpack_weights(packed)
            norm = sum(value for _, value in row) or 1
            for uid, value in row:
                total[uid] = total.get(uid, 0.0) + stake * value / norm
            self.copied_epoch = commit_epoch
        top = max(total.values(), default=0.0)
        return {uid: value / top for uid, value in total.items()} if top > 0 else {}
