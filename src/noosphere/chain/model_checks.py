"""Checks of the model contracts' inputs that need no chain: CIDs, splits, royalties, the shape
of a provenance, licence terms. Used by :mod:`noosphere.chain.models` before anything is sent;
each refusal names the field and what to do."""

from __future__ import annotations

from collections.abc import Iterable

from noosphere.chain.data_terms import check_price, check_validity
from noosphere.chain.model_types import (
    BPS,
    MAX_DATASETS,
    MAX_PARENTS,
    MAX_RECIPIENTS,
    MAX_ROYALTY_BPS,
    Provenance,
    Split,
)
from noosphere.chain.token import checked_address
from noosphere.errors import InputError, NoosphereError, SplitError
from noosphere.storage.cid import parse_cid


def cid_bytes(cid: str | bytes, what: str) -> bytes:
    """The binary form of a CID the contract accepts (sha2-256, dag-pb or raw, v0 or v1)."""
    try:
        return bytes(parse_cid(cid))
    except NoosphereError as error:  # InvalidCidError
        raise InputError(f"{what}: {error.message}", hint=error.hint) from None


def check_model_id(model_id: int) -> int:
    """A model id: a positive integer."""
    if isinstance(model_id, bool) or not isinstance(model_id, int) or model_id <= 0:
        raise InputError(f"model id {model_id!r} is not a positive integer", hint="ids start at 1")
    return model_id


def check_royalty(bps: int) -> int:
    """A royalty in basis points: 0 … 5,000 (50 %)."""
    if isinstance(bps, bool) or not isinstance(bps, int) or not 0 <= bps <= MAX_ROYALTY_BPS:
        raise InputError(
            f"royalty: {bps!r} basis points is out of bounds",
            hint=f"0 to {MAX_ROYALTY_BPS:,} (50 %): the share parents' derivatives forward",
        )
    return bps


def check_splits(recipients: Iterable[Split | tuple[str, int]]) -> tuple[Split, ...]:
    """1 to 10 recipients with non-zero addresses and shares summing to exactly 10,000 bps."""
    splits: list[Split] = []
    for item in recipients:
        account, bps = (item.account, item.bps) if isinstance(item, Split) else item
        address = checked_address(account, "split recipient")
        if int(address, 16) == 0:
            raise SplitError("split: the zero address cannot receive a share",
                             hint="name a real account (ADDRESS=BPS)")  # fmt: skip
        if isinstance(bps, bool) or not isinstance(bps, int) or bps <= 0:
            raise SplitError(f"split: the share of {address} must be a positive number of "
                             f"basis points, not {bps!r}")  # fmt: skip
        splits.append(Split(address, bps))
    if not splits:
        raise SplitError("split: name at least one recipient", hint="ADDRESS=BPS, e.g. 0x…=10000")
    if len(splits) > MAX_RECIPIENTS:
        raise SplitError(f"split: {len(splits)} recipients, more than the {MAX_RECIPIENTS} "
                         "allowed")  # fmt: skip
    total = sum(s.bps for s in splits)
    if total != BPS:
        raise SplitError(
            f"split: the shares sum to {total:,} basis points, not 10,000",
            hint="10,000 bps = 100 %; e.g. 6000 + 4000",
        )
    return tuple(splits)


def check_provenance_shape(provenance: Provenance) -> Provenance:
    """At most 8 datasets and 4 parents, parents strictly increasing, every dataset with an
    order or a receipt."""
    if not isinstance(provenance, Provenance):
        raise InputError("provenance: expected a Provenance")
    if len(provenance.datasets) > MAX_DATASETS:
        raise InputError(f"provenance: {len(provenance.datasets)} datasets, more than the "
                         f"{MAX_DATASETS} allowed")  # fmt: skip
    if len(provenance.parents) > MAX_PARENTS:
        raise InputError(f"provenance: {len(provenance.parents)} parents, more than the "
                         f"{MAX_PARENTS} allowed")  # fmt: skip
    previous = 0
    for parent in provenance.parents:
        if parent <= 0:
            raise InputError(f"parent: {parent} is not a model id", hint="ids start at 1")
        if parent <= previous:
            raise InputError(
                f"parents: {', '.join(map(str, provenance.parents))} are not strictly increasing",
                hint="list each parent once, in increasing order",
            )
        previous = parent
    for use in provenance.datasets:
        if use.data_id <= 0:
            raise InputError(f"dataset: {use.data_id} is not a data id", hint="ids start at 1")
        if use.order_id == 0 and not use.has_receipt:
            raise InputError(
                f"dataset {use.data_id}: give the order it was bought under or a "
                "compute-to-data receipt",
                hint="DATA_ID:ORDER_ID or DATA_ID@RECEIPT.json",
            )
    return provenance


def check_terms(price: int, validity: int) -> tuple[int, int]:
    """A licence price (0: take the kind off sale) and a validity (seconds, ignored at 0)."""
    if price == 0 and not isinstance(price, bool):
        return 0, 0
    return check_price(price), check_validity(validity)


__all__ = [
    "check_model_id",
    "check_provenance_shape",
    "check_royalty",
    "check_splits",
    "check_terms",
    "cid_bytes",
]
