"""Gas of committing a model (``commitments.commit_model``) on anvil, first time and steady.

The protocol is deployed by ``deploy_protocol`` (default parameters) on a throwaway anvil (the
protocol's hardfork). A subnet gets a 20-block tempo (from epoch 1) and 64 registered miner
hotkeys; two of them commit ONNX model CIDs (CIDv1 dag-pb, 36 bytes), epoch after epoch. The
figures are the receipts' ``gasUsed`` (the whole transaction: 21,000, calldata and execution);
each measured transaction is mined in a block of its own. The batch view is measured as a
transaction of its own (``eth_estimateGas``) reading 64 UIDs.

Target (issue): a later commitment by the same UID <= 60 k. It holds when the subnet already
knows the model's digest. A model never committed on the subnet also records its first
committer, a fresh storage slot (22,100 gas) that the anti-copying rule needs, so that variant
costs about 69 k: its floor is 21,000 + 22,100 + two rewritten slots (2 x 5,000) + the registry
lookups (about 5,500) + calldata and the event (about 3,700), above 60 k before any execution.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from eth_account.signers.local import LocalAccount
from web3.contract.contract import ContractFunction

from bench._anvil import bench_protocol
from bench._gas import check, fresh_accounts
from bench._report import record, table
from noosphere.chain.accounts import dev_account
from noosphere.chain.client import Receipt
from noosphere.chain.devnet import HARDFORK
from noosphere.chain.protocol import Protocol

BENCH = "gas_commitments"
UNIT = 10**18
MAX = 2**256 - 1
TEMPO = 20
MINERS = 64
ZERO_ADDRESS = "0x" + "00" * 20
GAS_LIMIT = 1_000_000  # fixed for every measured transaction (gasUsed does not depend on it)
# The Hyperparams struct's fields, in order (contracts/subnets/subnets.vy).
FIELDS = (
    "tempo", "max_allowed_uids", "max_allowed_validators", "immunity_period", "activity_cutoff",
    "kappa", "bonds_penalty", "bonds_moving_average", "liquid_alpha_enabled", "alpha_low",
    "alpha_high", "alpha_sigmoid_steepness", "yuma_version", "reveal_period", "min_burn",
    "max_burn", "registration_allowed",
)  # fmt: skip


@dataclass(frozen=True)
class Row:
    """One measured figure: its key, operation, variant and target (if any)."""

    key: str
    operation: str
    variant: str
    target: int | None = None


ROWS = [
    Row("commit.first", "commit_model", "UID's first, model new to the subnet"),
    Row("commit.copy_first", "commit_model", "UID's first, model known (a copy)"),
    Row("commit.steady_known", "commit_model", "later epoch, model known to the subnet", 60_000),
    Row("commit.steady_same", "commit_model", "later epoch, the same model again", 60_000),
    Row("commit.steady_new", "commit_model", "later epoch, model new to the subnet", 60_000),
    Row("commitments.view_64", "commitments (view)", f"{MINERS} UIDs, 2 committed"),
]


def cid(label: str) -> bytes:
    """A binary CIDv1 dag-pb (36 bytes) of a stand-in model."""
    return bytes([0x01, 0x70, 0x12, 0x20]) + hashlib.sha256(label.encode()).digest()


class Run:
    """The deployed protocol, a subnet with miners, and the gas measured so far."""

    def __init__(self, protocol: Protocol) -> None:
        self.chain = protocol.chain
        contract, address = self.chain.contract, protocol.manifest.address
        self.noos = contract("noos", address("noos"))
        self.registry = contract("subnets", address("subnets"))
        self.commitments = contract("commitments", address("commitments"))
        self.deployer = dev_account(0)  # admin; owns the subnet and registers the miners
        self.miners: list[LocalAccount] = []
        self.netuid = 0
        self.gas: dict[str, int] = {}

    def send(self, account: LocalAccount, fn: ContractFunction, key: str = "") -> Receipt:
        receipt = self.chain.transact(account, fn, gas=GAS_LIMIT)
        if key:
            self.gas[key] = receipt.gas_used
        return receipt

    def next_epoch(self) -> None:
        """Mine up to the next epoch block: the next transaction lands right after it."""
        epoch = int(self.registry.functions.current_epoch(self.netuid).call()) + 1
        target = int(self.registry.functions.epoch_start(self.netuid, epoch).call())
        self.chain.mine(target - self.chain.block_number)

    def setup(self) -> None:
        registry = self.registry.functions
        self.send(self.deployer, self.noos.functions.approve(self.registry.address, MAX))
        self.send(self.deployer, registry.create_subnet("bafy-bench-task"))
        self.netuid = int(registry.subnet_count().call())
        values = dict(zip(FIELDS, registry.hyperparams(self.netuid).call(), strict=True))
        values.update(tempo=TEMPO)
        self.send(self.deployer, registry.set_hyperparams(self.netuid, tuple(values.values())))
        self.miners = fresh_accounts(self.chain, self.deployer, BENCH, MINERS)
        for miner in self.miners:
            self.send(self.deployer, registry.register(self.netuid, miner.address, "", MAX))
        check(registry.n(self.netuid), MINERS)
        self.next_epoch()
        self.next_epoch()  # the 20-block tempo is in force

    def commit(self, miner: int, label: str, key: str) -> None:
        fn = self.commitments.functions.commit_model(self.netuid, cid(label))
        self.send(self.miners[miner], fn, key)


def measure(run: Run) -> None:
    """Commit models epoch after epoch; fill ``run.gas``."""
    run.setup()
    run.commit(0, "model a", "commit.first")
    run.commit(1, "model a", "commit.copy_first")
    run.next_epoch()
    run.commit(0, "model b", "commit.steady_new")
    run.next_epoch()
    run.commit(0, "model b", "commit.steady_same")
    run.next_epoch()
    run.commit(0, "model a", "commit.steady_known")
    view = run.commitments.functions.commitments(run.netuid, list(range(MINERS)))
    flags = [(row[3] != ZERO_ADDRESS, bool(row[4])) for row in view.call()]
    if flags != [(True, True), (True, False)] + [(False, False)] * (MINERS - 2):
        raise RuntimeError(f"the batch view shows {flags[:3]}…, not UIDs 0 and 1 committed")
    data = bytes.fromhex(view._encode_transaction_data().removeprefix("0x"))
    run.gas["commitments.view_64"] = int(
        run.chain.w3.eth.estimate_gas({"to": view.address, "data": data})  # type: ignore[typeddict-item]
    )


def main() -> None:
    """Commit models on anvil and print the gas against the target."""
    with bench_protocol() as protocol:
        run = Run(protocol)
        measure(run)
    rows: list[list[object]] = []
    for row in ROWS:
        gas = run.gas[row.key]
        ok = row.target is None or gas <= row.target
        target = "" if row.target is None else f"<= {row.target:,}"
        status = "" if row.target is None else ("OK" if ok else "MISSED")
        rows.append([row.operation, row.variant, f"{gas:,}", target, status])
        extra: dict[str, object] = {} if row.target is None else {"target": row.target, "ok": ok}
        record(BENCH, row.key, gas, "gas", **extra)
    table(
        "Model commitment gas per transaction (receipt gasUsed) on anvil",
        ["operation", "variant", "gas", "target", "status"],
        rows,
    )
    print(
        f"  anvil hardfork {HARDFORK}; tempo {TEMPO}, {MINERS} miners; binary CIDv1 dag-pb "
        "(36 bytes)\n  a model new to the subnet writes its first-committer record, a fresh "
        "slot (22,100 gas):\n  its floor is above 60 k (see the module docstring)"
    )


if __name__ == "__main__":
    main()
