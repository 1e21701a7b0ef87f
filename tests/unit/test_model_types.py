"""The model contracts' values in Python: the provenance and split hashes as the contracts
compute them, licence kinds, and the mapping of every revert string to its specific error."""

from __future__ import annotations

import pytest
from eth_abi import encode
from eth_utils import keccak

from noosphere.chain.model_reads import refusal
from noosphere.chain.model_types import (
    DatasetUse,
    ParentShare,
    Provenance,
    Split,
    kind_name,
    kind_of,
    splits_hash,
)
from noosphere.errors import (
    InputError,
    LicenceNotForSaleError,
    ModelDelistedError,
    ModelMarketError,
    ModelNotFoundError,
    ModelPriceAboveMaxError,
    NothingToWithdrawError,
    NotModelOwnerError,
    ProvenanceError,
    SplitError,
    TransactionRevertedError,
)

A = "0x" + "aa" * 20


def test_provenance_hash_is_the_abi_encoding_of_the_struct() -> None:
    p = Provenance(datasets=(DatasetUse(1, 2), DatasetUse(3, 0, b"\x07" * 32)), parents=(4, 9),
                   compute_job=5, recipe=b"\x01" * 32, netuid=6, epoch=7,
                   training_run=b"\x02" * 32)  # fmt: skip
    struct = "((uint256,uint256,bytes32)[],uint256[],uint256,bytes32,uint256,uint256,bytes32)"
    value = ([(1, 2, b"\0" * 32), (3, 0, b"\x07" * 32)], [4, 9], 5, b"\x01" * 32, 6, 7,
             b"\x02" * 32)  # fmt: skip
    assert p.hash() == keccak(encode([struct], [value]))
    assert Provenance.from_abi(p.as_abi()) == p
    assert Provenance(datasets=[(1, 2, b"\0" * 32)]).datasets == (DatasetUse(1, 2),)  # type: ignore[list-item]
    assert Provenance().hash() != p.hash()


def test_splits_hash() -> None:
    recipients = (Split(A, 10_000),)
    parents = (ParentShare(3, 500),)
    expected = keccak(encode(["(address,uint256)[]", "(uint256,uint256)[]"],
                             [[(A, 10_000)], [(3, 500)]]))  # fmt: skip
    assert splits_hash(recipients, parents) == expected


@pytest.mark.parametrize(
    ("bad", "fragment"),
    [
        ({"recipe": b"short"}, "recipe hash"),
        ({"training_run": "0x" + "00" * 32}, "training-run hash"),
        ({"parents": (-1,)}, "parent model id"),
        ({"epoch": 2**256}, "epoch"),
        ({"datasets": ((1, 0, b"\0" * 31),)}, "receipt hash"),
    ],
)
def test_malformed_provenance(bad: dict[str, object], fragment: str) -> None:
    with pytest.raises(InputError, match=fragment):
        Provenance(**bad)  # type: ignore[arg-type]


def test_kinds() -> None:
    assert [kind_of(k) for k in ("inference", "Fine-Tune", "fine_tune", "commercial", "2", 0)] == [
        0, 1, 1, 2, 2, 0]  # fmt: skip
    assert kind_name(1) == "fine-tune"
    for bad in ("lease", 3, True, "-1"):
        with pytest.raises(InputError, match="is unknown"):
            kind_of(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("reason", "error"),
    [
        ("modelnft: unknown model id", ModelNotFoundError),
        ("model_licences: unknown model", ModelNotFoundError),
        ("model_licences: model is delisted", ModelDelistedError),
        ("modelnft: parent is delisted", ProvenanceError),
        ("modelnft: unknown parent", ProvenanceError),
        ("modelnft: parents not strictly increasing", ProvenanceError),
        ("modelnft: parent not owned or licensed for fine-tuning", ProvenanceError),
        ("modelnft: parents' royalties exceed maximum", ProvenanceError),
        ("modelnft: unknown dataset", ProvenanceError),
        ("modelnft: order is for another dataset", ProvenanceError),
        ("modelnft: order not started for the registrant", ProvenanceError),
        ("modelnft: dataset without order or receipt", ProvenanceError),
        ("licences: unknown order", ProvenanceError),
        ("model_licences: licence kind not for sale", LicenceNotForSaleError),
        ("model_licences: price above max_price", ModelPriceAboveMaxError),
        ("model_licences: nothing to withdraw", NothingToWithdrawError),
        ("model_licences: nothing to distribute", ModelMarketError),
        ("model_licences: split does not match the model", ModelMarketError),
        ("modelnft: splits do not sum to 10,000", SplitError),
        ("modelnft: zero address in splits", SplitError),
        ("modelnft: zero share in splits", SplitError),
        ("modelnft: caller is not the owner or manager", NotModelOwnerError),
        ("modelnft: caller is not the owner", NotModelOwnerError),
        ("access_control: account is missing role", NotModelOwnerError),
        ("model_licences: payment token not allowed", ModelMarketError),
        ("modelnft: epoch already has a community model", ModelMarketError),
    ],
)
def test_every_revert_maps_to_its_error(reason: str, error: type[Exception]) -> None:
    mapped = refusal(TransactionRevertedError(reason), 4)
    assert type(mapped) is error
    assert reason in str(mapped)


def test_an_unknown_revert_stays_as_it_is() -> None:
    original = TransactionRevertedError("erc721: invalid token ID")
    assert refusal(original) is original
