"""One subnet epoch end to end on anvil, computed in Python from chain data alone:
register, stake, permits, commit, reveal, Yuma, payouts, attest, finalize, claim."""

from __future__ import annotations

import secrets

import pytest
from eth_account import Account

from noosphere.audit import compute_epoch
from noosphere.chain.accounts import dev_account
from noosphere.chain.protocol import Protocol
from noosphere.chain.subnets import Subnets, pack_weights
from noosphere.errors import ConsensusError, TransactionRevertedError

pytestmark = pytest.mark.anvil
NOOS = 10**18


def _mine_to(subnets: Subnets, block: int) -> None:
    gap = block - subnets.chain.block_number
    if gap > 0:
        subnets.chain.mine(gap)


def test_an_epoch_settles_and_pays_exactly_the_merkle_leaves(protocol: Protocol) -> None:
    chain = protocol.chain
    subnets = Subnets(chain, protocol.manifest)
    admin = dev_account(0)
    netuid = subnets.create_subnet(admin, "QmTaskSpecPlaceholderForTheIntegrationTest")
    subnets.set_hyperparams(admin, netuid, tempo=20, immunity_period=0)
    subnets.set_share(admin, netuid, 10_000)

    coldkeys = [dev_account(i) for i in range(1, 6)]
    hotkeys = [Account.create() for _ in range(5)]
    for cold, hot in zip(coldkeys, hotkeys, strict=True):
        protocol.token.transfer(admin, cold.address, 1_000 * NOOS)
        chain.transact(admin, to=hot.address, value=NOOS, gas=21_000)
        subnets.register(cold, netuid, hot.address, "http://127.0.0.1:1/axon")
    validators = hotkeys[:2]
    subnets.stake(coldkeys[0], netuid, validators[0].address, 100 * NOOS)
    subnets.stake(coldkeys[1], netuid, validators[1].address, 50 * NOOS)
    delegator = dev_account(6)
    protocol.token.transfer(admin, delegator.address, 100 * NOOS)
    subnets.stake(delegator, netuid, validators[0].address, 30 * NOOS)

    epoch = subnets.current_epoch(netuid) + 1
    _mine_to(subnets, subnets.epoch_start(netuid, epoch) + 1)
    subnets.publish_bootstrap_permits(admin, netuid, epoch, [0, 1])  # the staked UIDs
    assert all(subnets.holds_permit(netuid, epoch, v.address) for v in validators)

    votes = {0: [(2, 65_535), (3, 32_768), (4, 6_553)], 1: [(2, 65_535), (3, 45_000), (4, 0)]}
    salts = {}
    for i, validator in enumerate(validators):
        salts[i] = secrets.token_bytes(32)
        assert subnets.commit(validator, netuid, pack_weights(votes[i]), salts[i]) == epoch
    with pytest.raises(TransactionRevertedError, match="weights"):  # too early to reveal
        subnets.reveal(validators[0], netuid, pack_weights(votes[0]), salts[0])
    _mine_to(subnets, subnets.epoch_start(netuid, epoch + 1))
    for i, validator in enumerate(validators):
        subnets.reveal(validator, netuid, pack_weights(votes[i]), salts[i])

    with pytest.raises(ConsensusError, match="can be computed from block"):
        compute_epoch(subnets, netuid, epoch)
    _mine_to(subnets, subnets.epoch_start(netuid, epoch + 2))
    outcome = compute_epoch(subnets, netuid, epoch)
    again = compute_epoch(subnets, netuid, epoch)
    assert outcome.payouts == again.payouts and outcome.aux_hash == again.aux_hash

    incentive = outcome.details["incentive"]
    assert incentive[2] > incentive[3] > incentive[4] >= 0  # consensus ranks the miners
    assert sum(outcome.payouts.values()) <= outcome.epoch_emission
    assert outcome.payouts[admin.address] >= outcome.epoch_emission * 18 // 100
    assert delegator.address in outcome.payouts  # dividends reach the delegator

    for validator in validators:
        subnets.attest(
            validator,
            netuid,
            epoch,
            outcome.payouts_root,
            outcome.emission_root,
            outcome.prune_root,
            outcome.permits_hash,
            outcome.bonds_digest,
        )
    subnets.finalize(admin, netuid, epoch, outcome.payouts_root, outcome.aux_hash)
    window = int(chain.call(subnets.epochs.functions.challenge_window()))
    chain.mine(window + 1)

    before = {a: protocol.token.balance_of(a) for a in outcome.payouts}
    for account in outcome.payouts:
        amount, proof = outcome.proof(account)
        subnets.claim(admin, netuid, epoch, account, amount, proof)
    for account, amount in outcome.payouts.items():
        assert protocol.token.balance_of(account) == before[account] + amount
    account = next(iter(outcome.payouts))
    amount, proof = outcome.proof(account)
    with pytest.raises(TransactionRevertedError, match="epochs"):
        subnets.claim(admin, netuid, epoch, account, amount, proof)  # a second claim
