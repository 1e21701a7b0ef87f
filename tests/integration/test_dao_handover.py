"""Deployment hands the protocol to the DAO: the timelock holds every admin role and treasury."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from noosphere.chain.accounts import dev_account
from noosphere.chain.client import Chain
from noosphere.chain.deploy import DeployParams, deploy_protocol
from noosphere.chain.manifest import Manifest
from noosphere.errors import TransactionRevertedError

ADMIN_ROLE = b"\x00" * 32
ROLE_ADMINISTERED = (
    "emitter",
    "staking",
    "epochs",
    "subnets",
    "commitments",
    "datanft",
    "licences",
    "modelnft",
    "model_licences",
    "timelock",
)
NOOS = 10**18
GUARDIAN = dev_account(5).address


@pytest.fixture
def handed_over(chain: Chain, tmp_path: Path) -> Iterator[Manifest]:
    """The protocol deployed again (on the session's anvil, reverted afterwards) with hand-over."""
    params = DeployParams.devnet()
    params = DeployParams(**{**params.__dict__, "guardian": GUARDIAN})
    yield deploy_protocol(chain, dev_account(0), tmp_path, params)


def _functions(chain: Chain, manifest: Manifest, name: str):  # type: ignore[no-untyped-def]
    return chain.contract(name, manifest.contracts[name].address).functions


def test_timelock_holds_every_admin_role_and_the_deployer_none(
    chain: Chain, handed_over: Manifest
) -> None:
    timelock = handed_over.contracts["timelock"].address
    deployer = dev_account(0).address
    for name in ROLE_ADMINISTERED:
        has_role = _functions(chain, handed_over, name).hasRole
        assert has_role(ADMIN_ROLE, timelock).call(), name
        assert not has_role(ADMIN_ROLE, deployer).call(), name


def test_timelock_owns_noos_and_holds_the_treasury(chain: Chain, handed_over: Manifest) -> None:
    timelock = handed_over.contracts["timelock"].address
    token = _functions(chain, handed_over, "noos")
    assert token.owner().call() == timelock
    assert token.balanceOf(timelock).call() == DeployParams().dao_treasury
    assert _functions(chain, handed_over, "licences").treasury().call() == timelock
    assert _functions(chain, handed_over, "model_licences").treasury().call() == timelock


def test_governor_alone_proposes_and_the_guardian_is_named(
    chain: Chain, handed_over: Manifest
) -> None:
    timelock = _functions(chain, handed_over, "timelock")
    governor = handed_over.contracts["governor"].address
    for role in (timelock.PROPOSER_ROLE().call(), timelock.CANCELLER_ROLE().call()):
        assert timelock.hasRole(role, governor).call()
        assert not timelock.hasRole(role, dev_account(0).address).call()
    epochs = _functions(chain, handed_over, "epochs")
    assert epochs.hasRole(epochs.GUARDIAN_ROLE().call(), GUARDIAN).call()
    assert _functions(chain, handed_over, "governor").timelock().call() == timelock.address


@pytest.mark.parametrize(
    ("name", "call"),
    [
        ("licences", lambda f: f.set_fee(500)),
        ("emitter", lambda f: f.set_share(0, 10_000)),
        ("subnets", lambda f: f.set_lock_cost(NOOS)),
        ("epochs", lambda f: f.set_windows(5, 200)),
        ("datanft", lambda f: f.set_payment_token(dev_account(3).address, True)),
        ("modelnft", lambda f: f.set_payment_token(dev_account(3).address, True)),
        ("noos", lambda f: f.set_minter(dev_account(0).address, True)),
    ],
)
def test_former_deployer_can_no_longer_change_parameters(
    chain: Chain, handed_over: Manifest, name: str, call: object
) -> None:
    fn = call(_functions(chain, handed_over, name))  # type: ignore[operator]
    with pytest.raises(TransactionRevertedError):
        chain.transact(dev_account(0), fn)


def test_deployment_without_hand_over_keeps_the_deployer_admin(
    chain: Chain, deployed_home: tuple[Path, Manifest]
) -> None:
    _, manifest = deployed_home
    licences = _functions(chain, manifest, "licences")
    assert licences.hasRole(ADMIN_ROLE, dev_account(0).address).call()


def test_the_model_market_refusal_names_the_proposal_to_make(
    chain: Chain, handed_over: Manifest
) -> None:
    from noosphere.chain.models import ModelMarket
    from noosphere.errors import NotModelOwnerError

    market = ModelMarket(chain, handed_over)
    with pytest.raises(NotModelOwnerError, match="the model market is governed by the DAO") as e:
        market.check_admin(dev_account(0).address, 'modelnft.delist(1, "bafy")')
    assert "--action 'modelnft.delist(1, \"bafy\")'" in str(e.value)
    with pytest.raises(NotModelOwnerError, match=r"--action 'modelnft\.FUNCTION\(ARGS\)'"):
        market.check_admin(dev_account(0).address)
