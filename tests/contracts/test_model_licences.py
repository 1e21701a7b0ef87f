"""ModelLicences: buying and renewing licences, their validity and transfers, royalties,
distribution of revenue through the lineage, pull payments, fees and gas."""

from __future__ import annotations

import boa
import pytest

pytest.register_assert_rewrite("tests.contracts.conftest_data", "tests.contracts.conftest_models")
from tests.contracts._boa_helpers import events, tx_gas  # noqa: E402
from tests.contracts.conftest import CAP, INITIAL_SUPPLY, NAME, SYMBOL  # noqa: E402
from tests.contracts.conftest_data import deploy_market  # noqa: E402
from tests.contracts.conftest_models import (  # noqa: E402
    COMMERCIAL,
    FEE_BPS,
    FINE_TUNE,
    INFERENCE,
    LICENCE_PRICE,
    LICENCE_URI,
    LICENCE_VALIDITY,
    UNIT,
    ZERO_ADDRESS,
    Provenance,
    deploy_models,
)

pytest_plugins = ["tests.contracts.conftest_data", "tests.contracts.conftest_models"]

MISSING_ROLE = "access_control: account is missing role"
PRICE = LICENCE_PRICE
FEE = PRICE * FEE_BPS // 10_000


def now() -> int:
    return int(boa.env.evm.patch.timestamp)


def balance_of(models, account: str) -> int:
    return models.token.balanceOf(account)


@pytest.fixture
def model_id(models, trainer) -> int:
    """Model 1 of ``trainer`` (royalty 10 %), every kind on sale at PRICE for 30 days."""
    model_id = models.register(trainer)
    for kind in (INFERENCE, FINE_TUNE, COMMERCIAL):
        models.set_terms(trainer, model_id, kind)
    return model_id


@pytest.fixture
def holder(models, licensee, model_id) -> str:
    """``licensee`` holding the inference licence of model 1."""
    models.buy(licensee, model_id, INFERENCE)
    return licensee


@pytest.fixture
def flaky(models, deployer, trainer, flaky_token, licensee, model_id) -> int:
    """Model 1's inference licence priced in the flaky token, which ``licensee`` holds."""
    with boa.env.prank(deployer):
        models.nft.set_payment_token(flaky_token.address, True)
    flaky_token.mint(licensee, 1_000 * UNIT)
    with boa.env.prank(trainer):
        models.nft.set_terms(model_id, INFERENCE, PRICE, flaky_token.address, LICENCE_VALIDITY)
    return model_id


# --- deployment and admin ------------------------------------------------------------------------


def test_deployment(models, deployer):
    lic = models.licences
    assert lic.modelnft() == models.nft.address
    assert lic.treasury() == models.treasury
    assert lic.fee_bps() == FEE_BPS
    assert lic.MAX_FEE_BPS() == 1_000
    assert (lic.MAX_RECIPIENTS(), lic.MAX_PARENTS()) == (10, 4)
    assert (lic.INFERENCE(), lic.FINE_TUNE(), lic.COMMERCIAL()) == (0, 1, 2)
    assert lic.hasRole(lic.DEFAULT_ADMIN_ROLE(), deployer)
    assert lic.uri(7) == LICENCE_URI


@pytest.mark.parametrize(
    ("nft", "treasury", "fee", "reason"),
    [
        (ZERO_ADDRESS, "0x" + "11" * 20, 0, "model_licences: zero address"),
        ("0x" + "22" * 20, ZERO_ADDRESS, 0, "model_licences: zero treasury"),
        ("0x" + "22" * 20, "0x" + "11" * 20, 1_001, "model_licences: fee exceeds maximum"),
    ],
)
def test_deployment_rejects_bad_arguments(model_licences_deployer, nft, treasury, fee, reason):
    with boa.reverts(reason):
        model_licences_deployer.deploy(nft, treasury, fee, LICENCE_URI)


@pytest.mark.parametrize(
    ("interface_id", "supported"),
    [("01ffc9a7", True), ("d9b67a26", True), ("0e89341c", True), ("7965db0b", True),
     ("80ac58cd", False)],
)  # fmt: skip
def test_supports_interface(models, interface_id, supported):
    assert models.licences.supportsInterface(bytes.fromhex(interface_id)) is supported


@pytest.mark.parametrize("fee", [0, 1, 1_000])
def test_set_fee(models, deployer, fee):
    with boa.env.prank(deployer):
        models.licences.set_fee(fee)
    assert events(models.licences, "FeeSet")[0].fee_bps == fee
    assert models.licences.fee_bps() == fee
    assert models.licences.treasury() == models.treasury


def test_set_fee_rejects_bad_calls(models, deployer, stranger):
    with boa.reverts("model_licences: fee exceeds maximum"), boa.env.prank(deployer):
        models.licences.set_fee(1_001)
    with boa.reverts(MISSING_ROLE), boa.env.prank(stranger):
        models.licences.set_fee(100)


def test_set_treasury(models, deployer, stranger):
    with boa.env.prank(deployer):
        models.licences.set_treasury(stranger)
    assert events(models.licences, "TreasurySet")[0].treasury == stranger
    assert models.licences.treasury() == stranger
    assert models.licences.fee_bps() == FEE_BPS


def test_set_treasury_rejects_bad_calls(models, deployer, stranger):
    with boa.reverts("model_licences: zero treasury"), boa.env.prank(deployer):
        models.licences.set_treasury(ZERO_ADDRESS)
    with boa.reverts(MISSING_ROLE), boa.env.prank(stranger):
        models.licences.set_treasury(stranger)


# --- buy -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [INFERENCE, FINE_TUNE, COMMERCIAL])
def test_buy_grants_a_licence_and_credits_the_model(models, licensee, model_id, kind):
    lic, token = models.licences, models.token
    before = balance_of(models, licensee)
    expiry = models.buy(licensee, model_id, kind, PRICE)
    licence_id = model_id * 4 + kind
    (ev,) = events(lic, "LicenceBought")
    assert (ev.model_id, ev.buyer, ev.payment_token, ev.kind) == (
        model_id,
        licensee,
        token.address,
        kind,
    )
    assert (ev.price, ev.fee, ev.expiry) == (PRICE, FEE, expiry)
    (mint,) = events(lic, "TransferSingle")  # ERC-1155 field names start with `_`: boa drops them
    assert tuple(mint) == (lic.address, licensee, ZERO_ADDRESS, licensee, licence_id, 1)
    assert expiry == now() + LICENCE_VALIDITY
    assert lic.licence_id(model_id, kind) == licence_id
    assert lic.licence_expiry(licensee, model_id, kind) == expiry
    assert lic.licence_valid(licensee, model_id, kind)
    assert lic.balanceOf(licensee, licence_id) == 1
    assert balance_of(models, licensee) == before - PRICE
    assert balance_of(models, lic.address) == PRICE
    assert lic.model_balance(model_id, token.address) == PRICE - FEE
    assert lic.fees(token.address) == FEE
    # Other kinds and holders are untouched.
    assert not lic.licence_valid(licensee, model_id, (kind + 1) % 3)
    assert lic.balanceOf(models.treasury, licence_id) == 0


def test_buying_again_extends_the_licence(models, holder, model_id):
    lic = models.licences
    first = lic.licence_expiry(holder, model_id, INFERENCE)
    boa.env.time_travel(seconds=1_000)
    second = models.buy(holder, model_id, INFERENCE)
    assert second == first + LICENCE_VALIDITY  # from the old expiry: no time is lost
    assert events(lic, "TransferSingle") == []  # the holder already held the licence
    assert events(lic, "LicenceBought")[0].expiry == second
    assert lic.balanceOf(holder, model_id * 4) == 1
    boa.env.time_travel(seconds=3 * LICENCE_VALIDITY)
    assert not lic.licence_valid(holder, model_id, INFERENCE)
    assert lic.balanceOf(holder, model_id * 4) == 1  # an expired licence is still held
    third = models.buy(holder, model_id, INFERENCE)
    assert third == now() + LICENCE_VALIDITY  # from now, once expired
    assert lic.licence_valid(holder, model_id, INFERENCE)


def test_a_licence_is_valid_until_its_expiry(models, holder, model_id):
    lic = models.licences
    expiry = lic.licence_expiry(holder, model_id, INFERENCE)
    boa.env.time_travel(seconds=expiry - now() - 1)
    assert lic.licence_valid(holder, model_id, INFERENCE)
    boa.env.time_travel(seconds=1)
    assert not lic.licence_valid(holder, model_id, INFERENCE)


def test_delisting_suspends_licences(models, deployer, holder, model_id):
    lic = models.licences
    with boa.env.prank(deployer):
        models.nft.delist(model_id, "bafy-reason")
    assert not lic.licence_valid(holder, model_id, INFERENCE)
    assert lic.licence_expiry(holder, model_id, INFERENCE) > now()
    with boa.env.prank(deployer):
        models.nft.relist(model_id)
    assert lic.licence_valid(holder, model_id, INFERENCE)


def test_buy_without_fee(models, deployer, licensee, model_id):
    with boa.env.prank(deployer):
        models.licences.set_fee(0)
    models.buy(licensee, model_id)
    assert events(models.licences, "LicenceBought")[0].fee == 0
    assert models.licences.model_balance(model_id, models.token.address) == PRICE
    assert models.licences.fees(models.token.address) == 0


def test_buy_rejects_bad_calls(models, deployer, trainer, licensee, model_id):
    with boa.reverts("model_licences: unknown licence kind"):
        models.buy(licensee, model_id, 3)
    with boa.reverts("model_licences: unknown model"):
        models.buy(licensee, model_id + 1)
    with boa.reverts("model_licences: price above max_price"):
        models.buy(licensee, model_id, INFERENCE, PRICE - 1)
    models.set_terms(trainer, model_id, FINE_TUNE, 0)
    with boa.reverts("model_licences: licence kind not for sale"):
        models.buy(licensee, model_id, FINE_TUNE)
    with boa.env.prank(deployer):
        models.nft.set_payment_token(models.token.address, False)
    with boa.reverts("model_licences: payment token not allowed"):
        models.buy(licensee, model_id)
    with boa.env.prank(deployer):
        models.nft.set_payment_token(models.token.address, True)
        models.nft.delist(model_id, "bafy-reason")
    with boa.reverts("model_licences: model is delisted"):
        models.buy(licensee, model_id)


def test_buy_without_allowance_reverts(models, stranger, model_id):
    with boa.reverts("erc20: insufficient allowance"):
        models.buy(stranger, model_id)


def test_buy_reverts_when_the_token_returns_false(models, flaky_token, licensee, flaky):
    flaky_token.set_fail(True)
    with boa.reverts("model_licences: payment failed"):
        models.buy(licensee, flaky)
    flaky_token.set_fail(False)
    models.buy(licensee, flaky)
    assert models.licences.model_balance(flaky, flaky_token.address) == PRICE - FEE


def test_a_contract_buyer_must_accept_licences(models, receiver_deployer, model_id):
    rejecting, accepting = receiver_deployer.deploy(False), receiver_deployer.deploy(True)
    for contract in (rejecting, accepting):
        models.fund(contract.address)
    with boa.reverts("erc1155: transfer to non-IERC1155Receiver implementer"):
        models.buy(rejecting.address, model_id)
    models.buy(accepting.address, model_id)
    assert models.licences.balanceOf(accepting.address, model_id * 4) == 1


def test_licence_views_reject_unknown_kinds(models, licensee, model_id):
    lic = models.licences
    for view in (lic.licence_id, lambda m, k: lic.licence_expiry(licensee, m, k),
                 lambda m, k: lic.licence_valid(licensee, m, k)):  # fmt: skip
        with boa.reverts("model_licences: unknown licence kind"):
            view(model_id, 3)
    assert lic.licence_expiry(licensee, model_id, 0) == 0
    assert not lic.licence_valid(licensee, model_id + 5, 0)


# --- licence transfers ---------------------------------------------------------------------------


def test_a_licence_moves_whole_with_its_expiry(models, holder, stranger, model_id):
    lic, licence_id = models.licences, model_id * 4
    expiry = lic.licence_expiry(holder, model_id, INFERENCE)
    with boa.env.prank(holder):
        lic.safeTransferFrom(holder, stranger, licence_id, 1, b"")
    (ev,) = events(lic, "TransferSingle")
    assert tuple(ev) == (lic.address, holder, holder, stranger, licence_id, 1)
    assert (lic.balanceOf(holder, licence_id), lic.balanceOf(stranger, licence_id)) == (0, 1)
    assert lic.licence_expiry(stranger, model_id, INFERENCE) == expiry
    assert lic.licence_expiry(holder, model_id, INFERENCE) == 0
    assert lic.licence_valid(stranger, model_id, INFERENCE)
    assert not lic.licence_valid(holder, model_id, INFERENCE)


def test_zero_and_self_transfers_move_nothing(models, holder, stranger, model_id):
    lic, licence_id = models.licences, model_id * 4
    with boa.env.prank(stranger):  # a zero amount needs no balance
        lic.safeTransferFrom(stranger, holder, licence_id, 0, b"")
    assert events(lic, "TransferSingle")[0][-1] == 0
    with boa.env.prank(holder):
        lic.safeTransferFrom(holder, holder, licence_id, 1, b"")
        lic.safeTransferFrom(holder, stranger, licence_id, 0, b"")
    assert (lic.balanceOf(holder, licence_id), lic.balanceOf(stranger, licence_id)) == (1, 0)


def test_an_operator_transfers_and_batches(
    models, holder, licensee, stranger, manager_account, model_id
):
    lic = models.licences
    models.buy(holder, model_id, COMMERCIAL)
    ids = [model_id * 4, model_id * 4 + 2]
    with boa.env.prank(holder):
        lic.setApprovalForAll(manager_account, True)
    assert lic.isApprovedForAll(holder, manager_account)
    with boa.env.prank(manager_account):
        lic.safeBatchTransferFrom(holder, stranger, ids, [1, 1], b"")
    (ev,) = events(lic, "TransferBatch")
    assert tuple(ev) == (lic.address, manager_account, holder, stranger, ids, [1, 1])
    assert lic.balanceOfBatch([holder, holder, stranger, stranger], ids * 2) == [0, 0, 1, 1]


@pytest.fixture
def manager_account() -> str:
    return boa.env.generate_address("licence-operator")


def test_transfers_reject_bad_calls(models, holder, stranger, receiver_1155_deployer, model_id):
    lic, licence_id = models.licences, model_id * 4
    not_approved = "model_licences: caller is not licence owner or approved"
    with boa.reverts(not_approved), boa.env.prank(stranger):
        lic.safeTransferFrom(holder, stranger, licence_id, 1, b"")
    with boa.reverts("model_licences: transfer to the zero address"), boa.env.prank(holder):
        lic.safeTransferFrom(holder, ZERO_ADDRESS, licence_id, 1, b"")
    with boa.reverts("model_licences: insufficient balance for transfer"), boa.env.prank(holder):
        lic.safeTransferFrom(holder, stranger, licence_id, 2, b"")
    with boa.reverts("model_licences: insufficient balance for transfer"), boa.env.prank(holder):
        lic.safeTransferFrom(holder, stranger, licence_id + 1, 1, b"")
    with boa.reverts("model_licences: ids and amounts length mismatch"), boa.env.prank(holder):
        lic.safeBatchTransferFrom(holder, stranger, [licence_id], [1, 1], b"")
    with boa.reverts("model_licences: insufficient balance for transfer"), boa.env.prank(holder):
        lic.safeBatchTransferFrom(holder, stranger, [licence_id, licence_id], [1, 1], b"")
    with boa.reverts("model_licences: owners and ids length mismatch"):
        lic.balanceOfBatch([holder], [licence_id, licence_id])
    rejecting = receiver_1155_deployer.deploy(False).address
    rejected = "erc1155: transfer to non-IERC1155Receiver implementer"
    with boa.reverts(rejected), boa.env.prank(holder):
        lic.safeTransferFrom(holder, rejecting, licence_id, 1, b"")
    with boa.reverts(rejected), boa.env.prank(holder):
        lic.safeBatchTransferFrom(holder, rejecting, [licence_id], [1], b"")


def test_transfers_to_accepting_contracts(models, holder, receiver_1155_deployer, model_id):
    lic, licence_id = models.licences, model_id * 4
    accepting = receiver_1155_deployer.deploy(True)
    models.buy(holder, model_id, FINE_TUNE)
    with boa.env.prank(holder):
        lic.safeTransferFrom(holder, accepting.address, licence_id, 1, b"data")
        lic.safeBatchTransferFrom(holder, accepting.address, [licence_id + 1], [1], b"")
    assert lic.balanceOfBatch([accepting.address] * 2, [licence_id, licence_id + 1]) == [1, 1]


def test_a_licence_cannot_be_merged_into_another(models, holder, stranger, model_id):
    models.fund(stranger)
    models.buy(stranger, model_id)
    with boa.reverts("model_licences: receiver holds this licence"), boa.env.prank(holder):
        models.licences.safeTransferFrom(holder, stranger, model_id * 4, 1, b"")


# --- royalties -----------------------------------------------------------------------------------


def test_pay_royalty_credits_the_model(models, licensee, model_id):
    lic, token = models.licences, models.token
    receiver, amount = models.nft.royaltyInfo(model_id, 50 * UNIT)
    assert (receiver, amount) == (lic.address, 5 * UNIT)  # the model's 10 % royalty
    with boa.env.prank(licensee):
        lic.pay_royalty(model_id, token.address, amount)
    (ev,) = events(lic, "RoyaltyPaid")
    fee = amount * FEE_BPS // 10_000
    assert (ev.model_id, ev.payer, ev.token, ev.amount, ev.fee) == (
        model_id, licensee, token.address, amount, fee,
    )  # fmt: skip
    assert lic.model_balance(model_id, token.address) == amount - fee
    assert lic.fees(token.address) == fee
    assert balance_of(models, lic.address) == amount


def test_pay_royalty_rejects_bad_calls(
    models, deployer, licensee, other_token, flaky_token, model_id
):
    lic, token = models.licences, models.token.address
    with boa.env.prank(licensee):
        with boa.reverts("model_licences: amount is zero"):
            lic.pay_royalty(model_id, token, 0)
        with boa.reverts("model_licences: unknown model"):
            lic.pay_royalty(model_id + 1, token, UNIT)
        with boa.reverts("model_licences: payment token not allowed"):
            lic.pay_royalty(model_id, other_token.address, UNIT)
    with boa.env.prank(deployer):
        models.nft.set_payment_token(flaky_token.address, True)
    flaky_token.set_fail(True)
    with boa.reverts("model_licences: payment failed"), boa.env.prank(licensee):
        lic.pay_royalty(model_id, flaky_token.address, UNIT)


def test_a_delisted_model_can_still_be_paid(models, deployer, licensee, model_id):
    with boa.env.prank(deployer):
        models.nft.delist(model_id, "bafy-reason")
    with boa.env.prank(licensee):
        models.licences.pay_royalty(model_id, models.token.address, UNIT)
    assert models.licences.model_balance(model_id, models.token.address) > 0


# --- distribution --------------------------------------------------------------------------------


@pytest.fixture
def lineage(models, trainer, licensee):
    """Base model 1 (royalty 10 %, all to ``trainer``) and its fine-tune 2 by ``licensee``
    (royalty 20 %, split 5,000 / 3,333 / 1,667 between licensee, a co-author and a curator)."""
    base = models.register(trainer, royalty_bps=1_000)
    models.set_terms(trainer, base, FINE_TUNE)
    models.buy(licensee, base, FINE_TUNE)
    co_author, curator = boa.env.generate_address("co-author"), boa.env.generate_address("curator")
    recipients = [(licensee, 5_000), (co_author, 3_333), (curator, 1_667)]
    child = models.register(licensee, Provenance(parents=[base]), recipients, 2_000)
    models.set_terms(licensee, child, INFERENCE, 1_000_003)
    return base, child, co_author, curator


def test_distribute_shares_out_a_balance_through_the_lineage(models, trainer, licensee, lineage):
    base, child, co_author, curator = lineage
    lic, token = models.licences, models.token.address
    buyer = models.fund(boa.env.generate_address("buyer"))
    models.buy(buyer, child)
    paid = 1_000_003
    fee = paid * FEE_BPS // 10_000
    amount = paid - fee
    assert lic.model_balance(child, token) == amount
    base_before = lic.model_balance(base, token)  # the fine-tune licence's price
    assert base_before == PRICE - FEE

    assert models.distribute(child) == amount
    to_parent = amount * 1_000 // 10_000
    rest = amount - to_parent
    shares = [rest * 5_000 // 10_000, rest * 3_333 // 10_000]
    shares.append(rest - sum(shares))  # the last recipient takes the rounding
    (parent_ev,) = events(lic, "ParentCredited")
    assert (parent_ev.parent_id, parent_ev.model_id, parent_ev.token, parent_ev.amount) == (
        base, child, token, to_parent,
    )  # fmt: skip
    credited = events(lic, "Credited")
    assert [(e.account, e.model_id, e.amount) for e in credited] == [
        (licensee, child, shares[0]), (co_author, child, shares[1]), (curator, child, shares[2]),
    ]  # fmt: skip
    (ev,) = events(lic, "Distributed")
    assert (ev.model_id, ev.token, ev.amount, ev.to_parents) == (child, token, amount, to_parent)
    assert lic.model_balance(child, token) == 0
    assert lic.model_balance(base, token) == base_before + to_parent
    assert [lic.pending(a, token) for a in (licensee, co_author, curator)] == shares

    # The fine-tune licence paid the base model too; one more call shares the base's balance.
    base_amount = lic.model_balance(base, token)
    assert models.distribute(base) == base_amount == base_before + to_parent
    assert lic.pending(trainer, token) == base_amount
    assert lic.model_balance(base, token) == 0
    assert balance_of(models, lic.address) == (
        sum(lic.pending(a, token) for a in (licensee, co_author, curator, trainer))
        + lic.fees(token)
    )


def test_a_parent_with_a_zero_royalty_gets_nothing(models, trainer, licensee):
    base = models.register(trainer, royalty_bps=0)
    child = models.register(trainer, Provenance(parents=[base]))
    with boa.env.prank(licensee):
        models.licences.pay_royalty(child, models.token.address, UNIT)
    models.distribute(child)
    assert events(models.licences, "ParentCredited") == []
    assert models.licences.model_balance(base, models.token.address) == 0


def test_distribute_rejects_bad_calls(models, trainer, licensee, lineage):
    base, child, _, _ = lineage
    lic, token = models.licences, models.token.address
    recipients, parents = models.splits[child]
    with boa.reverts("model_licences: nothing to distribute"):
        lic.distribute(child, token, recipients, parents)
    with boa.reverts("model_licences: unknown model"):
        lic.distribute(child + 1, token, recipients, parents)
    with boa.env.prank(licensee):
        lic.pay_royalty(child, token, UNIT)
    tampered = [(trainer, 5_000), *recipients[1:]]
    for bad_recipients, bad_parents in (
        (tampered, parents),
        (recipients, []),
        (recipients, [(base, 999)]),
        (recipients[:2], parents),
    ):
        with boa.reverts("model_licences: split does not match the model"):
            lic.distribute(child, token, bad_recipients, bad_parents)
    with boa.reverts("model_licences: split does not match the model"):
        lic.distribute(base, token, recipients, parents)


# --- withdraw and fees ---------------------------------------------------------------------------


def test_withdraw_pays_once(models, trainer, holder, model_id):
    lic, token = models.licences, models.token.address
    models.distribute(model_id)
    credit = PRICE - FEE
    before = balance_of(models, trainer)
    with boa.env.prank(trainer):
        assert lic.withdraw(token) == credit
    (ev,) = events(lic, "Withdrawn")
    assert (ev.account, ev.token, ev.amount) == (trainer, token, credit)
    assert balance_of(models, trainer) == before + credit
    assert lic.pending(trainer, token) == 0
    with boa.reverts("model_licences: nothing to withdraw"), boa.env.prank(trainer):
        lic.withdraw(token)


def test_withdraw_reverts_when_the_token_returns_false(
    models, trainer, flaky_token, licensee, flaky
):
    models.buy(licensee, flaky)
    recipients, parents = models.splits[flaky]
    models.licences.distribute(flaky, flaky_token.address, recipients, parents)
    flaky_token.set_fail(True)
    with boa.reverts("model_licences: transfer failed"), boa.env.prank(trainer):
        models.licences.withdraw(flaky_token.address)
    with boa.reverts("model_licences: transfer failed"):
        models.licences.collect_fees(flaky_token.address)


def test_collect_fees(models, holder, stranger):
    lic, token = models.licences, models.token.address
    with boa.env.prank(stranger):
        assert lic.collect_fees(token) == FEE
    (ev,) = events(lic, "FeesCollected")
    assert (ev.token, ev.treasury, ev.amount) == (token, models.treasury, FEE)
    assert balance_of(models, models.treasury) == FEE
    assert lic.fees(token) == 0
    with boa.reverts("model_licences: no fees to collect"):
        lic.collect_fees(token)


# --- gas -----------------------------------------------------------------------------------------


def test_gas_of_buy_and_withdraw(
    noos_deployer, datanft_deployer, licences_deployer, modelnft_deployer,
    model_licences_deployer, deployer,
):  # fmt: skip
    """Buy a licence <= 120 k (first-time buyer, renewal, after a distribution emptied the
    model's balance); withdraw <= 50 k for a recipient that holds the token."""
    with boa.swap_env(boa.Env()):
        with boa.env.prank(deployer):
            token = noos_deployer.deploy(NAME, SYMBOL, CAP, deployer, INITIAL_SUPPLY)
        market = deploy_market(
            token, deployer, boa.env.generate_address(), datanft_deployer, licences_deployer
        )
        models = deploy_models(
            market, boa.env.generate_address(), modelnft_deployer, model_licences_deployer
        )
        owner = models.fund(boa.env.generate_address())
        buyers = [models.fund(boa.env.generate_address()) for _ in range(3)]
        model_id = models.register(owner)
        models.set_terms(owner, model_id)
        lic = models.licences
        args = (model_id, INFERENCE, PRICE)
        # The contract's first sale also creates its token balance and fee accrual: a one-off.
        models.buy(buyers[0], model_id)
        gas = {"first-time buyer": tx_gas(lic, lic.buy, *args, sender=buyers[1])}
        gas["renewal"] = tx_gas(lic, lic.buy, *args, sender=buyers[1])
        models.distribute(model_id)
        gas["after a distribution"] = tx_gas(lic, lic.buy, *args, sender=buyers[2])
        withdraw = tx_gas(lic, lic.withdraw, token.address, sender=owner)
    assert all(g <= 120_000 for g in gas.values()), gas
    assert withdraw <= 50_000, withdraw
