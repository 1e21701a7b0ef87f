"""Gas of NOOS token operations vs OpenZeppelin 5 ERC20Votes, on one anvil in the same run.

Both tokens are deployed on the same anvil (the protocol's hardfork) and driven through the
same sequence by the same fresh accounts with the same amounts, so calldata and intrinsic gas
are identical; the figures are the receipts' ``gasUsed`` (whole transaction, 21,000 included).

Targets (issue): a transfer between holders that have not delegated <= 40,000 gas, ``delegate``
<= 95,000 gas (the issue measured OpenZeppelin at 39.2 k and 95.7 k).
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3.contract import Contract
from web3.contract.contract import ContractFunction

from bench._anvil import bench_protocol
from bench._gas import check, fresh_accounts
from bench._report import record, table
from bench._solidity import compile_solidity, deploy_compiled, package_version
from noosphere.chain.accounts import dev_account
from noosphere.chain.client import Chain
from noosphere.chain.devnet import HARDFORK

BENCH = "gas_token"
INITIAL_SUPPLY = 1_000_000 * 10**18
FUNDING = 1_000 * 10**18  # tokens each measuring account gets before any measurement
AMOUNT = 10**18  # tokens moved or approved by each measured operation
# A fixed gas limit for the measured sequence (gasUsed does not depend on it). Chain's estimate is
# made at the latest block, where a votes checkpoint written in that block is updated in place,
# so it underestimates a transfer that must push new checkpoints in the next block.
GAS_LIMIT = 1_000_000
ZERO = "0x0000000000000000000000000000000000000000"


@dataclass(frozen=True)
class Operation:
    """One measured operation: its key, label, target (if any) and the issue's OZ figure."""

    key: str
    label: str
    target: int | None = None
    issue_oz: str = ""


OPERATIONS = [
    Operation("transfer", "transfer, neither side delegated", 40_000, "39.2 k"),
    Operation("delegate", "delegate (first, to another account)", 95_000, "95.7 k"),
    Operation("transfer_delegated", "transfer, both sides delegated"),
    Operation("permit", "permit (EIP-2612 signature)"),
]


def _sign_permit(
    token: Contract, owner: LocalAccount, spender: str, value: int, deadline: int
) -> tuple[int, bytes, bytes]:
    """An EIP-2612 permit signature ``(v, r, s)`` over the token's ERC-5267 domain."""
    _fields, name, version, chain_id, verifying, _salt, _ext = token.functions.eip712Domain().call()
    nonce = token.functions.nonces(owner.address).call()
    signed = Account.sign_typed_data(
        owner.key,
        domain_data={
            "name": name,
            "version": version,
            "chainId": chain_id,
            "verifyingContract": verifying,
        },
        message_types={
            "Permit": [
                {"name": "owner", "type": "address"},
                {"name": "spender", "type": "address"},
                {"name": "value", "type": "uint256"},
                {"name": "nonce", "type": "uint256"},
                {"name": "deadline", "type": "uint256"},
            ]
        },
        message_data={
            "owner": owner.address,
            "spender": spender,
            "value": value,
            "nonce": nonce,
            "deadline": deadline,
        },
    )
    return signed.v, signed.r.to_bytes(32, "big"), signed.s.to_bytes(32, "big")


def measure_token(
    chain: Chain, token: Contract, holder: LocalAccount, accounts: list[LocalAccount]
) -> dict[str, int]:
    """Run the measured sequence on ``token`` and return gas used per operation key.

    ``holder`` owns the supply; ``accounts`` are six fresh accounts that hold nothing of this
    token and have not delegated. Each measured transaction's effect is checked.
    """
    alice, bob, carol, dave, erin, frank = accounts
    fn = token.functions

    def send(account: LocalAccount, call: ContractFunction) -> int:
        return chain.transact(account, call, gas=GAS_LIMIT).gas_used

    for account in (alice, bob, carol, erin):
        send(holder, fn.transfer(account.address, FUNDING))
    gas: dict[str, int] = {}

    # (a) nonzero -> nonzero balances, neither side has a delegate.
    check(fn.delegates(alice.address), ZERO)
    check(fn.delegates(bob.address), ZERO)
    gas["transfer"] = send(alice, fn.transfer(bob.address, AMOUNT))
    check(fn.balanceOf(bob.address), FUNDING + AMOUNT)

    # (b) a holder's first delegation, to an account that has no votes yet.
    check(fn.getVotes(dave.address), 0)
    gas["delegate"] = send(carol, fn.delegate(dave.address))
    check(fn.getVotes(dave.address), FUNDING)

    # (c) both sides delegated (to themselves): the transfer moves votes. One warm-up transfer
    # first, so that both delegates already have checkpoints, as in the steady state.
    send(alice, fn.delegate(alice.address))
    send(bob, fn.delegate(bob.address))
    send(alice, fn.transfer(bob.address, AMOUNT))
    gas["transfer_delegated"] = send(alice, fn.transfer(bob.address, AMOUNT))
    check(fn.getVotes(bob.address), FUNDING + 3 * AMOUNT)
    check(fn.getVotes(alice.address), FUNDING - 3 * AMOUNT)

    # (d) permit submitted by the spender, with the owner's first nonce.
    deadline = int(chain.w3.eth.get_block("latest")["timestamp"]) + 3600
    v, r, s = _sign_permit(token, erin, frank.address, AMOUNT, deadline)
    gas["permit"] = send(frank, fn.permit(erin.address, frank.address, AMOUNT, deadline, v, r, s))
    check(fn.allowance(erin.address, frank.address), AMOUNT)
    check(fn.nonces(erin.address), 1)
    return gas


def main() -> None:
    """Measure NOOS and the OpenZeppelin baseline on one anvil and print the comparison."""
    compiled = compile_solidity("OZVotesToken.sol", "OZVotesToken")
    deployer = dev_account(0)
    with bench_protocol() as protocol:
        chain = protocol.chain
        accounts = fresh_accounts(chain, deployer, BENCH, 6)
        oz_token, _ = deploy_compiled(chain, deployer, compiled, INITIAL_SUPPLY)
        noos = measure_token(chain, protocol.token.contract, deployer, accounts)
        oz = measure_token(chain, oz_token, deployer, accounts)

    rows: list[list[object]] = []
    for op in OPERATIONS:
        ratio = noos[op.key] / oz[op.key]
        ok = op.target is None or noos[op.key] <= op.target
        verdict = "" if op.target is None else ("OK" if ok else "MISSED")
        rows.append([
            op.label, f"{noos[op.key]:,}", f"{oz[op.key]:,}", f"{ratio:.3f}",
            "" if op.target is None else f"<= {op.target:,}", verdict, op.issue_oz,
        ])  # fmt: skip
        extra = {"target": op.target, "ok": ok} if op.target is not None else {}
        record(BENCH, f"{op.key}.noos", noos[op.key], "gas", **extra)
        record(BENCH, f"{op.key}.oz", oz[op.key], "gas")
        record(BENCH, f"{op.key}.ratio", ratio, "noos/oz")
    table(
        "Token gas per transaction (receipt gasUsed), NOOS vs OpenZeppelin, same anvil",
        ["operation", "NOOS gas", "OZ gas", "NOOS/OZ", "target", "status", "OZ (issue)"],
        rows,
    )
    print(
        f"  baseline: OpenZeppelin {package_version('@openzeppelin/contracts')} "
        f"ERC20+ERC20Permit+ERC20Votes, solc {compiled.solc_version.split('+')[0]}, "
        f"optimizer {compiled.optimizer_runs} runs, EVM {compiled.evm_version}; "
        f"anvil hardfork {HARDFORK}"
    )
    print("  'OZ (issue)': the OpenZeppelin figures quoted by the issue, for reference")


if __name__ == "__main__":
    main()
