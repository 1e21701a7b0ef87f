"""Chain client throughput: the bulk path vs naive ``transact()`` + wait, on one anvil.

Target (issue 2): ≥ 1,000 simple token transfers per second through the bulk path.
"""

from __future__ import annotations

import os
import time

from bench._anvil import bench_protocol
from bench._report import record, table
from noosphere.chain.accounts import dev_account
from noosphere.chain.bulk import Call, send_bulk

NAIVE_N = int(os.environ.get("NOOS_BENCH_NAIVE_TX", "200"))
BULK_N = int(os.environ.get("NOOS_BENCH_BULK_TX", "3000"))
TARGET_TPS = 1000


def main() -> None:
    """Measure naive and bulk transfer throughput and print the ratio."""
    with bench_protocol() as protocol:
        chain, token = protocol.chain, protocol.token
        sender = dev_account(0)
        recipients = [dev_account(i).address for i in range(1, 10)]
        contract = token.contract
        w3 = chain.w3

        started = time.perf_counter()
        for i in range(NAIVE_N):
            tx_hash = contract.functions.transfer(recipients[i % 9], 1).transact(
                {"from": sender.address}
            )
            w3.eth.wait_for_transaction_receipt(tx_hash, poll_latency=0.01)
        naive_tps = NAIVE_N / (time.perf_counter() - started)

        calls = [
            Call(
                to=token.address,
                data=bytes.fromhex(contract.encode_abi("transfer", [recipients[i % 9], 1])[2:]),
                gas=60_000,
            )
            for i in range(BULK_N)
        ]
        chain.nonces.resync(sender.address)  # the naive run sent around the nonce manager
        started = time.perf_counter()
        result = send_bulk(chain, sender, calls)
        bulk_tps = BULK_N / (time.perf_counter() - started)
        if result.failed:
            raise RuntimeError(f"{len(result.failed)} bulk transfers failed")

    ratio = bulk_tps / naive_tps
    table(
        "NOOS transfers per second on anvil (same run)",
        ["path", "transfers", "tx/s", "vs naive", "target"],
        [
            ["naive transact()+wait", NAIVE_N, f"{naive_tps:,.0f}", "1.0x", ""],
            [
                "bulk (pre-signed, batched)",
                BULK_N,
                f"{bulk_tps:,.0f}",
                f"{ratio:.1f}x",
                f">= {TARGET_TPS} {'OK' if bulk_tps >= TARGET_TPS else 'MISSED'}",
            ],
        ],
    )
    record("chain", "naive_tps", naive_tps, "tx/s")
    record("chain", "bulk_tps", bulk_tps, "tx/s", ratio=ratio)


if __name__ == "__main__":
    main()
