"""Gas of the model contracts' operations on anvil vs the issue's targets.

The data market (DataNFT, Licences) and the model contracts (ModelNFT, ModelLicences, 2.5 % fee)
are deployed afresh next to the NOOS of a throwaway protocol on anvil (the protocol's hardfork),
and driven through a model's life: a base model, then fine-tunes registered with a provenance of
3 entries (2 datasets bought on the data market with their order ids, and the base model as
parent, for which the registrant bought a fine-tune licence), a compute job, a subnet and epoch,
recipe and training-run hashes, and a split between 4 recipients; licence purchases, a royalty
payment, the distributions through the lineage and the withdrawals. The figures are the
receipts' ``gasUsed`` (the whole transaction: 21,000, calldata and execution); every measured
transaction is mined in a block of its own and its effect is checked.

Targets (issue): register <= 250 k with 3 provenance entries and 4 split recipients, buy a
licence <= 120 k, withdraw <= 50 k. They apply to every variant measured except three one-offs
shown for information: the contract's first model (which also creates the model counter), the
contract's first sale (which also creates the contract's token balance and fee accrual), and a
withdrawal to an account that holds no NOOS (the token's balance slot of the recipient is created,
22,100 gas of NOOS's own that no contract of ours can save).
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
from noosphere.storage.cid import DAG_PB, block_cid, to_v1

BENCH = "gas_models"
UNIT = 10**18
DATA_PRICE = 5 * UNIT
LICENCE_PRICE = 20 * UNIT
FEE_BPS = 250
VALIDITY = 30 * 86_400
INFERENCE, FINE_TUNE = 0, 1
MAX = 2**256 - 1
SHARES = (4_000, 3_000, 2_000, 1_000)
# A fixed gas limit for every measured transaction (gasUsed does not depend on it).
GAS_LIMIT = 2_000_000


@dataclass(frozen=True)
class Row:
    """One measured figure: key, operation, variant and target (if any)."""

    key: str
    operation: str
    variant: str
    target: int | None = None


ROWS = [
    Row("register.first_ever", "register (base)", "first model of the contract"),
    Row("register.steady", "register 3 prov. + 4 splits", "registrant's next model", 250_000),
    Row("register.new_owner", "register 3 prov. + 4 splits", "registrant's first model",
        250_000),
    Row("set_terms", "set_terms", "one licence kind"),
    Row("buy.first_ever", "buy a licence", "first sale of the contract"),
    Row("buy.first", "buy a licence", "first-time buyer", 120_000),
    Row("buy.renewal", "buy a licence", "holder extends its licence", 120_000),
    Row("buy.after_distribute", "buy a licence", "model balance was distributed", 120_000),
    Row("pay_royalty", "pay_royalty", "ERC-2981 royalty to a model"),
    Row("distribute.child", "distribute", "4 recipients + 1 parent"),
    Row("distribute.parent", "distribute", "1 recipient, no parent"),
    Row("withdraw.holder", "withdraw", "recipient holds NOOS", 50_000),
    Row("withdraw.fresh", "withdraw", "recipient holds no NOOS"),
    Row("collect_fees", "collect_fees", "accrued fees to the treasury"),
]  # fmt: skip


def cid(label: str) -> bytes:
    """A real binary CIDv1 (dag-pb, sha2-256, 36 bytes) of a deterministic block."""
    return bytes(block_cid(f"noosphere-bench:{BENCH}:{label}".encode(), DAG_PB).set(version=1))


def digest(label: str) -> bytes:
    return hashlib.sha256(f"{BENCH}:{label}".encode()).digest()


def provenance(datasets: list[tuple[int, int]], parents: list[int], label: str) -> tuple:
    """ModelNFT's provenance struct: ordered datasets, parents, job, recipe, subnet, run."""
    uses = [(data_id, order_id, b"\x00" * 32) for data_id, order_id in datasets]
    return (uses, parents, 7, digest(f"{label}:recipe"), 3, 1_200, digest(f"{label}:run"))


class Run:
    """The deployed contracts, the actors, and the gas measured so far."""

    def __init__(self, chain: Chain, noos: Contract, contracts: dict[str, Contract]) -> None:
        self.chain, self.noos = chain, noos
        self.datanft, self.data_licences = contracts["datanft"], contracts["licences"]
        self.nft, self.licences = contracts["modelnft"], contracts["model_licences"]
        self.gas: dict[str, int] = {}

    def send(self, account: LocalAccount, fn: ContractFunction, key: str = "") -> None:
        receipt = self.chain.transact(account, fn, gas=GAS_LIMIT)
        if key:
            self.gas[key] = receipt.gas_used

    def order(self, buyer: LocalAccount, data_id: int) -> int:
        """Buy and start an order of a dataset for ``buyer``; return its order id."""
        lic = self.data_licences.functions
        self.send(buyer, lic.buy_and_order(data_id, buyer.address, 0, DATA_PRICE))
        return int(lic.order_count().call())

    def register(
        self,
        owner: LocalAccount,
        label: str,
        prov: tuple,
        recipients: list[tuple[str, int]],
        key: str = "",
    ) -> int:
        fn = self.nft.functions.register(
            cid(f"{label}:onnx"), cid(f"{label}:card"), prov, recipients, 500
        )
        self.send(owner, fn, key)
        model_id = int(self.nft.functions.model_count().call())
        check(self.nft.functions.ownerOf(model_id), owner.address)
        return model_id


def measure(run: Run, deployer: LocalAccount, accounts: list[LocalAccount]) -> dict[str, int]:
    """Drive the contracts through a model's life; return gas used per row key."""
    publisher, base_owner, trainer, newcomer, buyer, other_buyer, *people = accounts
    noos, nft, lic = run.noos.functions, run.nft.functions, run.licences.functions
    for account in (base_owner, trainer, newcomer, buyer, other_buyer):
        run.send(deployer, noos.transfer(account.address, 1_000 * UNIT))
        run.send(account, noos.approve(run.data_licences.address, MAX))
        run.send(account, noos.approve(run.licences.address, MAX))

    data_ids = []
    for label in ("a", "b"):
        run.send(publisher, run.datanft.functions.publish(
            to_v1(cid(f"data-{label}")), to_v1(cid(f"content-{label}")), "https://p.example/v1",
            DATA_PRICE, run.noos.address, VALIDITY, 1, [],
        ))  # fmt: skip
        data_ids.append(int(run.datanft.functions.data_count().call()))

    # The base model: all to its owner; its fine-tune licence is for sale.
    base = run.register(
        base_owner, "base", provenance([], [], "base"), [(base_owner.address, 10_000)],
        "register.first_ever",
    )  # fmt: skip
    run.send(base_owner, nft.set_terms(base, FINE_TUNE, LICENCE_PRICE, run.noos.address, VALIDITY),
             "set_terms")  # fmt: skip
    run.send(trainer, lic.buy(base, FINE_TUNE, LICENCE_PRICE), "buy.first_ever")
    run.send(newcomer, lic.buy(base, FINE_TUNE, LICENCE_PRICE))

    # Fine-tunes with 2 ordered datasets + the base as parent and 4 recipients.
    recipients = [(p.address, bps) for p, bps in zip(people, SHARES, strict=True)]
    first = run.register(
        trainer, "warm-up",
        provenance([(d, run.order(trainer, d)) for d in data_ids], [base], "warm-up"), recipients,
    )  # fmt: skip
    child = run.register(
        trainer, "child",
        provenance([(d, run.order(trainer, d)) for d in data_ids], [base], "child"), recipients,
        "register.steady",
    )  # fmt: skip
    run.register(
        newcomer, "newcomer",
        provenance([(d, run.order(newcomer, d)) for d in data_ids], [base], "newcomer"),
        recipients, "register.new_owner",
    )  # fmt: skip
    check(nft.model_count(), 4)
    check(nft.splits_hash(first), nft.splits_hash(child).call())

    # Licences of the child: a first-time buyer, a renewal, a royalty.
    run.send(trainer, nft.set_terms(child, INFERENCE, LICENCE_PRICE, run.noos.address, VALIDITY))
    run.send(buyer, lic.buy(child, INFERENCE, LICENCE_PRICE), "buy.first")
    run.send(buyer, lic.buy(child, INFERENCE, LICENCE_PRICE), "buy.renewal")
    check(lic.licence_valid(buyer.address, child, INFERENCE), True)
    run.send(buyer, lic.pay_royalty(child, run.noos.address, 3 * UNIT), "pay_royalty")

    # Distribution: the child's balance to its 4 recipients and the base; then the base's.
    parents = [(base, 500)]
    run.send(buyer, lic.distribute(child, run.noos.address, recipients, parents),
             "distribute.child")  # fmt: skip
    check(lic.model_balance(child, run.noos.address), 0)
    run.send(buyer, lic.distribute(base, run.noos.address, [(base_owner.address, 10_000)], []),
             "distribute.parent")  # fmt: skip
    run.send(other_buyer, lic.buy(child, INFERENCE, LICENCE_PRICE), "buy.after_distribute")

    # Withdrawals: the base owner holds NOOS; the recipients of the child do not.
    credit = int(lic.pending(base_owner.address, run.noos.address).call())
    held = int(noos.balanceOf(base_owner.address).call())
    run.send(base_owner, lic.withdraw(run.noos.address), "withdraw.holder")
    check(noos.balanceOf(base_owner.address), held + credit)
    fresh = people[0]
    credit = int(lic.pending(fresh.address, run.noos.address).call())
    run.send(fresh, lic.withdraw(run.noos.address), "withdraw.fresh")
    check(noos.balanceOf(fresh.address), credit)
    run.send(buyer, lic.collect_fees(run.noos.address), "collect_fees")
    check(lic.fees(run.noos.address), 0)
    return run.gas


def deploy(chain: Chain, deployer: LocalAccount, noos: str, treasury: str) -> dict[str, Contract]:
    """Deploy the data market and the model contracts, and wire them."""
    addresses: dict[str, str] = {}

    def one(name: str, *args: object) -> None:
        address = chain.deploy(deployer, name, *args).contract_address
        assert address is not None
        addresses[name] = address

    one("datanft", "Noosphere Data", "NDATA", noos)
    one("licences", addresses["datanft"], treasury, FEE_BPS, "noosphere://data/{id}")
    one("modelnft", "Noosphere Models", "NMOD", noos, addresses["licences"])
    one("model_licences", addresses["modelnft"], treasury, FEE_BPS, "noosphere://models/{id}")
    contracts = {name: chain.contract(name, address) for name, address in addresses.items()}
    chain.transact(
        deployer, contracts["modelnft"].functions.set_licences(addresses["model_licences"])
    )
    return contracts


def main() -> None:
    """Measure the model contracts on anvil and print the comparison with the targets."""
    deployer = dev_account(0)
    with bench_protocol() as protocol:
        chain = protocol.chain
        noos = chain.contract("noos", protocol.manifest.address("noos"))
        treasury = fresh_accounts(chain, deployer, f"{BENCH}:treasury", 1)[0]
        contracts = deploy(chain, deployer, noos.address, treasury.address)
        run = Run(chain, noos, contracts)
        gas = measure(run, deployer, fresh_accounts(chain, deployer, BENCH, 10))

    rows: list[list[object]] = []
    for row in ROWS:
        value = gas[row.key]
        ok = row.target is None or value <= row.target
        verdict = "" if row.target is None else ("OK" if ok else "MISSED")
        target = "" if row.target is None else f"<= {row.target:,}"
        rows.append([row.operation, row.variant, f"{value:,}", target, verdict])
        extra: dict[str, object] = {}
        if row.target is not None:
            extra = {"target": row.target, "ok": ok}
        record(BENCH, row.key, value, "gas", **extra)
    table(
        "Model contracts gas per transaction (receipt gasUsed) on anvil, vs the issue's targets",
        ["operation", "variant", "gas", "target", "status"],
        rows,
    )
    print(
        f"  register: two binary CIDv1 (36 bytes), 2 datasets with order ids + 1 parent, "
        f"4 recipients {SHARES}; fee {FEE_BPS} bps; anvil hardfork {HARDFORK}"
    )


if __name__ == "__main__":
    main()
