"""NOOS token: each external function's success path and each of its failure paths."""

from __future__ import annotations

import boa
import pytest
from eth_utils import keccak

from tests.contracts._boa_helpers import tx_gas

# The deployment made by the ``token`` fixture (conftest.py).
NAME = "Noosphere"
SYMBOL = "NOOS"
CAP = 21_000_000 * 10**18
INITIAL_SUPPLY = 1_000_000 * 10**18

UNIT = 10**18
MAX_UINT256 = 2**256 - 1
ZERO_ADDRESS = "0x" + "00" * 20
# Prague intrinsic cost of a transaction; boa reports execution gas only.


def events(contract, name: str) -> list:
    """The decoded events called ``name`` emitted by the last call to ``contract``."""
    return [log for log in contract.get_logs() if type(log).__name__ == name]


def mine(blocks: int = 1) -> None:
    """Advance the block number (and the timestamp by 12 s per block)."""
    boa.env.time_travel(blocks=blocks)


# --- deployment --------------------------------------------------------------------------


def test_deployment_sets_metadata_roles_and_initial_supply(token, deployer, alice):
    assert token.name() == NAME
    assert token.symbol() == SYMBOL
    assert token.decimals() == 18
    assert token.cap() == CAP
    assert token.totalSupply() == INITIAL_SUPPLY
    assert token.balanceOf(deployer) == INITIAL_SUPPLY - 1_000 * UNIT
    assert token.balanceOf(alice.address) == 1_000 * UNIT
    assert token.owner() == deployer
    assert token.is_minter(deployer)
    _, name, version, chain_id, verifying_contract, _, _ = token.eip712Domain()
    assert (name, version, verifying_contract) == ("Noosphere", "1", token.address)
    type_hash = keccak(
        text="EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    )
    expected = keccak(
        type_hash
        + keccak(text="Noosphere")
        + keccak(text="1")
        + chain_id.to_bytes(32, "big")
        + bytes(12)
        + bytes.fromhex(token.address[2:])
    )
    assert token.DOMAIN_SEPARATOR() == expected


def test_deployment_checkpoints_the_initial_supply(noos_deployer, deployer):
    # A token of its own: the shared one may have been deployed under another module's
    # snapshot, whose block number titanoboa restores when it unwinds.
    with boa.env.prank(deployer):
        token = noos_deployer.deploy(NAME, SYMBOL, CAP, deployer, INITIAL_SUPPLY)
    deployed_at = token.clock()
    mine()
    assert token.getPastTotalSupply(deployed_at) == INITIAL_SUPPLY
    assert token.getPastTotalSupply(deployed_at - 1) == 0


def test_deployment_without_initial_supply(noos_deployer, deployer):
    with boa.env.prank(deployer):
        contract = noos_deployer.deploy(NAME, SYMBOL, CAP, ZERO_ADDRESS, 0)
    assert contract.totalSupply() == 0
    mine()
    assert contract.getPastTotalSupply(contract.clock() - 1) == 0


@pytest.mark.parametrize(
    ("cap", "initial", "reason"),
    [
        (0, 0, "noos: cap is zero"),
        (2**160, 0, "noos: cap exceeds uint160"),
        (CAP, CAP + 1, "noos: cap exceeded"),
    ],
)
def test_deployment_rejects_bad_cap(noos_deployer, deployer, cap, initial, reason):
    with boa.reverts(reason):
        noos_deployer.deploy(NAME, SYMBOL, cap, deployer, initial)


def test_deployment_accepts_the_largest_cap(noos_deployer, deployer):
    contract = noos_deployer.deploy(NAME, SYMBOL, 2**160 - 1, deployer, 2**160 - 1)
    assert contract.totalSupply() == 2**160 - 1


def test_deployment_rejects_initial_supply_to_zero_address(noos_deployer):
    with boa.reverts("erc20: mint to the zero address"):
        noos_deployer.deploy(NAME, SYMBOL, CAP, ZERO_ADDRESS, 1)


# --- clock -------------------------------------------------------------------------------


def test_clock_is_the_block_number(token):
    assert token.CLOCK_MODE() == "mode=blocknumber&from=default"
    assert token.clock() == boa.env.evm.patch.block_number
    mine(7)
    assert token.clock() == boa.env.evm.patch.block_number


# --- transfer and transferFrom -----------------------------------------------------------


def test_transfer_without_delegates_moves_balance_only(token, alice, bob):
    with boa.env.prank(alice.address):
        assert token.transfer(bob.address, 10 * UNIT)
    (transfer,) = events(token, "Transfer")
    assert (transfer.sender, transfer.receiver, transfer.value) == (
        alice.address,
        bob.address,
        10 * UNIT,
    )
    assert not events(token, "DelegateVotesChanged")
    assert token.balanceOf(alice.address) == 990 * UNIT
    assert token.balanceOf(bob.address) == 10 * UNIT
    assert token.numCheckpoints(alice.address) == 0


def test_transfer_moves_votes_between_delegates(token, alice, bob, carol):
    with boa.env.prank(alice.address):
        token.delegate(alice.address)
    with boa.env.prank(bob.address):
        token.delegate(carol.address)
    with boa.env.prank(alice.address):
        token.transfer(bob.address, 300 * UNIT)
    changes = [
        (e.delegate, e.previousVotes, e.newVotes) for e in events(token, "DelegateVotesChanged")
    ]
    assert changes == [
        (alice.address, 1_000 * UNIT, 700 * UNIT),
        (carol.address, 0, 300 * UNIT),
    ]
    assert token.getVotes(alice.address) == 700 * UNIT
    assert token.getVotes(carol.address) == 300 * UNIT
    assert token.getVotes(bob.address) == 0


def test_transfer_to_undelegated_account_removes_votes(token, alice, bob):
    with boa.env.prank(alice.address):
        token.delegate(alice.address)
        token.transfer(bob.address, 400 * UNIT)
    assert token.getVotes(alice.address) == 600 * UNIT


def test_transfer_reverts_above_balance(token, alice, bob):
    with boa.env.prank(alice.address), boa.reverts("erc20: transfer amount exceeds balance"):
        token.transfer(bob.address, 1_000 * UNIT + 1)


def test_transfer_reverts_to_zero_address(token, alice):
    with boa.env.prank(alice.address), boa.reverts("erc20: transfer to the zero address"):
        token.transfer(ZERO_ADDRESS, 1)


def test_transfer_from_spends_allowance_and_moves_votes(token, alice, bob, carol):
    with boa.env.prank(alice.address):
        token.delegate(alice.address)
        token.approve(bob.address, 100 * UNIT)
    with boa.env.prank(bob.address):
        assert token.transferFrom(alice.address, carol.address, 60 * UNIT)
    assert token.allowance(alice.address, bob.address) == 40 * UNIT
    assert token.balanceOf(carol.address) == 60 * UNIT
    assert token.getVotes(alice.address) == 940 * UNIT


def test_transfer_from_keeps_an_infinite_allowance(token, alice, bob):
    with boa.env.prank(alice.address):
        token.approve(bob.address, MAX_UINT256)
    with boa.env.prank(bob.address):
        token.transferFrom(alice.address, bob.address, 60 * UNIT)
    assert token.allowance(alice.address, bob.address) == MAX_UINT256


def test_transfer_from_reverts_above_allowance(token, alice, bob):
    with boa.env.prank(alice.address):
        token.approve(bob.address, 10 * UNIT)
    with boa.env.prank(bob.address), boa.reverts("erc20: insufficient allowance"):
        token.transferFrom(alice.address, bob.address, 10 * UNIT + 1)


def test_transfer_from_reverts_above_balance(token, alice, bob):
    with boa.env.prank(alice.address):
        token.approve(bob.address, MAX_UINT256)
    with boa.env.prank(bob.address), boa.reverts("erc20: transfer amount exceeds balance"):
        token.transferFrom(alice.address, bob.address, 1_000 * UNIT + 1)


def test_approve_sets_allowance(token, alice, bob):
    with boa.env.prank(alice.address):
        assert token.approve(bob.address, 5)
    (approval,) = events(token, "Approval")
    assert (approval.owner, approval.spender, approval.value) == (alice.address, bob.address, 5)
    assert token.allowance(alice.address, bob.address) == 5


def test_approve_reverts_for_zero_spender(token, alice):
    with boa.env.prank(alice.address), boa.reverts("erc20: approve to the zero address"):
        token.approve(ZERO_ADDRESS, 5)


# --- mint, cap and minter role -----------------------------------------------------------


def test_owner_mints_and_checkpoints_supply_and_votes(token, deployer, alice):
    with boa.env.prank(alice.address):
        token.delegate(alice.address)
    minted_at = token.clock()
    mine()
    with boa.env.prank(deployer):
        token.mint(alice.address, 50 * UNIT)
    assert token.balanceOf(alice.address) == 1_050 * UNIT
    assert token.totalSupply() == INITIAL_SUPPLY + 50 * UNIT
    assert token.getVotes(alice.address) == 1_050 * UNIT
    mine()
    assert token.getPastTotalSupply(minted_at) == INITIAL_SUPPLY
    assert token.getPastTotalSupply(minted_at + 1) == INITIAL_SUPPLY + 50 * UNIT


def test_granted_minter_mints_up_to_the_cap(token, deployer, alice, bob):
    with boa.env.prank(deployer):
        token.set_minter(bob.address, True)
    assert token.is_minter(bob.address)
    with boa.env.prank(bob.address):
        token.mint(alice.address, CAP - INITIAL_SUPPLY)
    assert token.totalSupply() == CAP


def test_mint_reverts_above_the_cap(token, deployer, alice):
    with boa.env.prank(deployer), boa.reverts("noos: cap exceeded"):
        token.mint(alice.address, CAP - INITIAL_SUPPLY + 1)


def test_mint_reverts_on_supply_overflow(token, deployer, alice):
    with boa.env.prank(deployer), boa.reverts():
        token.mint(alice.address, MAX_UINT256)


def test_mint_reverts_for_non_minter(token, alice):
    with boa.env.prank(alice.address), boa.reverts("noos: caller is not a minter"):
        token.mint(alice.address, 1)


def test_mint_reverts_for_revoked_minter(token, deployer, bob):
    with boa.env.prank(deployer):
        token.set_minter(bob.address, True)
        token.set_minter(bob.address, False)
    with boa.env.prank(bob.address), boa.reverts("noos: caller is not a minter"):
        token.mint(bob.address, 1)


def test_mint_reverts_to_zero_address(token, deployer):
    with boa.env.prank(deployer), boa.reverts("erc20: mint to the zero address"):
        token.mint(ZERO_ADDRESS, 1)


def test_set_minter_reverts_for_non_owner(token, alice):
    with boa.env.prank(alice.address), boa.reverts("ownable: caller is not the owner"):
        token.set_minter(alice.address, True)


def test_transfer_ownership_moves_the_owner_minter_role(token, deployer, alice):
    with boa.env.prank(deployer):
        token.transfer_ownership(alice.address)
    assert token.owner() == alice.address
    assert token.is_minter(alice.address)
    assert not token.is_minter(deployer)
    with boa.env.prank(deployer), boa.reverts("noos: caller is not a minter"):
        token.mint(deployer, 1)


def test_renounce_ownership_keeps_other_minters(token, deployer, bob):
    with boa.env.prank(deployer):
        token.set_minter(bob.address, True)
        token.renounce_ownership()
    assert token.owner() == ZERO_ADDRESS
    assert not token.is_minter(deployer)
    with boa.env.prank(bob.address):
        token.mint(bob.address, 1)
    assert token.balanceOf(bob.address) == 1


def test_transfer_ownership_reverts_for_non_owner(token, alice):
    with boa.env.prank(alice.address), boa.reverts("ownable: caller is not the owner"):
        token.transfer_ownership(alice.address)


# --- burn and burn_from ------------------------------------------------------------------


def test_burn_reduces_supply_and_votes(token, alice):
    with boa.env.prank(alice.address):
        token.delegate(alice.address)
        token.burn(100 * UNIT)
    (change,) = events(token, "DelegateVotesChanged")
    assert (change.previousVotes, change.newVotes) == (1_000 * UNIT, 900 * UNIT)
    assert token.totalSupply() == INITIAL_SUPPLY - 100 * UNIT
    mine()
    assert token.getPastTotalSupply(token.clock() - 1) == INITIAL_SUPPLY - 100 * UNIT
    assert token.getPastVotes(alice.address, token.clock() - 1) == 900 * UNIT


def test_burn_reverts_above_balance(token, alice):
    with boa.env.prank(alice.address), boa.reverts("erc20: burn amount exceeds balance"):
        token.burn(1_000 * UNIT + 1)


def test_burn_from_spends_allowance(token, alice, bob):
    with boa.env.prank(alice.address):
        token.approve(bob.address, 100 * UNIT)
    with boa.env.prank(bob.address):
        token.burn_from(alice.address, 30 * UNIT)
    assert token.allowance(alice.address, bob.address) == 70 * UNIT
    assert token.balanceOf(alice.address) == 970 * UNIT
    assert token.totalSupply() == INITIAL_SUPPLY - 30 * UNIT


def test_burn_from_reverts_above_allowance(token, alice, bob):
    with boa.env.prank(bob.address), boa.reverts("erc20: insufficient allowance"):
        token.burn_from(alice.address, 1)


# --- permit ------------------------------------------------------------------------------


def test_permit_sets_allowance_from_signature(token, signer, alice, bob):
    deadline = boa.env.timestamp + 3_600
    sig = signer.permit(alice, token, bob.address, 42, 0, deadline)
    token.permit(alice.address, bob.address, 42, deadline, sig.v, sig.r, sig.s)
    assert token.allowance(alice.address, bob.address) == 42
    assert token.nonces(alice.address) == 1


def test_permit_reverts_when_expired(token, signer, alice, bob):
    deadline = boa.env.timestamp - 1
    sig = signer.permit(alice, token, bob.address, 42, 0, deadline)
    with boa.reverts("erc20: expired deadline"):
        token.permit(alice.address, bob.address, 42, deadline, sig.v, sig.r, sig.s)


def test_permit_reverts_for_wrong_signer(token, signer, alice, bob):
    deadline = boa.env.timestamp + 3_600
    sig = signer.permit(bob, token, bob.address, 42, 0, deadline)
    with boa.reverts("erc20: invalid signature"):
        token.permit(alice.address, bob.address, 42, deadline, sig.v, sig.r, sig.s)


def test_permit_reverts_when_replayed(token, signer, alice, bob):
    deadline = boa.env.timestamp + 3_600
    sig = signer.permit(alice, token, bob.address, 42, 0, deadline)
    token.permit(alice.address, bob.address, 42, deadline, sig.v, sig.r, sig.s)
    with boa.reverts("erc20: invalid signature"):
        token.permit(alice.address, bob.address, 42, deadline, sig.v, sig.r, sig.s)


# --- delegate and delegateBySig ----------------------------------------------------------


def test_delegate_emits_and_credits_votes(token, alice, bob):
    with boa.env.prank(alice.address):
        token.delegate(bob.address)
    (changed,) = events(token, "DelegateChanged")
    assert (changed.delegator, changed.fromDelegate, changed.toDelegate) == (
        alice.address,
        ZERO_ADDRESS,
        bob.address,
    )
    (votes,) = events(token, "DelegateVotesChanged")
    assert (votes.delegate, votes.previousVotes, votes.newVotes) == (bob.address, 0, 1_000 * UNIT)
    assert token.delegates(alice.address) == bob.address
    assert token.getVotes(bob.address) == 1_000 * UNIT
    assert token.getVotes(alice.address) == 0


def test_redelegate_moves_votes(token, alice, bob, carol):
    with boa.env.prank(alice.address):
        token.delegate(bob.address)
        token.delegate(carol.address)
    changes = [
        (e.delegate, e.previousVotes, e.newVotes) for e in events(token, "DelegateVotesChanged")
    ]
    assert changes == [(bob.address, 1_000 * UNIT, 0), (carol.address, 0, 1_000 * UNIT)]
    assert token.getVotes(bob.address) == 0
    assert token.getVotes(carol.address) == 1_000 * UNIT


def test_delegate_to_zero_address_withdraws_votes(token, alice):
    with boa.env.prank(alice.address):
        token.delegate(alice.address)
        token.delegate(ZERO_ADDRESS)
    assert token.delegates(alice.address) == ZERO_ADDRESS
    assert token.getVotes(alice.address) == 0


def test_delegate_without_balance_changes_no_votes(token, bob, carol):
    with boa.env.prank(bob.address):
        token.delegate(carol.address)
    assert len(events(token, "DelegateChanged")) == 1
    assert not events(token, "DelegateVotesChanged")
    assert token.numCheckpoints(carol.address) == 0


def test_delegate_by_sig_delegates_for_the_signer(token, signer, alice, bob):
    expiry = boa.env.timestamp + 3_600
    sig = signer.delegation(alice, token, bob.address, 0, expiry)
    with boa.env.prank(bob.address):
        token.delegateBySig(bob.address, 0, expiry, sig.v, sig.r, sig.s)
    assert token.delegates(alice.address) == bob.address
    assert token.getVotes(bob.address) == 1_000 * UNIT
    assert token.nonces(alice.address) == 1


def test_delegate_by_sig_reverts_when_expired(token, signer, alice, bob):
    expiry = boa.env.timestamp - 1
    sig = signer.delegation(alice, token, bob.address, 0, expiry)
    with boa.reverts("noos: signature expired"):
        token.delegateBySig(bob.address, 0, expiry, sig.v, sig.r, sig.s)


def test_delegate_by_sig_reverts_when_replayed(token, signer, alice, bob):
    expiry = boa.env.timestamp + 3_600
    sig = signer.delegation(alice, token, bob.address, 0, expiry)
    token.delegateBySig(bob.address, 0, expiry, sig.v, sig.r, sig.s)
    with boa.reverts("noos: invalid nonce"):
        token.delegateBySig(bob.address, 0, expiry, sig.v, sig.r, sig.s)


def test_delegate_by_sig_shares_nonces_with_permit(token, signer, alice, bob):
    deadline = boa.env.timestamp + 3_600
    permit = signer.permit(alice, token, bob.address, 1, 0, deadline)
    token.permit(alice.address, bob.address, 1, deadline, permit.v, permit.r, permit.s)
    sig = signer.delegation(alice, token, bob.address, 0, deadline)
    with boa.reverts("noos: invalid nonce"):
        token.delegateBySig(bob.address, 0, deadline, sig.v, sig.r, sig.s)


def test_delegate_by_sig_from_wrong_signer_only_delegates_that_signer(token, signer, alice, bob):
    # Without an owner argument the signer is whoever signed: bob's signature can never move
    # alice's votes, it delegates bob's own (empty) balance.
    expiry = boa.env.timestamp + 3_600
    sig = signer.delegation(bob, token, bob.address, 0, expiry)
    token.delegateBySig(bob.address, 0, expiry, sig.v, sig.r, sig.s)
    assert token.delegates(alice.address) == ZERO_ADDRESS
    assert token.delegates(bob.address) == bob.address
    assert token.getVotes(bob.address) == 0


def test_delegate_by_sig_over_other_values_fails_the_nonce_check(token, signer, alice, bob):
    # A signature presented with a different nonce recovers an unrelated address.
    expiry = boa.env.timestamp + 3_600
    sig = signer.delegation(alice, token, bob.address, 0, expiry)
    with boa.reverts("noos: invalid nonce"):
        token.delegateBySig(bob.address, 1, expiry, sig.v, sig.r, sig.s)
    assert token.delegates(alice.address) == ZERO_ADDRESS


def test_delegate_by_sig_reverts_for_malformed_signature(token, signer, alice, bob):
    expiry = boa.env.timestamp + 3_600
    sig = signer.delegation(alice, token, bob.address, 0, expiry)
    with boa.reverts("ecdsa: invalid signature"):
        token.delegateBySig(bob.address, 0, expiry, 30, sig.r, sig.s)


# --- past votes, past supply and checkpoints ---------------------------------------------


def test_past_lookups_revert_for_current_and_future_blocks(token, alice):
    now = token.clock()
    for timepoint in (now, now + 1, 2**48, MAX_UINT256):
        with boa.reverts("noos: future lookup"):
            token.getPastVotes(alice.address, timepoint)
        with boa.reverts("noos: future lookup"):
            token.getPastTotalSupply(timepoint)


def test_past_votes_follow_the_history(token, alice, bob):
    with boa.env.prank(alice.address):
        token.delegate(alice.address)
    first = token.clock()
    mine(3)
    with boa.env.prank(alice.address):
        token.transfer(bob.address, 250 * UNIT)
    second = token.clock()
    mine(2)
    assert token.getPastVotes(alice.address, first - 1) == 0
    assert token.getPastVotes(alice.address, first) == 1_000 * UNIT
    assert token.getPastVotes(alice.address, second - 1) == 1_000 * UNIT
    assert token.getPastVotes(alice.address, second) == 750 * UNIT
    assert token.getPastVotes(alice.address, second + 1) == 750 * UNIT
    assert token.numCheckpoints(alice.address) == 2
    assert tuple(token.checkpoints(alice.address, 0)) == (first, 1_000 * UNIT)
    assert tuple(token.checkpoints(alice.address, 1)) == (second, 750 * UNIT)


def test_changes_in_one_block_share_one_checkpoint(token, alice, bob):
    with boa.env.prank(alice.address):
        token.delegate(alice.address)
        token.transfer(bob.address, 1 * UNIT)
        token.transfer(bob.address, 2 * UNIT)
    assert token.numCheckpoints(alice.address) == 1
    assert tuple(token.checkpoints(alice.address, 0)) == (token.clock(), 997 * UNIT)


def test_long_history_lookups(token, alice, bob):
    # More than five checkpoints: the lookup's square-root split and binary search both run.
    with boa.env.prank(alice.address):
        token.delegate(alice.address)
    expected = {token.clock(): 1_000 * UNIT}
    for step in range(1, 40):
        mine(step % 3 + 1)
        with boa.env.prank(alice.address):
            token.transfer(bob.address, step)
        expected[token.clock()] = expected[max(expected)] - step
    mine()
    assert token.numCheckpoints(alice.address) == 40
    blocks = sorted(expected)
    for block in range(blocks[0] - 1, token.clock()):
        known = [b for b in blocks if b <= block]
        want = expected[known[-1]] if known else 0
        assert token.getPastVotes(alice.address, block) == want


def test_zero_address_has_no_votes(token, deployer, alice):
    # The total supply history is kept apart from every account's vote history.
    with boa.env.prank(alice.address):
        token.delegate(alice.address)
    with boa.env.prank(deployer):
        token.mint(alice.address, 1)
    mine()
    assert token.getVotes(ZERO_ADDRESS) == 0
    assert token.getPastVotes(ZERO_ADDRESS, token.clock() - 1) == 0
    assert token.numCheckpoints(ZERO_ADDRESS) == 0


def test_checkpoints_reverts_past_the_end(token, alice):
    with boa.reverts("noos: checkpoint does not exist"):
        token.checkpoints(alice.address, 0)
    with boa.env.prank(alice.address):
        token.delegate(alice.address)
    token.checkpoints(alice.address, 0)
    with boa.reverts("noos: checkpoint does not exist"):
        token.checkpoints(alice.address, 1)


# --- gas ---------------------------------------------------------------------------------


def test_gas_targets(noos_deployer, deployer, alice, bob, carol):
    # A throwaway environment: committing storage would break the snapshots that isolate tests.
    with boa.swap_env(boa.Env()):
        with boa.env.prank(deployer):
            contract = noos_deployer.deploy(NAME, SYMBOL, CAP, deployer, INITIAL_SUPPLY)
            contract.transfer(alice.address, 1_000 * UNIT)
            contract.transfer(bob.address, 1_000 * UNIT)
        mine()
        transfer = tx_gas(contract, contract.transfer, bob.address, UNIT, sender=alice.address)
        delegate = tx_gas(contract, contract.delegate, carol.address, sender=alice.address)
    assert transfer <= 40_000, transfer
    assert delegate <= 95_000, delegate
