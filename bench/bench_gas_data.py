"""Gas of the data market's operations on anvil vs the issue's targets and Ocean's figures.

DataNFT and Licences are deployed afresh (2.5 % fee) next to the NOOS of a throwaway protocol
on anvil (the protocol's hardfork), and driven through a dataset's life: publications with
realistic texts (metadata and content CIDs computed as CIDv1, 59 characters each, a 44-character
provider URL and 3 recipe hashes), licence purchases, orders, the single-transaction
buy-and-order, a withdrawal and a fee collection. The figures are the receipts' ``gasUsed`` (the
whole transaction: 21,000, calldata and execution); every measured transaction is mined in a
block of its own and its effect is checked.

Targets (issue): publish <= 400 k in one transaction, buy a licence and start an order in one
transaction <= 150 k. Ocean Protocol's figures quoted by the issue are the baseline: its NFT +
datatoken + fixed-rate bundle costs 1.92 M to publish and its buy-and-order 285 k. The targets
apply to every variant measured: the first dataset of a fresh DataNFT (which also creates the
dataset counter), a first-time buyer (who pays nothing extra: buy-and-order mints no licence) and
a sale after the owner withdrew (which re-creates the owner's credit). The first sale of a fresh
Licences contract, which also creates the contract's token balance, fee accrual and order
counter, is measured on ``buy`` and shown for information.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from eth_account.signers.local import LocalAccount
from web3.contract import Contract
from web3.contract.contract import ContractFunction

from bench._anvil import bench_protocol
from bench._gas import check, fresh_accounts
from bench._report import record, table
from noosphere.chain.accounts import dev_account
from noosphere.chain.client import Chain
from noosphere.chain.devnet import HARDFORK
from noosphere.storage.cid import block_cid, to_v1

BENCH = "gas_data"
UNIT = 10**18
PRICE = 5 * UNIT
FEE_BPS = 250
VALIDITY = 30 * 86_400  # an order is valid for 30 days
USES = 1 | 2  # training and inference
SERVICE = 0
MAX = 2**256 - 1
ENDPOINT = "https://provider-1.noosphere.example:8443/v1"
# A fixed gas limit for every measured transaction (gasUsed does not depend on it).
GAS_LIMIT = 2_000_000


@dataclass(frozen=True)
class Row:
    """One measured figure: key, operation, variant, target and Ocean's figure (if any)."""

    key: str
    operation: str
    variant: str
    target: int | None = None
    ocean: int | None = None


ROWS = [
    Row("publish.first_ever", "publish", "first dataset of the contract", 400_000, 1_920_000),
    Row("publish.new_owner", "publish", "publisher's first dataset", 400_000, 1_920_000),
    Row("publish.steady", "publish", "publisher's next dataset", 400_000, 1_920_000),
    Row("buy.first_ever", "buy 1 licence", "first sale of the contract"),
    Row("buy.first", "buy 1 licence", "buyer's first licence"),
    Row("buy.steady", "buy 1 licence", "buyer holds licences"),
    Row("buy.five", "buy 5 licences", "buyer holds licences"),
    Row("order.steady", "start_order", "licences left after it"),
    Row("order.last", "start_order", "buyer's last licence"),
    Row("buy_and_order.first_time", "buy_and_order", "first-time buyer", 150_000, 285_000),
    Row("buy_and_order.steady", "buy_and_order", "buyer that bought before", 150_000, 285_000),
    Row("buy_and_order.after_withdraw", "buy_and_order", "owner's credit was withdrawn",
        150_000, 285_000),
    Row("withdraw", "withdraw", "owner's credit"),
    Row("collect_fees", "collect_fees", "accrued fees to the treasury"),
]  # fmt: skip


def cid(label: str) -> str:
    """A real CIDv1 (dag-pb, base32, 59 characters) of a deterministic block."""
    return to_v1(block_cid(f"noosphere-bench:{BENCH}:{label}".encode()))


def recipes(label: str) -> list[bytes]:
    return [hashlib.sha256(f"{label}:recipe{i}".encode()).digest() for i in range(3)]


class Run:
    """The deployed market, the actors, and the gas measured so far."""

    def __init__(self, chain: Chain, noos: Contract, nft: Contract, licences: Contract) -> None:
        self.chain, self.noos, self.nft, self.licences = chain, noos, nft, licences
        self.gas: dict[str, int] = {}

    def send(self, account: LocalAccount, fn: ContractFunction, key: str = "") -> None:
        receipt = self.chain.transact(account, fn, gas=GAS_LIMIT)
        if key:
            self.gas[key] = receipt.gas_used

    def publish(self, owner: LocalAccount, label: str, key: str) -> int:
        fn = self.nft.functions.publish(
            cid(f"{label}:metadata"), cid(f"{label}:content"), ENDPOINT, PRICE,
            self.noos.address, VALIDITY, USES, recipes(label),
        )  # fmt: skip
        self.send(owner, fn, key)
        data_id = int(self.nft.functions.data_count().call())
        check(self.nft.functions.ownerOf(data_id), owner.address)
        check(self.nft.functions.metadata_cid(data_id), cid(f"{label}:metadata"))
        return data_id


def measure(run: Run, deployer: LocalAccount, accounts: list[LocalAccount]) -> dict[str, int]:
    """Drive the market through a dataset's life; return gas used per row key."""
    publisher, other_publisher, buyer, newcomer, consumer = accounts
    lic, noos = run.licences.functions, run.noos.functions
    for account in (buyer, newcomer):
        run.send(deployer, noos.transfer(account.address, 1_000 * UNIT))
        run.send(account, noos.approve(run.licences.address, MAX))

    data_id = run.publish(publisher, "a", "publish.first_ever")
    run.publish(other_publisher, "b", "publish.new_owner")
    run.publish(publisher, "c", "publish.steady")

    # Licences: the contract's first sale, then a buyer's first licence and its next ones.
    run.send(buyer, lic.buy(data_id, 1, PRICE), "buy.first_ever")
    run.send(newcomer, lic.buy(data_id, 1, PRICE), "buy.first")
    run.send(buyer, lic.buy(data_id, 1, PRICE), "buy.steady")
    run.send(buyer, lic.buy(data_id, 5, PRICE), "buy.five")
    check(lic.balanceOf(buyer.address, data_id), 7)

    # Orders from held licences: one of several, then the newcomer's only one.
    run.send(buyer, lic.start_order(data_id, consumer.address, SERVICE), "order.steady")
    run.send(newcomer, lic.start_order(data_id, consumer.address, SERVICE), "order.last")
    check(lic.balanceOf(newcomer.address, data_id), 0)
    check(lic.order_valid(2, consumer.address), True)

    # Buy-and-order: a buyer that never bought this way (or at all), then the steady state.
    fresh = fresh_accounts(run.chain, deployer, f"{BENCH}:fresh", 1)[0]
    run.send(deployer, noos.transfer(fresh.address, 100 * UNIT))
    run.send(fresh, noos.approve(run.licences.address, MAX))
    args = (data_id, consumer.address, SERVICE, PRICE)
    run.send(fresh, lic.buy_and_order(*args), "buy_and_order.first_time")
    run.send(buyer, lic.buy_and_order(*args), "buy_and_order.steady")
    orders = int(lic.order_count().call())
    check(lic.order_valid(orders, consumer.address), True)

    # Pull payment: the owner withdraws; the next sale re-creates its credit.
    credit = int(lic.pending(publisher.address, run.noos.address).call())
    run.send(publisher, lic.withdraw(run.noos.address), "withdraw")
    check(noos.balanceOf(publisher.address), credit)
    run.send(buyer, lic.buy_and_order(*args), "buy_and_order.after_withdraw")
    run.send(buyer, lic.collect_fees(run.noos.address), "collect_fees")
    check(lic.fees(run.noos.address), 0)
    return run.gas


def main() -> None:
    """Measure the data market on anvil and print the comparison with targets and Ocean."""
    deployer = dev_account(0)
    with bench_protocol() as protocol:
        chain = protocol.chain
        noos = chain.contract("noos", protocol.manifest.address("noos"))
        treasury = fresh_accounts(chain, deployer, f"{BENCH}:treasury", 1)[0]
        nft_address = chain.deploy(
            deployer, "datanft", "Noosphere Data", "NDATA", noos.address
        ).contract_address
        assert nft_address is not None
        lic_address = chain.deploy(
            deployer, "licences", nft_address, treasury.address, FEE_BPS, "noosphere://data/{id}"
        ).contract_address
        assert lic_address is not None
        run = Run(
            chain,
            noos,
            chain.contract("datanft", nft_address),
            chain.contract("licences", lic_address),
        )
        accounts = fresh_accounts(chain, deployer, BENCH, 5)
        gas = measure(run, deployer, accounts)

    rows: list[list[object]] = []
    for row in ROWS:
        value = gas[row.key]
        ok = row.target is None or value <= row.target
        verdict = "" if row.target is None else ("OK" if ok else "MISSED")
        ratio = "" if row.ocean is None else f"{value / row.ocean:.3f}"
        rows.append([
            row.operation, row.variant, f"{value:,}",
            "" if row.target is None else f"<= {row.target:,}", verdict,
            "" if row.ocean is None else f"{row.ocean:,}", ratio,
        ])  # fmt: skip
        extra: dict[str, object] = {}
        if row.target is not None:
            extra = {"target": row.target, "ok": ok}
        record(BENCH, row.key, value, "gas", **extra)
        if row.ocean is not None:
            record(BENCH, f"{row.key}.ratio", value / row.ocean, "noosphere/ocean")
    table(
        "Data market gas per transaction (receipt gasUsed) on anvil, vs targets and Ocean",
        ["operation", "variant", "gas", "target", "status", "Ocean", "ours/Ocean"],
        rows,
    )
    print(
        f"  texts: two CIDv1 of {len(cid('x'))} characters, a {len(ENDPOINT)}-character URL, "
        f"3 recipe hashes; fee {FEE_BPS} bps; anvil hardfork {HARDFORK}"
    )
    print(
        "  Ocean: the issue's figures (NFT + datatoken + fixed-rate publish 1.92 M; "
        "buy-and-order 285 k)"
    )


if __name__ == "__main__":
    main()
