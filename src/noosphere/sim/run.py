"""Run a whole subnet on a throwaway anvil and collect what every UID earned each epoch.

Before the epochs, a data provider publishes the task's public training split on the data market
and the honest miners that serve the top model of the ladder buy a licence each and train that
model through compute-to-data (:mod:`noosphere.sim.data`): what they serve, and earn with, is
the ONNX model the provider's sandbox returned, with its signed receipt kept for provenance.
The chain is handed to the DAO as a real deployment is, so the subnet's emission share comes
from a vote (:mod:`noosphere.sim.dao`). After the epochs, the best compute-to-data model is
registered as the subnet's community model with its whole lineage and a licence of it is sold
(:mod:`noosphere.sim.models`).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount

from noosphere.chain.accounts import dev_account
from noosphere.chain.protocol import Protocol
from noosphere.chain.subnets import Subnets
from noosphere.chain.throwaway import throwaway_protocol
from noosphere.errors import NoosphereError
from noosphere.ml import builtin_spec
from noosphere.ml.inference import Predictor
from noosphere.nodes.state import NodeState
from noosphere.nodes.validator import Scorer, Validator
from noosphere.sim.agents import (
    LADDER_SIZE,
    ColluderScorer,
    CopierScorer,
    LazyScorer,
    Level,
    MinerPool,
    SimMiner,
    SimScorer,
    held_out_pool,
    pool_accuracy,
    quality_ladder,
)
from noosphere.sim.dao import SIM_DEPLOY, DaoVote, fund_subnet_by_vote
from noosphere.sim.data import C2D_TAG, MAX_JOBS, ComputeToData, DataStory
from noosphere.sim.models import ModelStory, run_model_story

NOOS = 10**18
TEMPO = 60
TASK = "digits"
STAKES = {"honest": 100, "copier": 100, "lazy": 60, "colluder": 50}
"""Stake (NOOS) per validator strategy: honest validators and the copier alike."""

Progress = Callable[[int, int, list[str]], None]


class SimValidator(Validator):
    """The engine without claims: the simulation reads payouts from the computed outcomes."""

    def _claims(self, x: int, record: dict) -> list[str]:  # type: ignore[type-arg]
        return []


@dataclass
class SimConfig:
    """Size and seed of a simulation."""

    miners: int = 8
    validators: int = 6
    epochs: int = 10
    seed: int = 0


@dataclass
class Participant:
    """One UID of the simulation."""

    name: str
    role: str  # "miner" | "validator"
    strategy: str
    hotkey: LocalAccount
    stake: int = 0  # NOOS
    miner: SimMiner | None = None
    uid: int | None = None


@dataclass
class SimResult:
    """Everything the report is made of."""

    config: SimConfig
    participants: list[Participant]
    first_epoch: int
    outcomes: dict[int, dict[str, Any]]  # relative epoch -> outcome details
    true_quality: dict[str, list[float]]  # miner name -> per relative epoch
    ladder: list[tuple[str, float]]
    copied_epochs: dict[int, int | None] = field(default_factory=dict)
    seconds: float = 0.0
    served: dict[str, list[str | None]] = field(default_factory=dict)  # miner -> model names
    data: DataStory | None = None
    c2d_quality: dict[str, float] = field(default_factory=dict)  # buyer -> its model's quality
    models: ModelStory | None = None  # the best model's lineage and royalties (after the epochs)
    dao: DaoVote | None = None  # the proposal that funded the subnet


def validator_roles(m: int) -> list[str]:
    """Strategies of ``m`` validators: honest ones, a copier, a lazy one, two colluders."""
    if m < 1:
        raise NoosphereError("the simulation needs at least one validator")
    extra = ["copier"] if m == 2 else ["copier", "lazy", "colluder", "colluder"][: max(0, m - 2)]
    honest = m - len(extra)
    return ["honest"] * honest + extra


def miner_roster(n: int, epochs: int, ladder_size: int) -> list[SimMiner]:
    """``n`` miners: honest ones (that retrain, join late and leave), two sybils, a random one.

    Every second epoch the weakest honest miner retrains into the best model so far while
    the leader falls back to an old checkpoint (a bad deploy), so the ranking keeps changing
    as in a live network; one miner joins late with a strong model and one leaves.
    """
    if n < 3:
        raise NoosphereError("the simulation needs at least 3 miners (an honest one, a random "
                             "one and a sybil)")  # fmt: skip
    sybils = 2 if n >= 5 else 1
    h = n - 1 - sybils
    honest = [SimMiner(f"honest-{i}", "honest", i) for i in range(h)]
    top = ladder_size - 1
    joiner = honest[-1] if h >= 3 else None
    residents = [m for m in honest if m is not joiner]
    span = top - 1 if joiner is not None else top
    for i, miner in enumerate(residents):
        miner.schedule = {0: round(i * span / max(1, len(residents) - 1))}
    if joiner is not None:
        joiner.join_epoch = max(1, epochs // 3)
        joiner.schedule = {joiner.join_epoch: top}
    if h >= 4:
        leaver = residents[-2]
        leaver.leave_epoch = max(2, (2 * epochs) // 3)
    original = residents[len(residents) // 2] if len(residents) > 2 else residents[0]
    for e in range(2, epochs, 2):  # the weakest resident and the leader swap models
        active = [m for m in residents if m.active_at(e)]
        if len(active) < 2:
            continue
        levels = {m.name: m.level_at(e) or 0 for m in active}
        weakest = min(active, key=lambda m: (levels[m.name], m.name))
        leader = max(active, key=lambda m: (levels[m.name], m.name))
        weakest.schedule[e], leader.schedule[e] = levels[leader.name], levels[weakest.name]
    miners = list(honest)
    miners += [SimMiner(f"sybil-{i}", "sybil", h + i, copies=original) for i in range(sybils)]
    miners.append(SimMiner("random", "random", h + sybils))
    return miners


def c2d_buyers(roster: list[SimMiner], epochs: int, top: int) -> list[tuple[int, SimMiner]]:
    """The honest miners that serve ladder level ``top`` in some epoch, with the first such
    relative epoch, in that order: each buys a licence and trains that model through
    compute-to-data. At most :data:`~noosphere.sim.data.MAX_JOBS` (the roster never has more:
    the late joiner alone serves the top level, or without one the two residents swap it); one
    beyond would serve the local model and say so (``trained_by: local``)."""
    found = []
    for miner in roster:
        if miner.strategy != "honest":
            continue
        first = next((rel for rel in range(epochs) if miner.level_at(rel) == top), None)
        if first is not None:
            found.append((first, miner))
    found.sort(key=lambda fm: (fm[0], fm[1].hotkey_index))
    return found[:MAX_JOBS]


def simulate(config: SimConfig, progress: Progress | None = None) -> SimResult:
    """Run the subnet for ``config.epochs`` epochs and return what happened."""
    started = time.monotonic()
    with throwaway_protocol(SIM_DEPLOY) as protocol, tempfile.TemporaryDirectory() as work:
        result = _run(protocol, Path(work), config, progress or (lambda *_: None))
    result.seconds = time.monotonic() - started
    return result


def _run(protocol: Protocol, work: Path, config: SimConfig, progress: Progress) -> SimResult:
    provider = Account.create()  # the data provider: an account, not a UID of the subnet
    notes: list[str] = []  # the data market's news, shown with the next progress update
    with ComputeToData(protocol, work / "data", provider, note=notes.append) as market:
        return _run_with(protocol, work, config, progress, market, notes)


def _run_with(protocol: Protocol, work: Path, config: SimConfig, progress: Progress,
              market: ComputeToData, notes: list[str]) -> SimResult:  # fmt: skip
    chain = protocol.chain
    subnets = Subnets(chain, protocol.manifest)
    admin = dev_account(0)
    spec = builtin_spec(TASK, mode="inference")
    dataset = spec.load_dataset()
    participants = [Participant(f"v{i}-{role}", "validator", role, Account.create(),
                                stake=STAKES[role])
                    for i, role in enumerate(validator_roles(config.validators))]  # fmt: skip
    roster = miner_roster(config.miners, config.epochs, LADDER_SIZE)
    participants += [Participant(m.name, "miner", m.strategy, Account.create(), miner=m)
                     for m in roster]  # fmt: skip
    coldkeys = [Account.create() for _ in participants]
    for cold, part in zip(coldkeys, participants, strict=True):
        protocol.token.transfer(admin, cold.address, 1_000 * NOOS)
        chain.transact(admin, to=cold.address, value=10 * NOOS, gas=21_000)
        chain.transact(admin, to=part.hotkey.address, value=10 * NOOS, gas=21_000)
    protocol.token.transfer(admin, market.provider.address, 1_000 * NOOS)
    chain.transact(admin, to=market.provider.address, value=10 * NOOS, gas=21_000)

    # The data market first: the jobs run at the provider while the local models are trained,
    # the subnet is set up and the first epochs pass; a buyer's model is collected just before
    # it is first served. The buyers serve the ladder's top level, an MLP on all public rows.
    progress(0, config.epochs, ["data provider: publishing the public training split"])
    market.publish(spec.training_split(dataset), spec.n_classes, TASK)
    top, recipe = LADDER_SIZE - 1, "mlp"
    buyers = c2d_buyers(roster, config.epochs, top)
    cold_of = {p.name: cold for p, cold in zip(participants, coldkeys, strict=True)}
    for _, buyer in buyers:
        market.order(buyer.name, cold_of[buyer.name], recipe)
        buyer.models[top] = None  # served only once collected: never the local model instead
    progress(0, config.epochs, [*notes, "training the miners' local models"])
    notes.clear()
    ladder = quality_ladder(spec, dataset, config.seed)
    if len(ladder) != LADDER_SIZE:
        raise NoosphereError(f"the quality ladder has {len(ladder)} models, not {LADDER_SIZE}")
    netuid = subnets.create_subnet(admin, str(spec.cid()))
    subnets.set_hyperparams(admin, netuid, tempo=TEMPO, immunity_period=0)
    progress(0, config.epochs, [f"the DAO votes to fund subnet {netuid}"])
    dao_vote = fund_subnet_by_vote(protocol, admin, netuid)
    held_out = held_out_pool(spec, dataset)

    def install(buyer: SimMiner) -> None:
        """Wait for ``buyer``'s compute-to-data model and serve it as its top level."""
        model = market.collect(buyer.name)
        answer = Predictor(model.onnx).predict_proba
        buyer.models[top] = Level(f"{recipe} {C2D_TAG}", answer, pool_accuracy(answer, held_out))

    def collect(rel: int) -> None:
        """Install the compute-to-data models needed by relative epoch ``rel``."""
        for first_rel, buyer in buyers:
            if first_rel <= rel and buyer.models[top] is None:
                install(buyer)

    def register(index: int) -> None:
        part = participants[index]
        part.uid = subnets.register(coldkeys[index], netuid, part.hotkey.address, "sim://")
        if part.stake:
            subnets.stake(coldkeys[index], netuid, part.hotkey.address, part.stake * NOOS)
        if part.miner is not None:
            pool.bind(part.hotkey.address, part.miner)

    first = subnets.current_epoch(netuid) + 1
    pool = MinerPool(roster, ladder, first, spec)
    pool.collect = install  # a validator scoring a later epoch than expected waits for it too
    late = [i for i, p in enumerate(participants) if p.miner and p.miner.join_epoch > 0]
    for i in range(len(participants)):
        if i not in late:
            register(i)
    first = subnets.current_epoch(netuid) + 1
    pool.first = first

    def favoured() -> int | None:
        return next((p.uid for p in participants if p.strategy == "random"), None)

    validators: list[tuple[Participant, SimValidator]] = []
    copier: CopierScorer | None = None
    for i, part in enumerate(participants):
        if part.role != "validator":
            continue
        secret = bytes([i + 1]) * 32
        seed = config.seed * 1000 + i
        scorer: Scorer
        if part.strategy == "lazy":
            scorer = LazyScorer(seed)
        elif part.strategy == "colluder":
            scorer = ColluderScorer(pool, dataset, secret, seed, favoured)
        elif part.strategy == "copier":
            scorer = copier = CopierScorer(subnets, netuid, part.hotkey.address)
        else:
            scorer = SimScorer(pool, dataset, secret, seed)
        engine = SimValidator(
            subnets, netuid, part.hotkey, NodeState(work / f"v{i}.sqlite"), scorer
        )
        validators.append((part, engine))
    validators.sort(key=lambda pv: pv[0].strategy == "copier")  # the copier looks last
    reference = validators[0][1]

    last = first + config.epochs - 1
    copied: dict[int, int | None] = {}
    deadline_block = subnets.epoch_start(netuid, last + 5)
    while last not in reference.outcomes and chain.block_number < deadline_block:
        epoch = subnets.current_epoch(netuid)
        rel = epoch - first
        collect(rel)
        for i in late:
            miner = participants[i].miner
            if participants[i].uid is None and miner is not None and rel >= miner.join_epoch - 1:
                register(i)
                progress(
                    min(rel, config.epochs),
                    config.epochs,
                    [f"{participants[i].name} registered as UID {participants[i].uid}"],
                )
        actions = []
        for part, engine in validators:
            report = engine.step()
            actions += [f"{part.name}: {a}" for a in report.actions]
            if part.strategy == "copier" and copier is not None and report.actions:
                copied.setdefault(rel, copier.copied_epoch)
        done = sum(1 for e in reference.outcomes if first <= e <= last)
        progress(done, config.epochs,
                 [*notes, f"epoch {rel} (block {chain.block_number})", *actions])  # fmt: skip
        notes.clear()
        # two passes per epoch: just after its start (reveal, commit) and at its middle
        # (the epoch's own length: the first epochs still run at the default tempo)
        start = subnets.epoch_start(netuid, epoch)
        end = subnets.epoch_start(netuid, epoch + 1)
        middle = (start + end) // 2
        target = middle if chain.block_number < middle else end
        chain.mine(max(1, target + 1 - chain.block_number))

    collect(config.epochs)  # every receipt, even if the run stopped early
    market.withdraw()
    outcomes = {e - first: dict(o.details) for e, o in reference.outcomes.items()
                if first <= e <= last}  # fmt: skip
    quality = {m.name: [pool.true_quality(m, r) for r in range(config.epochs)] for m in roster}
    served = {m.name: [pool.served(m, r) for r in range(config.epochs)] for m in roster}
    c2d_quality = {b.name: level.quality for _, b in buyers if (level := b.models[top])}
    result = SimResult(config, participants, first, outcomes, quality,
                       [(level.name, level.quality) for level in ladder], copied, served=served,
                       data=market.story, c2d_quality=c2d_quality, dao=dao_vote)  # fmt: skip
    progress(len(outcomes), config.epochs, [*notes, "registering the best model's lineage"])
    result.models = run_model_story(protocol, work / "models", result, admin=admin,
                                    netuid=netuid, coldkeys=cold_of, provider=market.provider,
                                    ladder=ladder, spec=spec, test_split=held_out)  # fmt: skip
    return result
