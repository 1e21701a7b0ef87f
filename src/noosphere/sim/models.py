"""The model-ownership story of the simulation: the subnet's best model is registered with its
whole lineage, a licence of it is sold and the revenue reaches everyone who made it.

After the epochs, on the simulation's throwaway chain (where ``dev_account(0)`` owns the subnet
and the DAO's timelock, which administers every contract, receives the treasury's share and the
fees):

1. **The parent.** The ladder's model just below the top (a logistic regression on the whole
   public split, trained locally) is exported to ONNX and registered by the coldkey of an
   honest miner that serves it (else of another honest miner), its split 100 % to that miner,
   with a royalty of :data:`PARENT_ROYALTY_BPS` and a fine-tune licence for sale.
2. **The community model.** The consensus best of the last finalized epoch (the highest
   incentive in the reference validator's outcome; if it is not a compute-to-data model, the
   best compute-to-data model, and the report says so) is registered by the admin as the
   subnet's community model (``register_community``; the DAO granted it ``COMMUNITY_ROLE``):
   its provenance names the dataset with the winner's order and the digest of the provider's
   signed receipt, the parent (whose fine-tune licence the admin buys first), the recipe hash,
   the subnet epoch and the SHA-256 of the canonical receipt JSON as its training run.
3. **The money.** A customer buys an inference licence; the community model's balance and then
   the parent's are distributed and every recipient withdraws. What each received, with the
   protocol fee, must add up to the price paid, every share must be positive and no balance may
   be left; anything else is a :class:`~noosphere.errors.NoosphereError`.

The ONNX artifacts and metadata documents are put in a local content store, so every CID in
the lineage names real content (:attr:`ModelStory.files` keeps their bytes for the report).
"""

from __future__ import annotations

import contextlib
import hashlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from eth_account import Account

from noosphere.chain.model_types import FINE_TUNE, INFERENCE, DatasetUse, Provenance, Registration
from noosphere.errors import NoosphereError
from noosphere.sim.data import C2D_TAG

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

    from noosphere.chain.models import ModelMarket
    from noosphere.chain.protocol import Protocol
    from noosphere.data.receipts import ComputeReceipt
    from noosphere.ml import TaskSpec
    from noosphere.ml.datasets import Subset
    from noosphere.sim.agents import Level
    from noosphere.sim.run import SimResult
    from noosphere.storage import Store

NOOS = 10**18
PARENT_ROYALTY_BPS = 1_000
"""The parent's share of its derivatives' revenue (10 %)."""
COMMUNITY_ROYALTY_BPS = 500
"""The community model's share of its own derivatives' revenue (5 %)."""
FINE_TUNE_PRICE = 2 * NOOS
INFERENCE_PRICE = 20 * NOOS
VALIDITY = 30 * 86_400
"""Validity of every licence sold in the story (seconds)."""
LABEL = "y"
"""The label column of the public test split."""
TEST_METRIC = "test_accuracy"
"""The metadata's metric for the accuracy on the public test split (the community model's other
metrics are the provider's, measured on the job's held-out rows and signed in its receipt)."""


@dataclass
class RegisteredModel:
    """One Model NFT of the story: its registration as the chain logged it."""

    name: str
    trained_by: str  # the miner whose model it is
    community: bool
    registration: Registration


@dataclass
class Payout:
    """What one recipient withdrew of a sale's revenue (base units)."""

    role: str  # "miner" | "dataset owner" | "parent model owner" | "treasury" | "protocol fee"
    name: str
    account: str
    amount: int


@dataclass
class Sale:
    """A licence sale and where its money went."""

    model_id: int
    kind: str
    buyer: str
    price: int
    fee: int
    payouts: list[Payout] = field(default_factory=list)


@dataclass
class ModelStory:
    """The lineage registered after the epochs and the money that flowed through it."""

    netuid: int
    epoch: int  # the subnet epoch of the community model (absolute)
    winner: str  # the miner whose model became the community model
    winner_uid: int
    winner_incentive: float
    consensus_best: str  # the miner with the highest incentive that epoch
    note: str  # why the winner is not the consensus best ('' when it is)
    parent: RegisteredModel
    community: RegisteredModel
    fine_tune: Sale
    inference: Sale
    files: dict[str, bytes] = field(default_factory=dict, repr=False)  # CIDv1 -> content
    seconds: float = 0.0


class _Content:
    """The story's content store; keeps what it stored (by CIDv1, as the chain returns CIDs)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.files: dict[str, bytes] = {}

    def put(self, data: bytes, name: str) -> str:
        from noosphere.storage import display, to_v1

        cid = self.store.put_bytes(data, name=name)
        self.files[to_v1(cid)] = data
        return display(cid)


def run_model_story(
    protocol: Protocol,
    work: Path,
    result: SimResult,
    *,
    admin: LocalAccount,
    netuid: int,
    coldkeys: dict[str, LocalAccount],
    provider: LocalAccount,
    ladder: list[Level],
    spec: TaskSpec,
    test_split: Subset,
) -> ModelStory:
    """Register the parent and the community model, sell licences and pay everyone (module
    notes); every failure is a :class:`NoosphereError` naming the step."""
    from noosphere.storage import Store

    started = time.monotonic()
    if result.data is None or not result.data.models:
        raise NoosphereError("the model story needs a model trained through compute-to-data")
    market = protocol.models
    content = _Content(Store(work, sync=False))
    epoch, rel = _last_final_epoch(protocol, netuid, result)
    (winner, uid, incentive), best = _winner(result, rel)
    note = "" if winner == best else (
        f"the consensus best of epoch {epoch} was {best} ({result.served[best][rel]}), not a "
        f"compute-to-data model: the best compute-to-data one, {winner}'s, is registered"
    )  # fmt: skip
    test = (content.put(_test_table(test_split), "public-test-split.csv"), test_split)

    # 1. the parent: the ladder's level below the top, served by another honest miner
    level = ladder[-2]
    owner_name = _parent_owner(result, rel, level.name, exclude=winner)
    owner = coldkeys[owner_name]
    onnx = _export(level, spec.n_features)
    card = f"{level.name}, trained by {owner_name} on its own hardware on the public split"
    provenance = Provenance(recipe=_recipe_hash(level.name.split("/")[0]), netuid=netuid,
                            epoch=epoch)  # fmt: skip
    with _step("registering the parent model"):
        parent_id = market.register(
            owner, content.put(onnx, f"{owner_name}.onnx"),
            content.put(_metadata(spec, level.name, card, onnx, {}, test, ()),
                        f"{owner_name}.json"),
            provenance, [(owner.address, 10_000)], PARENT_ROYALTY_BPS)  # fmt: skip
        market.set_terms(owner, parent_id, FINE_TUNE, FINE_TUNE_PRICE, VALIDITY)
    roles: dict[str, tuple[str, str, LocalAccount | None]] = {
        owner.address: ("parent model owner", owner_name, owner)
    }
    with _step("buying the parent's fine-tune licence"):
        fine_tune = _sell_and_pay(market, admin, admin, parent_id, FINE_TUNE, roles)

    # 2. the community model: the winner's compute-to-data model with its whole lineage
    model = next(m for m in result.data.models if m.miner == winner)
    receipt, name = model.receipt, f"{model.recipe} {C2D_TAG}"
    artifact = content.put(model.onnx, f"{winner}.onnx")
    if artifact != receipt.output_cid:
        raise NoosphereError(f"{winner}'s model is stored as {artifact}, but its receipt names "
                             f"{receipt.output_cid}")  # fmt: skip
    card = (f"{model.recipe} trained by {winner} through compute-to-data on dataset "
            f"{receipt.data_id} (order {model.order_id}) under a fine-tune licence of model "
            f"{parent_id}")  # fmt: skip
    metrics = {k: float(v) for k, v in model.metrics.items()
               if isinstance(v, int | float) and not isinstance(v, bool)}  # fmt: skip
    provenance = Provenance(
        datasets=(DatasetUse(receipt.data_id, model.order_id, receipt.digest()),),
        parents=(parent_id,), recipe=bytes.fromhex(receipt.recipe_hash[2:]), netuid=netuid,
        epoch=epoch, training_run=hashlib.sha256(receipt.to_json().encode()).digest(),
    )  # fmt: skip
    metadata = content.put(_metadata(spec, name, card, model.onnx, metrics, test, (receipt,)),
                           f"{winner}.json")  # fmt: skip
    with _step("registering the community model"):
        role = protocol.chain.call(market.nft.functions.COMMUNITY_ROLE())
        if not protocol.chain.call(market.nft.functions.hasRole(role, admin.address)):
            protocol.chain.transact(admin, market.nft.functions.grantRole(role, admin.address))
        community_id = market.register_community(
            admin, artifact, metadata, provenance, coldkeys[winner].address, COMMUNITY_ROYALTY_BPS
        )
        market.set_terms(admin, community_id, INFERENCE, INFERENCE_PRICE, VALIDITY)

    # 3. a customer buys an inference licence; the revenue goes up the lineage
    customer = Account.create()
    protocol.token.transfer(admin, customer.address, INFERENCE_PRICE)
    protocol.chain.transact(admin, to=customer.address, value=NOOS // 10, gas=21_000)
    roles |= {coldkeys[winner].address: ("miner", winner, coldkeys[winner]),
              provider.address: ("dataset owner", "data-provider", provider),
              market.treasury(): ("treasury", "DAO treasury", None)}  # fmt: skip
    with _step("selling an inference licence of the community model"):
        inference = _sell_and_pay(market, customer, admin, community_id, INFERENCE, roles,
                                  parent_id)  # fmt: skip
    with _step("collecting the protocol fees"):
        token = protocol.token.address
        fees = protocol.chain.call(market.licences.functions.fees(token))
        if fees != fine_tune.fee + inference.fee:
            raise NoosphereError(f"the model market holds {fees} of fees, not the "
                                 f"{fine_tune.fee + inference.fee} the two sales paid")  # fmt: skip
        protocol.chain.transact(admin, market.licences.functions.collect_fees(token))
    return ModelStory(
        netuid, epoch, winner, uid, incentive, best, note,
        RegisteredModel(level.name, owner_name, False, market.registration(parent_id)),
        RegisteredModel(name, winner, True, market.registration(community_id)),
        fine_tune, inference, content.files, time.monotonic() - started,
    )  # fmt: skip


@contextlib.contextmanager
def _step(what: str) -> Iterator[None]:
    """Re-raise any failure as a :class:`NoosphereError` naming the step."""
    try:
        yield
    except NoosphereError as error:
        raise NoosphereError(f"the simulation's model story failed while {what}: "
                             f"{error.message}", hint=error.hint) from error  # fmt: skip
    except Exception as error:  # a bug or an OS error: still say which step
        raise NoosphereError(f"the simulation's model story failed while {what}: "
                             f"{type(error).__name__}: {error}") from error  # fmt: skip


def _last_final_epoch(protocol: Protocol, netuid: int, result: SimResult) -> tuple[int, int]:
    """The latest settled epoch that is final on chain: ``(absolute, relative)``."""
    from noosphere.chain.subnets import Subnets

    subnets = Subnets(protocol.chain, protocol.manifest)
    for rel in sorted(result.outcomes, reverse=True):
        status = subnets.status(netuid, result.first_epoch + rel)
        if status.finalized and not status.voided:
            return result.first_epoch + rel, rel
    raise NoosphereError("no epoch of the simulation was finalized: no consensus-best model")


def _winner(result: SimResult, rel: int) -> tuple[tuple[str, int, float], str]:
    """``((name, uid, incentive), consensus best)``: the miner of the highest incentive in
    epoch ``rel`` among those serving a compute-to-data model (else among those that trained
    one), and the miner of the highest incentive overall."""
    incentive = (result.outcomes[rel] or {}).get("incentive") or []
    ranked = sorted(((p.name, p.uid, float(incentive[p.uid])) for p in result.participants
                     if p.role == "miner" and p.uid is not None and p.uid < len(incentive)),
                    key=lambda r: (-r[2], r[1]))  # fmt: skip
    trained = {m.miner for m in result.data.models} if result.data else set()
    serving = [r for r in ranked if str(result.served[r[0]][rel]).endswith(C2D_TAG)]
    c2d = serving or [r for r in ranked if r[0] in trained]
    if not ranked or ranked[0][2] <= 0 or not c2d:
        raise NoosphereError(f"no compute-to-data model earned in relative epoch {rel}")
    return c2d[0], ranked[0][0]


def _parent_owner(result: SimResult, rel: int, level: str, *, exclude: str) -> str:
    """The honest miner serving ``level`` in epoch ``rel`` (else any other honest miner)."""
    honest = [p.name for p in result.participants
              if p.role == "miner" and p.strategy == "honest" and p.name != exclude]  # fmt: skip
    serving = [n for n in honest if result.served[n][rel] == level]
    if not (serving or honest):
        raise NoosphereError("the model story needs a second honest miner to own the parent")
    return (serving or honest)[0]


def _export(level: Level, n_features: int) -> bytes:
    """The ONNX bytes of a ladder model (its ``answer`` is the fitted model's predict_proba)."""
    from noosphere.ml import to_onnx

    fitted = getattr(level.answer, "__self__", None)
    if fitted is None:
        raise NoosphereError(f"the ladder model {level.name} has no fitted model to export")
    return to_onnx(fitted, n_features)


def _recipe_hash(name: str) -> bytes:
    """The hash of the built-in recipe ``name`` (the parent's, trained the same way)."""
    from noosphere.ml.c2d.recipe import builtin_recipes

    recipes = builtin_recipes()
    if name not in recipes:
        raise NoosphereError(f"no built-in recipe {name!r} for the parent model")
    return bytes.fromhex(recipes[name].hash[2:])


def _test_table(test: Subset) -> bytes:
    """The public test split as CSV: columns ``x0`` … ``x{n-1}`` and the label ``y``."""
    n = int(test.X.shape[1])
    lines = [",".join([*(f"x{i}" for i in range(n)), LABEL])]
    features = np.asarray(test.X, np.float32)
    lines += [",".join([*(f"{v:g}" for v in row), str(int(label))])
              for row, label in zip(features, test.y, strict=True)]  # fmt: skip
    return ("\n".join(lines) + "\n").encode()


def _metadata(spec: TaskSpec, name: str, card: str, onnx: bytes, metrics: dict[str, Any],
              test: tuple[str, Subset], receipts: tuple[ComputeReceipt, ...]) -> bytes:  # fmt: skip
    """The model's metadata document (:class:`ModelMetadata`, canonical JSON), declaring its
    accuracy on the public test split as onnxruntime measures it."""
    from noosphere.ml.inference import Predictor
    from noosphere.models.metadata import ModelMetadata, TestSplit
    from noosphere.sim.agents import pool_accuracy

    cid, rows = test
    accuracy = pool_accuracy(Predictor(onnx).predict_proba, rows)
    task = {"kind": "classification",
            "input": {"name": "input", "dtype": "float32", "n_features": spec.n_features},
            "output": {"name": "probabilities", "n_classes": spec.n_classes}}  # fmt: skip
    return ModelMetadata(
        name=name, description=card, task=task, metrics={**metrics, TEST_METRIC: accuracy},
        model_card=f"# {name}\n\n{card}.\n\nTask {spec.cid()} ({spec.dataset.name}); accuracy "
                   f"{accuracy:.4f} on the public test split ({len(rows)} rows).\n",
        test_split=TestSplit(cid, LABEL, "accuracy", accuracy),
        receipts=tuple(r.to_dict() for r in receipts),
    ).to_json()  # fmt: skip


def _sell_and_pay(market: ModelMarket, buyer: LocalAccount, distributor: LocalAccount,
                  model_id: int, kind: int,
                  roles: dict[str, tuple[str, str, LocalAccount | None]],
                  *parents: int) -> Sale:  # fmt: skip
    """``buyer`` buys a licence of ``model_id``; its balance, then its ``parents``', are
    distributed and every credited account in ``roles`` (address -> role, name, key)
    withdraws, except the DAO's timelock (key None), whose credit is counted. The payouts and
    the fee must add up to the price, each role paid, nothing left."""
    credited_before = {a: market.pending(a) for a, (_, _, key) in roles.items() if key is None}
    purchase = market.buy(buyer, model_id, kind)
    sale = Sale(model_id, "fine-tune" if kind == FINE_TUNE else "inference", buyer.address,
                purchase.price, purchase.fee)  # fmt: skip
    for mid in (model_id, *parents):
        market.distribute(distributor, mid)
    for address, (role, name, key) in roles.items():
        if key is None:  # the DAO's timelock: its credit waits for a proposal to withdraw it
            credited = market.pending(address) - credited_before[address]
            if credited:
                sale.payouts.append(Payout(role, name, address, credited))
        elif market.pending(address):
            sale.payouts.append(Payout(role, name, address, market.withdraw(key)))
    sale.payouts.append(Payout("protocol fee", "treasury (fees)", market.treasury(), sale.fee))
    left = [m for m in (model_id, *parents) if market.model_balance(m)]
    total = sum(p.amount for p in sale.payouts)
    unpaid = {r for r, _, _ in roles.values()} - {p.role for p in sale.payouts if p.amount}
    if left or total != sale.price or unpaid:
        raise NoosphereError(
            f"the {sale.kind} licence of model {model_id} cost {sale.price} but {total} reached "
            f"its recipients and the fee (unpaid: {', '.join(sorted(unpaid)) or 'none'}; "
            f"undistributed models: {left or 'none'})")  # fmt: skip
    return sale
