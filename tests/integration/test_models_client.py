"""The model market through its typed client on anvil: register with provenance and splits,
derive a child under a fine-tune licence, buy, distribute through the lineage, withdraw; the
refusals (each a specific error, sent nothing when it can be known beforehand); lineage trees
and licence validity at past times from events."""

from __future__ import annotations

from typing import Any

import pytest

from noosphere.chain.model_types import splits_hash
from noosphere.chain.models import (
    COMMERCIAL,
    FINE_TUNE,
    INFERENCE,
    DatasetUse,
    ModelRecord,
    ParentShare,
    Provenance,
    Split,
)
from noosphere.chain.protocol import Protocol
from noosphere.errors import (
    InputError,
    LicenceNotForSaleError,
    ModelDelistedError,
    ModelNotFoundError,
    ModelPriceAboveMaxError,
    NothingToWithdrawError,
    NotModelOwnerError,
    ProvenanceError,
    SplitError,
)
from tests.integration._models_helpers import NOOS, ModelActors, cid, digest, model_actors

pytestmark = pytest.mark.anvil
PRICE = 10 * NOOS
DAY = 86_400
REASON = "QmPZ9gcCEpqKTo6aq61g2nXGUhM4iCL3ewB6LDXZCtioEB"


@pytest.fixture
def actors(protocol: Protocol) -> ModelActors:
    return model_actors(protocol)


def _nothing_sent(a: ModelActors, call: Any, error: type[Exception], fragment: str) -> None:
    before = a.chain.block_number
    with pytest.raises(error) as info:
        call()
    assert fragment in str(info.value), str(info.value)
    assert a.chain.block_number == before


def _parent(a: ModelActors, royalty: int = 1_000) -> int:
    """A model of the trainer's with a fine-tune licence for sale."""
    model_id = a.models.register(a.trainer, cid("parent"), cid("parent meta"), royalty_bps=royalty)
    a.models.set_terms(a.trainer, model_id, FINE_TUNE, PRICE, 30 * DAY)
    return model_id


def _split_of(a: ModelActors) -> list[tuple[str, int]]:
    return [(a.licensee.address, 4_000), (a.publisher.address, 3_000),
            (a.stranger.address, 2_000), (a.admin.address, 1_000)]  # fmt: skip


def test_register_with_three_provenance_entries_and_four_recipients(actors: ModelActors) -> None:
    a = actors
    assert a.protocol.models is a.models
    parent = _parent(a)
    a.models.buy(a.licensee, parent, FINE_TUNE)
    d1, d2 = a.dataset(), a.dataset()
    o1, o2 = a.order(a.licensee, d1), a.order(a.licensee, d2)
    provenance = Provenance(
        datasets=(DatasetUse(d1, o1), DatasetUse(d2, o2, digest("receipt"))), parents=(parent,),
        compute_job=7, recipe=digest("recipe"), netuid=1, epoch=3, training_run=digest("run"),
    )  # fmt: skip
    model_id = a.models.register(a.licensee, cid("child"), cid("child meta"), provenance,
                                 _split_of(a), royalty_bps=500)  # fmt: skip
    assert model_id == parent + 1 == a.models.model_count()
    reg = a.models.registration(model_id)
    assert reg.owner == a.licensee.address and reg.provenance == provenance
    assert reg.artifact_cid == cid("child") and reg.metadata_cid == cid("child meta")
    assert reg.recipients == tuple(Split(*s) for s in _split_of(a))
    assert reg.parents == (ParentShare(parent, 1_000),) and reg.royalty_bps == 500
    assert reg.provenance_matches and reg.splits_match
    assert reg.provenance_hash == provenance.hash()
    assert reg.splits_hash == splits_hash(reg.recipients, reg.parents)
    record = a.models.model(model_id)
    assert record == ModelRecord(
        model_id=model_id, owner=a.licensee.address, manager=None, artifact_cid=cid("child"),
        metadata_cid=cid("child meta"), provenance_hash=provenance.hash(),
        splits_hash=reg.splits_hash, royalty_bps=500, community=False, delisted=False,
        generation=0,
    )  # fmt: skip
    with pytest.raises(ModelNotFoundError, match=f"no model {model_id + 1}"):
        a.models.model(model_id + 1)
    with pytest.raises(ModelNotFoundError):
        a.models.registration(model_id + 1)
    with pytest.raises(ModelNotFoundError, match="at block"):
        a.models.model(model_id, block=reg.block_number - 1)


def test_buy_distribute_and_withdraw_by_each_recipient(actors: ModelActors) -> None:
    a = actors
    parent = _parent(a, royalty=1_000)
    a.models.buy(a.licensee, parent, FINE_TUNE)
    child = a.models.register(a.licensee, cid("c"), cid("cm"), Provenance(parents=(parent,)),
                              _split_of(a))  # fmt: skip
    a.models.set_terms(a.licensee, child, INFERENCE, PRICE, DAY)
    purchase = a.models.buy(a.trainer, child, "inference")
    fee = PRICE * a.models.fee_bps() // 10_000
    assert purchase.price == PRICE and purchase.fee == fee and purchase.kind == INFERENCE
    assert purchase.expiry == purchase.timestamp + DAY
    assert a.models.licence_valid(a.trainer.address, child, INFERENCE)
    amount = PRICE - fee
    assert a.models.model_balance(child) == amount

    assert a.models.distribute(a.stranger, child) == amount
    to_parent = amount * 1_000 // 10_000
    rest = amount - to_parent
    shares = [rest * bps // 10_000 for _, bps in _split_of(a)]
    shares[-1] += rest - sum(shares)
    assert a.models.model_balance(child) == 0
    for (address, _), share in zip(_split_of(a), shares, strict=True):
        assert a.models.pending(address) == share
    # the parent's balance holds its share: its own split (the trainer) gets it next
    parent_total = a.models.model_balance(parent)
    assert parent_total == to_parent + (PRICE - fee)  # the fine-tune sale and the royalty
    assert a.models.earnings(a.trainer.address).undistributed == ((parent, parent_total),)
    assert a.models.distribute_for(a.trainer) == [parent]
    assert a.models.pending(a.trainer.address) == parent_total

    for account in (a.licensee, a.publisher, a.stranger, a.trainer):
        before = a.noos(account)
        got = a.models.withdraw(account)
        assert got > 0 and a.noos(account) == before + got
        _nothing_sent(a, lambda acc=account: a.models.withdraw(acc), NothingToWithdrawError,
                      "nothing to withdraw")  # fmt: skip
    _nothing_sent(a, lambda: a.models.distribute(a.stranger, child), Exception,
                  "nothing to distribute")  # fmt: skip


def test_licence_refusals(actors: ModelActors) -> None:
    a = actors
    model_id = _parent(a)
    _nothing_sent(a, lambda: a.models.buy(a.licensee, model_id, COMMERCIAL),
                  LicenceNotForSaleError, "not for sale")  # fmt: skip
    _nothing_sent(a, lambda: a.models.buy(a.licensee, model_id, "lease"), InputError,
                  "licence kind 'lease' is unknown")  # fmt: skip
    _nothing_sent(a, lambda: a.models.buy(a.licensee, model_id, FINE_TUNE, max_price=PRICE - 1),
                  ModelPriceAboveMaxError, "above your maximum")  # fmt: skip
    _nothing_sent(a, lambda: a.models.buy(a.publisher, model_id, FINE_TUNE), InputError,
                  "costs 10 NOOS")  # the publisher holds no NOOS  # fmt: skip
    _nothing_sent(a, lambda: a.models.buy(a.licensee, model_id + 1, FINE_TUNE),
                  ModelNotFoundError, "no model")  # fmt: skip
    _nothing_sent(a, lambda: a.models.set_terms(a.stranger, model_id, INFERENCE, PRICE, DAY),
                  NotModelOwnerError, "neither the owner")  # fmt: skip
    _nothing_sent(a, lambda: a.models.delist(a.stranger, model_id, REASON), NotModelOwnerError,
                  "not the model market's admin")  # fmt: skip
    a.models.delist(a.admin, model_id, REASON)
    assert a.models.model(model_id).delisted and a.models.delist_reason(model_id) == REASON
    _nothing_sent(a, lambda: a.models.buy(a.licensee, model_id, FINE_TUNE), ModelDelistedError,
                  f"model {model_id} is delisted")  # fmt: skip
    # the contract's own refusal maps to the same error when the client's check is bypassed
    fn = a.models.licences.functions.buy(model_id, FINE_TUNE, PRICE)
    with pytest.raises(ModelDelistedError, match="model_licences: model is delisted"):
        a.models._send(a.licensee, fn, model_id)
    a.models.relist(a.admin, model_id)
    fn = a.models.licences.functions.buy(model_id, FINE_TUNE, PRICE - 1)
    with pytest.raises(ModelPriceAboveMaxError, match="price above max_price"):
        a.models._send(a.licensee, fn, model_id)
    a.models.set_terms(a.trainer, model_id, FINE_TUNE, 0)
    assert not a.models.terms(model_id, FINE_TUNE).for_sale


def test_registration_refusals_send_nothing(actors: ModelActors) -> None:
    a = actors
    parent = _parent(a)
    data_id = a.dataset()
    theirs = a.order(a.stranger, data_id)
    reg = a.models.register

    def attempt(**kw: Any) -> Any:
        args: dict[str, Any] = {"provenance": Provenance(), "recipients": None}
        args.update(kw)
        return lambda: reg(a.licensee, cid("x"), cid("xm"), **args)

    me = a.licensee.address
    _nothing_sent(a, attempt(recipients=[(me, 6_000), (a.stranger.address, 3_000)]), SplitError,
                  "sum to 9,000 basis points, not 10,000")  # fmt: skip
    _nothing_sent(a, attempt(recipients=[(me, 5_000), ("0x" + "00" * 20, 5_000)]), SplitError,
                  "zero address")  # fmt: skip
    _nothing_sent(a, attempt(recipients=[(me, 10_000), (a.stranger.address, 0)]), SplitError,
                  "positive number")  # fmt: skip
    _nothing_sent(a, attempt(recipients=[(me, 1_000)] * 9 + [(me, 500)] * 2), SplitError,
                  "11 recipients")  # fmt: skip
    _nothing_sent(a, attempt(provenance=Provenance(parents=(parent + 5,))), ProvenanceError,
                  f"parent model {parent + 5} does not exist")  # fmt: skip
    _nothing_sent(a, attempt(provenance=Provenance(parents=(parent,))), ProvenanceError,
                  "neither owned by nor licensed for fine-tuning")  # fmt: skip
    _nothing_sent(a, attempt(provenance=Provenance(datasets=(DatasetUse(data_id, theirs),))),
                  ProvenanceError, f"was started for {a.stranger.address}")  # fmt: skip
    _nothing_sent(a, attempt(provenance=Provenance(datasets=(DatasetUse(data_id + 1, 0,
                  digest("r")),))), ProvenanceError, "does not exist")  # fmt: skip
    no_order = Provenance(datasets=(DatasetUse(data_id, 0),))
    _nothing_sent(a, attempt(provenance=no_order), InputError,
                  "give the order it was bought under or a compute-to-data receipt")  # fmt: skip
    _nothing_sent(a, attempt(provenance=Provenance(parents=(parent, parent))), InputError,
                  "not strictly increasing")  # fmt: skip
    _nothing_sent(a, attempt(royalty_bps=5_001), InputError, "royalty: 5001")
    _nothing_sent(a, lambda: reg(a.licensee, "not-a-cid", cid("xm")), InputError, "artifact CID")
    # a delisted parent is refused even to its owner
    a.models.delist(a.admin, parent, REASON)
    _nothing_sent(a, lambda: reg(a.trainer, cid("y"), cid("ym"), Provenance(parents=(parent,))),
                  ModelDelistedError, "is delisted")  # fmt: skip
    # the contract's refusal of a split maps to SplitError when the client's check is bypassed
    fn = a.models.nft.functions.register(bytes.fromhex("01551220" + "11" * 32),
                                         bytes.fromhex("01551220" + "22" * 32),
                                         Provenance().as_abi(), [(me, 9_999)], 0)  # fmt: skip
    with pytest.raises(SplitError, match="splits do not sum to 10,000"):
        a.models._send(a.licensee, fn)


def test_lineage_of_three_generations(actors: ModelActors) -> None:
    a = actors
    root = _parent(a, royalty=1_000)
    data_id = a.dataset()
    order = a.order(a.trainer, data_id)
    middle = a.models.register(a.trainer, cid("m"), cid("mm"),
                               Provenance(datasets=(DatasetUse(data_id, order),),
                                          parents=(root,)), royalty_bps=2_000)  # fmt: skip
    a.models.set_terms(a.trainer, middle, FINE_TUNE, PRICE, DAY)
    a.models.buy(a.licensee, middle, FINE_TUNE)
    a.models.buy(a.licensee, root, FINE_TUNE)
    leaf = a.models.register(a.licensee, cid("l"), cid("lm"), Provenance(parents=(root, middle)))
    tree = a.models.lineage(leaf)
    assert tree.model_id == leaf and not tree.cycle
    assert [p.model_id for p in tree.parents] == [root, middle]
    assert [p.model_id for p in tree.parents[1].parents] == [root]
    assert [n.model_id for n in tree.walk()] == [leaf, root, middle, root]
    assert tree.parents[1].registration.provenance.datasets == (DatasetUse(data_id, order),)
    assert tree.registration.parents == (ParentShare(root, 1_000), ParentShare(middle, 2_000))
    assert a.models.paying_models(a.trainer.address) == [root, middle, leaf]
    assert a.models.paying_models(a.licensee.address) == [leaf]


def test_licence_validity_at_past_times(actors: ModelActors) -> None:
    a = actors
    model_id = _parent(a)
    a.models.set_terms(a.trainer, model_id, INFERENCE, PRICE, DAY)
    bought = a.models.buy(a.licensee, model_id, INFERENCE)
    holder = a.licensee.address
    valid_at = a.models.licence_valid_at
    assert not valid_at(holder, model_id, INFERENCE, bought.timestamp - 1)
    assert valid_at(holder, model_id, INFERENCE, bought.timestamp)
    assert valid_at(holder, model_id, INFERENCE, bought.expiry - 1)
    assert not valid_at(holder, model_id, INFERENCE, bought.expiry)
    assert not valid_at(holder, model_id, FINE_TUNE, bought.timestamp)
    assert a.models.licence_purchases(holder, model_id, INFERENCE) == [bought]
    assert a.models.licence_purchases(holder, model_id, FINE_TUNE) == []

    a.chain.rpc("evm_increaseTime", [2 * DAY])
    a.chain.mine()
    assert not a.models.licence_valid(holder, model_id, INFERENCE)
    renewed = a.models.buy(a.licensee, model_id, INFERENCE)  # restarts from now
    assert renewed.expiry == renewed.timestamp + DAY
    assert valid_at(holder, model_id, INFERENCE, renewed.timestamp + 10)
    assert not valid_at(holder, model_id, INFERENCE, bought.expiry + 10)  # the gap

    # a transfer moves the licence whole: valid for the receiver from then on, not the sender
    licence_id = model_id * 4 + INFERENCE
    fn = a.models.licences.functions.safeTransferFrom(holder, a.stranger.address, licence_id,
                                                      1, b"")  # fmt: skip
    moved = a.chain.transact(a.licensee, fn)
    at = a.models.timestamp(moved.block_number)
    assert valid_at(a.stranger.address, model_id, INFERENCE, at)
    assert not valid_at(holder, model_id, INFERENCE, at)
    assert valid_at(holder, model_id, INFERENCE, renewed.timestamp + 10) == (
        renewed.timestamp + 10 < at)  # fmt: skip

    # a delisted model's licences are not valid while it is delisted
    delisted = a.models.delist(a.admin, model_id, REASON)
    when = a.models.timestamp(delisted.block_number)
    assert not valid_at(a.stranger.address, model_id, INFERENCE, when)
    relisted = a.models.relist(a.admin, model_id)
    assert valid_at(a.stranger.address, model_id, INFERENCE,
                    a.models.timestamp(relisted.block_number))  # fmt: skip


def test_terms_metadata_and_manager(actors: ModelActors) -> None:
    a = actors
    model_id = _parent(a)
    _nothing_sent(a, lambda: a.models.set_terms(a.trainer, model_id, INFERENCE, PRICE, 0),
                  InputError, "validity")  # fmt: skip
    _nothing_sent(a, lambda: a.models.set_terms(a.trainer, model_id, INFERENCE, 2**96, DAY),
                  InputError, "too large")  # fmt: skip
    a.models.set_manager(a.trainer, model_id, a.stranger.address)
    assert a.models.model(model_id).manager == a.stranger.address
    a.models.set_terms(a.stranger, model_id, COMMERCIAL, 3 * NOOS, 7 * DAY)
    assert [t.price for t in a.models.all_terms(model_id)] == [0, PRICE, 3 * NOOS]
    a.models.set_metadata(a.stranger, model_id, cid("new meta"))
    assert a.models.model(model_id).metadata_cid == cid("new meta")
    assert a.models.registration(model_id).metadata_cid == cid("parent meta")
    _nothing_sent(a, lambda: a.models.set_manager(a.stranger, model_id, None), NotModelOwnerError,
                  "appoints its manager")  # fmt: skip


def test_community_model_split(actors: ModelActors) -> None:
    a = actors
    data_id = a.dataset()
    order = a.order(a.licensee, data_id)  # the winner trained on it
    provenance = Provenance(datasets=(DatasetUse(data_id, order),), netuid=2, epoch=5)
    register = a.models.register_community
    _nothing_sent(a, lambda: register(a.trainer, cid("w"), cid("wm"), provenance,
                                      a.licensee.address), NotModelOwnerError,
                  "does not hold the community role")  # fmt: skip
    role = a.chain.call(a.models.nft.functions.COMMUNITY_ROLE())
    a.chain.transact(a.admin, a.models.nft.functions.grantRole(role, a.trainer.address))
    model_id = register(a.trainer, cid("w"), cid("wm"), provenance, a.licensee.address, 300)
    record, reg = a.models.model(model_id), a.models.registration(model_id)
    assert record.community and record.owner == a.trainer.address and reg.splits_match
    treasury = a.models.treasury()
    assert [(s.account, s.bps) for s in reg.recipients] == [
        (a.licensee.address, 5_000), (a.publisher.address, 3_000), (treasury, 2_000)]  # fmt: skip
    _nothing_sent(a, lambda: register(a.trainer, cid("w2"), cid("wm2"), provenance,
                                      a.licensee.address), Exception,
                  f"already has a community model ({model_id})")  # fmt: skip
