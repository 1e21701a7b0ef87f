"""Whether a model licence was valid at a past time, from the chain's events alone.

ModelLicences keeps one expiry per holder and licence id (``model_id * 4 + kind``): a purchase
(``LicenceBought``) sets the buyer's expiry, an ERC-1155 transfer (``TransferSingle`` /
``TransferBatch`` with amount 1) moves the sender's expiry whole to the receiver, and a
delisted model's licences are not valid (``Delisted`` / ``Relisted``). Replaying those events in
order up to a time gives the state ``licence_valid`` would have returned then (docs/models.md,
"Licences").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from noosphere.chain.model_reads import ModelReader

_IDS_PER_MODEL = 4


def licence_valid_at(
    market: ModelReader, holder: str, model_id: int, kind: int, timestamp: int
) -> bool:
    """True when ``holder``'s licence of ``kind`` of ``model_id`` was valid at ``timestamp``:
    the state after every event of a block whose time is at most ``timestamp``."""
    licence_id = model_id * _IDS_PER_MODEL + kind
    changes: list[tuple[int, int, str, Any]] = []
    for log in market._logs(market.licences, "LicenceBought", model_id=model_id):
        if int(log["args"]["kind"]) == kind:
            changes.append((log["blockNumber"], log["logIndex"], "buy", log["args"]))
    for name in ("TransferSingle", "TransferBatch"):
        for log in market._logs(market.licences, name):
            args = log["args"]
            pairs = ([(args["_id"], args["_value"])] if name == "TransferSingle"
                     else list(zip(args["_ids"], args["_values"], strict=False)))  # fmt: skip
            for token_id, value in pairs:
                if int(token_id) == licence_id and int(value) > 0:
                    changes.append((log["blockNumber"], log["logIndex"], "move", args))
    for name in ("Delisted", "Relisted"):
        for log in market._logs(market.nft, name, model_id=model_id):
            changes.append((log["blockNumber"], log["logIndex"], name, None))
    expiry: dict[str, int] = {}
    delisted = False
    for block, _index, what, args in sorted(changes, key=lambda c: (c[0], c[1])):
        if market.timestamp(int(block)) > timestamp:
            break
        if what == "buy":
            expiry[str(args["buyer"])] = int(args["expiry"])
        elif what == "move":
            sender, receiver = str(args["_from"]), str(args["_to"])
            if int(sender, 16) == 0 or sender == receiver:
                continue  # a mint: the purchase sets the expiry
            moved = expiry.pop(sender, 0)
            if int(receiver, 16) != 0:
                expiry[receiver] = moved
        else:
            delisted = what == "Delisted"
    return not delisted and timestamp < expiry.get(holder, 0)


__all__ = ["licence_valid_at"]
