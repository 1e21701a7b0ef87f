"""The bulk path: many transactions from one sender, pre-signed and sent in JSON-RPC batches.

Signing uses :class:`~noosphere.chain.signer.FastSigner`; transactions go out in batches of
``batch`` ``eth_sendRawTransaction`` calls per HTTP request, and receipts are collected in
batches too. Used by airdrops, simulations and benchmarks.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

from eth_account.signers.local import LocalAccount

from noosphere.chain.client import Chain
from noosphere.chain.reverts import decode_revert_data
from noosphere.errors import ChainError, TransactionTimeoutError


@dataclass(frozen=True)
class Call:
    """One transaction of a bulk send."""

    to: str
    data: bytes
    gas: int
    value: int = 0


@dataclass(frozen=True)
class BulkResult:
    """Outcome of a bulk send: hashes in order and the receipts' status and gas."""

    tx_hashes: list[str]
    statuses: list[int]
    gas_used: list[int]

    @property
    def failed(self) -> list[int]:
        """Indices of transactions that reverted."""
        return [i for i, status in enumerate(self.statuses) if status != 1]


def _batch(chain: Chain, requests: list[tuple[str, list[object]]]) -> list[dict]:
    responses = chain.w3.provider.make_batch_request(requests)  # type: ignore[attr-defined,arg-type]
    if not isinstance(responses, list):
        raise ChainError(f"batch request failed: {responses.get('error')}")
    return responses


def send_bulk(
    chain: Chain,
    sender: LocalAccount,
    calls: Sequence[Call],
    *,
    batch: int = 250,
    timeout: float | None = None,
) -> BulkResult:
    """Pre-sign ``calls`` with consecutive nonces, send them in batches, and wait for all."""
    if not calls:
        return BulkResult([], [], [])
    signer = chain.signer(sender)
    max_fee, priority = chain.fees()
    chain_id = chain.chain_id
    hashes: list[str] = []
    outbox: queue.Queue[list[str] | None] = queue.Queue(maxsize=8)
    failure: list[BaseException] = []

    def post_batches() -> None:
        # Sends while the caller's thread signs the next batch (the pipelining).
        while (raws := outbox.get()) is not None:
            if failure:
                continue
            try:
                responses = _batch(chain, [("eth_sendRawTransaction", [raw]) for raw in raws])
                rejected = [r["error"] for r in responses if "error" in r]
                if rejected:
                    raise ChainError(
                        f"the node rejected {len(rejected)} of {len(raws)} transactions: "
                        f"{rejected[0].get('message', rejected[0])}"
                    )
            except BaseException as exc:
                failure.append(exc)

    with chain.nonces.lock(sender.address):
        first = chain.nonces.take(sender.address, len(calls))
        poster = threading.Thread(target=post_batches, daemon=True)
        poster.start()
        try:
            for start in range(0, len(calls), batch):
                raws = []
                for i in range(start, min(start + batch, len(calls))):
                    c = calls[i]
                    signed = signer.sign(chain_id=chain_id, nonce=first + i, to=c.to,
                                         data=c.data, gas=c.gas, max_fee=max_fee,
                                         priority_fee=priority, value=c.value)  # fmt: skip
                    raws.append("0x" + signed.raw.hex())
                    hashes.append("0x" + signed.hash.hex())
                outbox.put(raws)
                if failure:
                    break
        finally:
            outbox.put(None)
            poster.join()
        if failure:
            chain.nonces.resync(sender.address)
            raise failure[0]
    statuses, gas_used = _wait_all(chain, hashes, timeout or chain.tx_timeout, batch)
    return BulkResult(hashes, statuses, gas_used)


def _wait_all(
    chain: Chain, hashes: list[str], timeout: float, batch: int
) -> tuple[list[int], list[int]]:
    statuses: dict[str, int] = {}
    gas: dict[str, int] = {}
    deadline = time.monotonic() + timeout
    # One sender's transactions are mined in nonce order: once the last has a receipt, the
    # others have one too, so poll one hash and then fetch every receipt in a few batches.
    while _batch(chain, [("eth_getTransactionReceipt", [hashes[-1]])])[0].get("result") is None:
        if time.monotonic() > deadline:
            break
        time.sleep(0.005)
    pending = list(hashes)
    while pending:
        still = []
        for start in range(0, len(pending), batch):
            chunk = pending[start : start + batch]
            responses = _batch(chain, [("eth_getTransactionReceipt", [h]) for h in chunk])
            for tx_hash, response in zip(chunk, responses, strict=True):
                receipt = response.get("result")
                if receipt is None:
                    still.append(tx_hash)
                else:
                    statuses[tx_hash] = int(receipt["status"], 16)
                    gas[tx_hash] = int(receipt["gasUsed"], 16)
        pending = still
        if pending:
            if time.monotonic() > deadline:
                raise TransactionTimeoutError(
                    f"{len(pending)} of {len(hashes)} transactions have no receipt after "
                    f"{timeout:.0f} s"
                )
            time.sleep(0.01)
    return [statuses[h] for h in hashes], [gas[h] for h in hashes]


__all__ = ["BulkResult", "Call", "decode_revert_data", "send_bulk"]
