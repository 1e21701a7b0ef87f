"""Gas of the subnet protocol's operations on anvil, first ever and in steady state, vs the targets.

The protocol is deployed by ``deploy_protocol`` (default parameters) on a throwaway anvil (the
protocol's hardfork) and driven through a realistic life. A subnet gets a 20-block tempo (set
with ``set_hyperparams``, from epoch 1), up to 512 UIDs and the whole emission; 256 neurons
register (four validators with keys, the rest miners, through the bulk path), the validators
and 60 miners are staked, the bootstrap permits (top 64 by stake) are published, 46 more
neurons register (n = 302). Then, epoch after epoch, the validators commit and reveal 256
weights each, attest each epoch's result (a 300-leaf payouts tree and aux fields built in
Python), results are finalized, and the permits are republished each epoch from the latest
finalized result, as in the steady state. A long run goes on publishing permits up to 32
publications before an epoch left open is attested and finalized. Payouts are claimed after the
challenge window with proofs from the deepest leaves (depth 9). The figures are the receipts'
``gasUsed`` (the whole transaction: 21,000, calldata and execution); every measured transaction
is mined in a block of its own (unmeasured setup goes out in batches).

Targets (issue): commit <= 60 k, reveal of 256 weights <= 150 k, attest <= 90 k, claim <= 90 k,
register <= 200 k, stake <= 120 k. Where a first-ever variant pays for fresh storage (a
validator's first attestation writes a new bitmap word, an account's first claim too, a payout
to an account without NOOS a new balance, a hotkey's first stake a new history), the target
applies to the steady state, as the contract authors measured it in boa; commit, reveal and
register have no such variant and the target applies to every row (the long-axon registration
is shown for information). Attest finds an epoch's own permits in one read
(``registry.attest_context``) and finalize its own permitted stake in one read, however many
publications follow; an epoch that inherits its permits (epoch c + 1 here, the "inherited"
rows: the validators' second attestation, so steady too) searches the publications (stepping
back from the latest, then bisecting). The authors' boa figures had a single publication.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from eth_abi import encode
from eth_account.signers.local import LocalAccount
from eth_utils import keccak, to_checksum_address
from web3.contract.contract import ContractFunction

from bench._anvil import bench_protocol
from bench._gas import check, fresh_accounts, send_batched
from bench._report import record, table
from noosphere.chain.accounts import dev_account
from noosphere.chain.bulk import Call
from noosphere.chain.client import Receipt
from noosphere.chain.devnet import HARDFORK
from noosphere.chain.protocol import Protocol
from noosphere.consensus import StandardMerkleTree

BENCH = "gas_subnets"
UNIT = 10**18
MAX = 2**256 - 1
TEMPO = 20  # blocks per epoch: every phase below fits in one epoch (one block per transaction)
MAX_UIDS = 512
BOOTSTRAP_N = 256  # neurons registered before the bootstrap permits (its scan needs n <= 256)
LATER_N = 44  # neurons registered after it (bulk), before the two measured registrations
VALIDATOR_STAKES = [400 * UNIT, 300 * UNIT, 200 * UNIT, 100 * UNIT]
WEIGHTS = 256  # weights revealed by each validator
PAYEES = 300  # leaves of each epoch's payouts tree
AXON = "http://203.0.113.7:8091"
LONG_AXON = "https://validator-7.example-subnet.org:8091"  # over 32 characters: one more slot
PUBLICATIONS = 32  # permit publications before the long-run attestations (one per epoch)
# A fixed gas limit for every measured transaction (gasUsed does not depend on it).
GAS_LIMIT = 3_000_000
BOOTSTRAP_GAS_LIMIT = 20_000_000
BULK_GAS_LIMIT = 400_000
PAYOUT_TYPES = ("uint16", "uint64", "address", "uint256")
# The Hyperparams struct's fields, in order (contracts/subnets/subnets.vy).
FIELDS = (
    "tempo", "max_allowed_uids", "max_allowed_validators", "immunity_period", "activity_cutoff",
    "kappa", "bonds_penalty", "bonds_moving_average", "liquid_alpha_enabled", "alpha_low",
    "alpha_high", "alpha_sigmoid_steepness", "yuma_version", "reveal_period", "min_burn",
    "max_burn", "registration_allowed",
)  # fmt: skip


@dataclass(frozen=True)
class Row:
    """One measured figure: its key, operation, variant, target, and whether the target applies."""

    key: str
    operation: str
    variant: str
    target: int | None = None
    applies: bool = True
    authors: str = ""


ROWS = [
    Row("commit.first", "commit", "validator's first ever", 60_000, True, "59.3 k"),
    Row("commit.steady", "commit", "next epoch, after its reveal", 60_000),
    Row("reveal.first", "reveal, 256 weights", "validator's first", 150_000, True, "126 k"),
    Row("reveal.steady", "reveal, 256 weights", "next epoch", 150_000),
    Row("attest.first_ever", "attest", "first ever, first of its result", 90_000, False),
    Row("attest.first_ever_later", "attest", "first ever, later attester", 90_000, False),
    Row("attest.first_of_result", "attest", "steady, first of result, 4 publ.", 90_000, True,
        "87.7 k"),
    Row("attest.later", "attest", "steady, later attester, 4 publ.", 90_000, True, "70.6 k"),
    Row("attest.first_of_result_long", "attest", "steady, first of result, {p} publ.", 90_000),
    Row("attest.later_long", "attest", "steady, later attester, {p} publ.", 90_000),
    Row("attest.inherited_first", "attest", "steady, inherited permits, first of result",
        90_000),
    Row("attest.inherited_later", "attest", "steady, inherited permits, later attester", 90_000),
    Row("claim.first_holder", "claim", "first ever, account holds NOOS", 90_000, False),
    Row("claim.first_fresh", "claim", "first ever, account holds no NOOS", 90_000, False),
    Row("claim.steady", "claim", "steady (claimed before, holds NOOS)", 90_000, True, "67.2 k"),
    Row("claim.steady_other", "claim", "steady, another account", 90_000),
    Row("register.first", "register", "first of the subnet (UID 0)", 200_000),
    Row("register.steady", "register", "UID 300, {a}-char axon", 200_000, True, "197 k"),
    Row("register.long_axon", "register", "UID 301, {la}-char axon", 200_000, False),
    Row("stake.new_hotkey", "stake", "first on a hotkey (new history)", 120_000, False),
    Row("stake.first", "stake", "staker's first, hotkey with history", 120_000, True, "107 k"),
    Row("stake.again", "stake", "same staker again, new block", 120_000),
    Row("finalize.first", "finalize", "first ever (bootstrap permits)"),
    Row("finalize.inherited", "finalize", "inherited permits ({k} stake lookups)"),
    Row("finalize.steady", "finalize", "steady (epoch's own permits), 4 publ."),
    Row("finalize.steady_long", "finalize", "steady (epoch's own permits), {p} publ."),
    Row("publish.bootstrap", "publish_bootstrap_permits", "n = 256, K = {k}"),
    Row("publish.first", "publish_permits", "first from a result, K = {k}"),
    Row("publish.steady", "publish_permits", "steady, K = {k}"),
    Row("unstake", "unstake", "staker's first (new pending withdrawal)"),
]  # fmt: skip


@dataclass(frozen=True)
class Result:
    """An epoch's result as validators attest it: the payouts tree and the aux fields."""

    payouts: StandardMerkleTree
    amount: int
    emission_root: bytes
    prune_root: bytes
    permits_hash: bytes
    bonds_digest: bytes

    @property
    def aux_hash(self) -> bytes:
        fields = [self.emission_root, self.prune_root, self.permits_hash, self.bonds_digest]
        return keccak(encode(["bytes32"] * 4, fields))


def address_of(label: str) -> str:
    """A deterministic fresh address (nobody holds its key; it only receives)."""
    return to_checksum_address(keccak(f"noosphere-bench:{BENCH}:{label}".encode())[12:])


def pack_weights(pairs: list[tuple[int, int]]) -> bytes:
    """``(uid, weight)`` pairs as big-endian ``uint16`` pairs (the ``packed`` of a reveal)."""
    return b"".join(uid.to_bytes(2, "big") + w.to_bytes(2, "big") for uid, w in pairs)


def permits_hash(uids: list[int]) -> bytes:
    """``keccak256(abi.encodePacked(uint16 uids ascending))``."""
    return keccak(b"".join(u.to_bytes(2, "big") for u in uids))


class Run:
    """The deployed protocol, the actors, and the gas measured so far."""

    def __init__(self, protocol: Protocol) -> None:
        self.chain = protocol.chain
        contract, address = self.chain.contract, protocol.manifest.address
        self.noos = contract("noos", address("noos"))
        self.emitter = contract("emitter", address("emitter"))
        self.staking = contract("staking", address("staking"))
        self.epochs = contract("epochs", address("epochs"))
        self.registry = contract("subnets", address("subnets"))
        self.weights = contract("weights", address("weights"))
        self.deployer = dev_account(0)  # admin of every contract; finalizes, claims, publishes
        self.owner = dev_account(1)  # the subnet owner
        self.coldkey = dev_account(2)  # registers every neuron and stakes to the validators
        self.staker = dev_account(3)  # a second staker of validator 0
        self.validators: list[LocalAccount] = []
        self.uids: list[int] = []
        self.netuid = 0
        self.k = 0  # max_allowed_validators
        self.publications = 0  # permit publications so far
        self.gas: dict[str, int] = {}

    # --- plumbing ----------------------------------------------------------------------------
    def send(
        self, account: LocalAccount, fn: ContractFunction, key: str = "", gas: int = GAS_LIMIT
    ) -> Receipt:
        receipt = self.chain.transact(account, fn, gas=gas)
        if key:
            self.gas[key] = receipt.gas_used
        return receipt

    def start(self, epoch: int) -> int:
        return int(self.registry.functions.epoch_start(self.netuid, epoch).call())

    def enter(self, epoch: int) -> None:
        """Mine up to epoch ``epoch``'s epoch block: the next transaction lands right after it."""
        target, latest = self.start(epoch), self.chain.block_number
        if latest >= target:
            raise RuntimeError(f"already at block {latest}, past the start of epoch {epoch}")
        self.chain.mine(target - latest)

    def still_in(self, epoch: int) -> None:
        """Fail unless the last transaction was mined in epoch ``epoch``."""
        latest = self.chain.block_number
        if not self.start(epoch) < latest < self.start(epoch + 1):
            raise RuntimeError(f"block {latest} is not inside epoch {epoch}: raise TEMPO")

    @staticmethod
    def encode(fn: ContractFunction) -> bytes:
        return bytes.fromhex(fn._encode_transaction_data().removeprefix("0x"))

    def register_bulk(self, hotkeys: list[str]) -> None:
        fn = self.registry.functions
        calls = [
            Call(self.registry.address, self.encode(fn.register(self.netuid, h, AXON, MAX)),
                 BULK_GAS_LIMIT)
            for h in hotkeys
        ]  # fmt: skip
        result = send_batched(self.chain, self.coldkey, calls)
        if result.failed:
            raise RuntimeError(f"{len(result.failed)} bulk registrations failed")

    # --- the subnet ----------------------------------------------------------------------------
    def create_subnet(self) -> None:
        noos, registry = self.noos.functions, self.registry.functions
        for account, amount in ((self.owner, 1_000), (self.coldkey, 100_000), (self.staker, 1_000)):
            self.send(self.deployer, noos.transfer(account.address, amount * UNIT))
        self.send(self.owner, noos.approve(self.registry.address, registry.lock_cost().call()))
        self.send(self.owner, registry.create_subnet("bafy-bench-task"))
        self.netuid = int(registry.subnet_count().call())
        values = dict(zip(FIELDS, registry.hyperparams(self.netuid).call(), strict=True))
        values.update(tempo=TEMPO, max_allowed_uids=MAX_UIDS)
        self.send(self.owner, registry.set_hyperparams(self.netuid, tuple(values.values())))
        self.k = int(values["max_allowed_validators"])
        self.send(self.deployer, self.emitter.functions.set_share(self.netuid, 10_000))
        self.send(self.coldkey, noos.approve(self.registry.address, MAX))
        self.send(self.coldkey, noos.approve(self.staking.address, MAX))
        self.send(self.staker, noos.approve(self.staking.address, MAX))
        self.enter(1)  # the new tempo applies from epoch 1

    def register_and_stake(self) -> None:
        registry, staking = self.registry.functions, self.staking.functions
        self.validators = fresh_accounts(self.chain, self.deployer, BENCH, len(VALIDATOR_STAKES))
        for i, validator in enumerate(self.validators):
            key = "register.first" if i == 0 else ""
            fn = registry.register(self.netuid, validator.address, AXON, MAX)
            self.send(self.coldkey, fn, key)
        self.uids = [registry.uid_of(self.netuid, v.address).call() for v in self.validators]
        miners = [address_of(f"miner{i}") for i in range(BOOTSTRAP_N - len(self.validators))]
        self.register_bulk(miners)
        check(registry.n(self.netuid), BOOTSTRAP_N)
        hotkey0 = self.validators[0].address
        for i, validator in enumerate(self.validators):
            fn = staking.stake(self.netuid, validator.address, VALIDATOR_STAKES[i])
            self.send(self.coldkey, fn, "stake.new_hotkey" if i == 0 else "")
        # The other permit holders: miners with the minimum stake (UIDs 4..K-1), so that the top K
        # by stake are UIDs 0..K-1 and the four validators hold over 9/10 of the permitted stake.
        minimum = int(staking.min_stake().call())
        calls = [
            Call(self.staking.address, self.encode(staking.stake(self.netuid, m, minimum)),
                 BULK_GAS_LIMIT)
            for m in miners[: self.k - len(self.validators)]
        ]  # fmt: skip
        if send_batched(self.chain, self.coldkey, calls).failed:
            raise RuntimeError("bulk stakes failed")
        self.send(self.staker, staking.stake(self.netuid, hotkey0, 50 * UNIT), "stake.first")
        self.send(self.staker, staking.stake(self.netuid, hotkey0, 50 * UNIT), "stake.again")
        check(staking.stake_by(self.netuid, hotkey0, self.staker.address), 100 * UNIT)
        check(staking.stake_of(self.netuid, hotkey0), VALIDATOR_STAKES[0] + 100 * UNIT)

    # --- permits, weights, results ---------------------------------------------------------------
    @property
    def permit_uids(self) -> list[int]:
        # Top K by stake at the epoch block: the validators (UIDs 0-3), then UIDs 4..K-1.
        return list(range(self.k))

    def commit_all(self, epoch: int, key: str = "") -> None:
        for i, validator in enumerate(self.validators):
            digest = keccak(
                encode(
                    ["address", "uint16", "uint64", "bytes", "bytes32"],
                    [validator.address, self.netuid, epoch, self.packed(i), self.salt(i, epoch)],
                )
            )
            self.send(validator, self.weights.functions.commit(self.netuid, digest), key * (i == 0))

    def reveal_all(self, epoch: int, key: str = "") -> None:
        for i, validator in enumerate(self.validators):
            fn = self.weights.functions.reveal(self.netuid, self.packed(i), self.salt(i, epoch))
            self.send(validator, fn, key * (i == 0))
        check(self.weights.functions.commitment_of(self.netuid, self.validators[0].address),
              [False, 0, b"\x00" * 24])  # fmt: skip

    def packed(self, i: int) -> bytes:
        """Validator ``i``'s weights: the first 256 UIDs other than its own."""
        uids = [u for u in range(BOOTSTRAP_N + LATER_N + 1) if u != self.uids[i]][:WEIGHTS]
        return pack_weights([(u, 1 + (u * 2_654_435_761 + i) % 65_535) for u in uids])

    def salt(self, i: int, epoch: int) -> bytes:
        return keccak(f"salt:{i}:{epoch}".encode())

    def result(self, epoch: int, payees: list[str]) -> Result:
        emission = self.emitter.functions.emission(self.start(epoch), self.start(epoch + 1)).call()
        amount = emission // 400  # 300 payees get 3/4 of the epoch's emission
        payouts = StandardMerkleTree(
            [(self.netuid, epoch, account, amount) for account in payees], PAYOUT_TYPES
        )
        n = int(self.registry.functions.n(self.netuid).call())
        shares = StandardMerkleTree(
            [(u, (u * 7_919 + epoch) % 4_294_967_296 + 1) for u in range(n)], ("uint16", "uint64")
        )
        prune = StandardMerkleTree(
            [(rank, uid) for rank, uid in enumerate(sorted(range(n), key=lambda u: (u * 31) % n))],
            ("uint16", "uint16"),
        )
        bonds = hashlib.sha256(f"bonds of {self.netuid}/{epoch}".encode()).digest()
        permits = permits_hash(self.permit_uids)
        return Result(payouts, amount, shares.root, prune.root, permits, bonds)

    def attest(self, validator: LocalAccount, epoch: int, r: Result, key: str = "") -> None:
        fn = self.epochs.functions.attest(
            self.netuid, epoch, r.payouts.root, r.emission_root, r.prune_root, r.permits_hash,
            r.bonds_digest,
        )  # fmt: skip
        self.send(validator, fn, key)

    def finalize(self, epoch: int, r: Result, key: str) -> None:
        fn = self.epochs.functions
        self.send(self.deployer, fn.finalize(self.netuid, epoch, r.payouts.root, r.aux_hash), key)
        check(fn.final_aux(self.netuid, epoch), [True, r.aux_hash])
        minted = fn.minted_of(self.netuid, epoch).call()
        if minted < PAYEES * r.amount:
            raise RuntimeError(f"epoch {epoch} minted {minted}, less than its payouts")

    def publish(self, epoch: int, source: int, r: Result, key: str) -> None:
        fn = self.registry.functions.publish_permits(
            self.netuid, epoch, self.permit_uids, source, r.emission_root, r.prune_root,
            r.bonds_digest,
        )  # fmt: skip
        self.send(self.deployer, fn, key)
        self.publications += 1

    def view_gas(self, fn: ContractFunction) -> int:
        """Gas of calling a view in a transaction of its own (eth_estimateGas)."""
        return int(self.chain.w3.eth.estimate_gas({"to": fn.address, "data": self.encode(fn)}))

    def claim(self, epoch: int, r: Result, index: int, key: str) -> int:
        account = r.payouts.values[index][2]
        proof = r.payouts.proof(index)
        fn = self.epochs.functions.claim(self.netuid, epoch, account, r.amount, proof)
        self.send(self.deployer, fn, key)
        check(self.epochs.functions.claimed(self.netuid, epoch, account), True)
        return len(proof)


def measure(run: Run) -> dict[str, object]:
    """Drive the subnet through its life; fill ``run.gas``; return facts for the notes."""
    run.create_subnet()
    run.register_and_stake()
    registry, epochs = run.registry.functions, run.epochs.functions
    netuid, validators = run.netuid, run.validators

    # Epoch c: bootstrap permits (n = 256), 46 more neurons (2 measured), the first commits.
    c = int(registry.current_epoch(netuid).call()) + 1
    run.enter(c)
    fn = registry.publish_bootstrap_permits(netuid, c, run.permit_uids)
    run.send(run.deployer, fn, "publish.bootstrap", BOOTSTRAP_GAS_LIMIT)
    run.publications += 1
    for v in validators:
        check(registry.holds_permit(netuid, c, v.address), True)
    run.register_bulk([address_of(f"late{i}") for i in range(LATER_N)])
    hotkey = address_of("measured")
    run.send(run.coldkey, registry.register(netuid, hotkey, AXON, MAX), "register.steady")
    check(registry.n(netuid), BOOTSTRAP_N + LATER_N + 1)
    long_axon = registry.register(netuid, address_of("long-axon"), LONG_AXON, MAX)
    run.send(run.coldkey, long_axon, "register.long_axon")
    run.commit_all(c, "commit.first")
    run.still_in(c)

    # Epoch c + 1: reveal c, commit c + 1.
    run.enter(c + 1)
    run.reveal_all(c, "reveal.first")
    run.commit_all(c + 1, "commit.steady")
    run.still_in(c + 1)

    # Epoch c + 2: reveal c + 1; everyone's first attestation (of epoch c); finalize c;
    # permits of c + 2 from the result of c.
    payees = [address_of(f"payee{i}") for i in range(PAYEES)]  # none holds NOOS
    run.enter(c + 2)
    run.reveal_all(c + 1, "reveal.steady")
    results = {c: run.result(c, payees)}
    keys = ["attest.first_ever", "attest.first_ever_later", "", ""]
    for v, key in zip(validators, keys, strict=True):
        run.attest(v, c, results[c], key)
    run.finalize(c, results[c], "finalize.first")
    run.publish(c + 2, c, results[c], "publish.first")
    run.still_in(c + 2)

    # Epoch c + 3: attest c + 1 (permits inherited from c), finalize it; permits of c + 3.
    run.enter(c + 3)
    results[c + 1] = run.result(c + 1, payees)
    keys = ["attest.inherited_first", "attest.inherited_later", "", ""]
    for v, key in zip(validators, keys, strict=True):
        run.attest(v, c + 1, results[c + 1], key)
    run.finalize(c + 1, results[c + 1], "finalize.inherited")
    run.publish(c + 3, c + 1, results[c + 1], "publish.steady")
    run.still_in(c + 3)

    # Epoch c + 4: permits of c + 4 first (the latest result, c + 1), then the steady-state
    # attestations of c + 2 (its permits found among 4 publications) and its finalization.
    run.enter(c + 4)
    run.publish(c + 4, c + 1, results[c + 1], "")
    results[c + 2] = run.result(c + 2, payees)
    keys = ["", "attest.later", "attest.first_of_result", ""]
    for i in (2, 1, 0, 3):
        run.attest(validators[i], c + 2, results[c + 2], keys[i])
    run.finalize(c + 2, results[c + 2], "finalize.steady")
    check(epochs.has_attested(netuid, c + 2, validators[0].address), True)
    run.still_in(c + 4)

    # The long run: permits published every epoch (from the latest result, c + 2) up to
    # PUBLICATIONS in all; then epoch c + 3 (still in its attest window) is attested: permit
    # lookups of a past epoch binary-search the publications.
    e = c + 5
    while run.publications < PUBLICATIONS:
        run.enter(e)
        run.publish(e, c + 2, results[c + 2], "")
        e += 1
    lookups = {
        "latest": run.view_gas(registry.holds_permit(netuid, e - 1, validators[2].address)),
        "past": run.view_gas(registry.holds_permit(netuid, c + 3, validators[2].address)),
    }
    results[c + 3] = run.result(c + 3, payees)
    keys = ["", "attest.later_long", "attest.first_of_result_long", ""]
    for i in (2, 1, 0, 3):
        run.attest(validators[i], c + 3, results[c + 3], keys[i])
    run.finalize(c + 3, results[c + 3], "finalize.steady_long")
    run.still_in(e - 1)
    check(registry.permits_epoch(netuid, e - 1), [True, e - 1])

    # After the challenge window: claims of c (first ever) and c + 2 (steady), by a relayer,
    # for two accounts whose leaves are the deepest in both trees (the longest proofs).
    claimable = int(epochs.status(netuid, c + 2).call()[2])
    run.chain.mine(max(0, claimable - run.chain.block_number))
    trees = (results[c].payouts, results[c + 2].payouts)
    depth = max(len(trees[0].proof(i)) for i in range(PAYEES))
    deepest = [i for i in range(PAYEES) if all(len(t.proof(i)) == depth for t in trees)]
    if len(deepest) < 2:
        raise RuntimeError("fewer than two payees at the deepest level of both trees")
    holder, fresh = deepest[:2]
    run.send(run.deployer, run.noos.functions.transfer(payees[holder], UNIT))
    depths = [
        run.claim(c, results[c], holder, "claim.first_holder"),
        run.claim(c, results[c], fresh, "claim.first_fresh"),
        run.claim(c + 2, results[c + 2], holder, "claim.steady"),
        run.claim(c + 2, results[c + 2], fresh, "claim.steady_other"),
    ]
    amounts = results[c].amount + results[c + 2].amount
    check(run.noos.functions.balanceOf(payees[holder]), UNIT + amounts)
    check(run.noos.functions.balanceOf(payees[fresh]), amounts)

    fn = run.staking.functions.unstake(netuid, validators[0].address, 10 * UNIT)
    run.send(run.staker, fn, "unstake")
    check(run.staking.functions.stake_by(netuid, validators[0].address, run.staker.address),
          90 * UNIT)  # fmt: skip
    return {"depths": depths, "epochs": (c, e - 1), "k": run.k, "lookups": lookups}


def main() -> None:
    """Run the subnet's life on anvil and print its gas against the targets."""
    with bench_protocol() as protocol:
        run = Run(protocol)
        facts = measure(run)
    rows: list[list[object]] = []
    for row in ROWS:
        gas = run.gas[row.key]
        ok = row.target is None or gas <= row.target
        if row.target is None:
            target, status = "", ""
        elif row.applies:
            target, status = f"<= {row.target:,}", "OK" if ok else "MISSED"
        else:
            target, status = f"(<= {row.target:,})", "(within)" if ok else "(over)"
        variant = row.variant.format(k=facts["k"], p=PUBLICATIONS, a=len(AXON), la=len(LONG_AXON))
        rows.append([row.operation, variant, f"{gas:,}", target, status, row.authors])
        extra: dict[str, object] = {}
        if row.target is not None:
            extra = {"target": row.target, "applies": row.applies, "ok": ok}
        record(BENCH, row.key, gas, "gas", **extra)
    table(
        "Subnet protocol gas per transaction (receipt gasUsed) on anvil",
        ["operation", "variant", "gas", "target", "status", "boa (authors)"],
        rows,
    )
    first, last = facts["epochs"]  # type: ignore[misc]
    print(
        f"  anvil hardfork {HARDFORK}; tempo {TEMPO}, n = {BOOTSTRAP_N + LATER_N + 2} UIDs, "
        f"K = {facts['k']} permits, 4 staked validators, epochs {first}-{last}; "
        f"claim proofs of {PAYEES} leaves, depths {facts['depths']}"
    )
    latest, past = facts["lookups"]["latest"], facts["lookups"]["past"]  # type: ignore[index]
    record(BENCH, "holds_permit.latest_publication", latest, "gas")
    record(BENCH, f"holds_permit.past_epoch_{PUBLICATIONS}_publications", past, "gas")
    print(
        f"  holds_permit as a transaction of its own: {latest:,} gas for an epoch of the latest "
        f"publication, {past:,} for a past epoch among {PUBLICATIONS} publications "
        f"(binary search, +{past - latest:,})"
    )
    print(
        "  target in parentheses: a first-ever variant (fresh storage), for which the issue "
        "sets no target;\n  'boa (authors)': the contract authors' boa figures for the "
        "targeted variant"
    )


if __name__ == "__main__":
    main()
