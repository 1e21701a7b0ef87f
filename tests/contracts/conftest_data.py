"""Fixtures of the data-market tests (a pytest plugin module).

Test modules load it with ``pytest_plugins = ["tests.contracts.conftest_data"]``. It builds on
``conftest.py``'s ``token`` (NOOS, the deployer holds the supply): DataNFT allows NOOS at
deployment, and Licences pays a 2.5 % fee to a treasury. The fixtures that change the chain
(``data_id``, ``buyer``) are function-scoped, so no test depends on which ran before. Small
helper contracts (a token whose transfers can return ``False``, ERC-721/ERC-1155 receivers
that accept or reject) are inline Vyper sources; the second ERC-20 is another NOOS.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import boa
import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "contracts" / "data"

UNIT = 10**18
PRICE = 5 * UNIT
FEE_BPS = 250
VALIDITY = 86_400  # one day, in seconds
TRAINING, INFERENCE, COMMERCIAL = 1, 2, 4
ZERO_ADDRESS = "0x" + "00" * 20
MAX_UINT = 2**256 - 1
BASE_URI = "https://noosphere.example/licences/{id}.json"

# Realistic texts: a CIDv1 (base32, 59 characters), a CIDv0 (46) and a provider URL.
METADATA_CID = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"
CONTENT_CID = "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG"
ENDPOINT = "https://provider.noosphere.example:8443/v1"
NEW_METADATA_CID = "bafkreidivzimqfqtoqxkrpge6bjyhlvxqs3rhe73owtmdulaxr5do5in7u"


def recipe(n: int) -> bytes:
    """A deterministic recipe hash (the sha2-256 of a recipe's name)."""
    return hashlib.sha256(f"recipe-{n}".encode()).digest()


RECIPES = [recipe(1), recipe(2), recipe(3)]

# A minimal ERC-20 (no allowances) whose `transferFrom` and `transfer` return False instead of
# moving tokens once `fail` is set.
FLAKY_TOKEN = """
# pragma version ~=0.4.3
balanceOf: public(HashMap[address, uint256])
fail: public(bool)

@external
def mint(to: address, amount: uint256):
    self.balanceOf[to] += amount

@external
def set_fail(fail_: bool):
    self.fail = fail_

@external
def transferFrom(owner: address, to: address, amount: uint256) -> bool:
    if self.fail:
        return False
    self.balanceOf[owner] -= amount
    self.balanceOf[to] += amount
    return True

@external
def transfer(to: address, amount: uint256) -> bool:
    if self.fail:
        return False
    self.balanceOf[msg.sender] -= amount
    self.balanceOf[to] += amount
    return True
"""

# An ERC-721/ERC-1155 receiver that accepts every token, or rejects them all.
RECEIVER = """
# pragma version ~=0.4.3
accept: public(bool)

@deploy
def __init__(accept_: bool):
    self.accept = accept_

@external
def onERC721Received(
    operator: address, owner: address, token_id: uint256, data: Bytes[1024]
) -> bytes4:
    # The selector of onERC721Received(address,address,uint256,bytes).
    return 0x150B7A02 if self.accept else 0x00000000

@external
def onERC1155Received(
    operator: address, owner: address, id: uint256, amount: uint256, data: Bytes[1024]
) -> bytes4:
    # The selector of onERC1155Received(address,address,uint256,uint256,bytes).
    return 0xF23A6E61 if self.accept else 0x00000000
"""


class Market:
    """DataNFT, Licences, NOOS and the accounts that drive them."""

    def __init__(self, token: Any, nft: Any, licences: Any, admin: str, treasury: str) -> None:
        self.token = token
        self.nft = nft
        self.licences = licences
        self.admin = admin
        self.treasury = treasury

    def fund(self, account: str, amount: int = 1_000 * UNIT) -> str:
        """Give ``account`` NOOS and approve Licences for all of it."""
        with boa.env.prank(self.admin):
            self.token.transfer(account, amount)
        with boa.env.prank(account):
            self.token.approve(self.licences.address, MAX_UINT)
        return account

    def publish(self, owner: str, **changes: Any) -> int:
        """Publish a dataset owned by ``owner`` with the default terms and ``changes``."""
        args = publish_args(self.token.address, **changes)
        with boa.env.prank(owner):
            return self.nft.publish(*args)


def publish_args(token: str, **changes: Any) -> tuple:
    """The arguments of ``publish``: the defaults with ``changes``."""
    values = {
        "metadata_cid": METADATA_CID,
        "content_cid": CONTENT_CID,
        "endpoint": ENDPOINT,
        "price": PRICE,
        "payment_token": token,
        "validity": VALIDITY,
        "uses": TRAINING | INFERENCE,
        "recipes": RECIPES,
    }
    values.update(changes)
    return tuple(values.values())


@pytest.fixture(scope="session")
def datanft_deployer():
    return boa.load_partial(str(DATA / "datanft.vy"))


@pytest.fixture(scope="session")
def licences_deployer():
    return boa.load_partial(str(DATA / "licences.vy"))


@pytest.fixture
def treasury() -> str:
    return boa.env.generate_address("treasury")


def deploy_market(
    token: Any, admin: str, treasury: str, datanft_deployer: Any, licences_deployer: Any
) -> Market:
    """Deploy DataNFT (NOOS allowed) and Licences (2.5 % fee) by ``admin``."""
    with boa.env.prank(admin):
        nft = datanft_deployer.deploy("Noosphere Data", "NDATA", token.address)
        licences = licences_deployer.deploy(nft.address, treasury, FEE_BPS, BASE_URI)
    return Market(token, nft, licences, admin, treasury)


@pytest.fixture
def market(token, deployer, treasury, datanft_deployer, licences_deployer) -> Market:
    return deploy_market(token, deployer, treasury, datanft_deployer, licences_deployer)


@pytest.fixture
def publisher(market) -> str:
    """The owner of dataset 1."""
    return boa.env.generate_address("publisher")


@pytest.fixture
def buyer(market) -> str:
    """A buyer funded with 1,000 NOOS that approved Licences."""
    return market.fund(boa.env.generate_address("buyer"))


@pytest.fixture
def consumer() -> str:
    return boa.env.generate_address("consumer")


@pytest.fixture
def stranger() -> str:
    return boa.env.generate_address("stranger")


@pytest.fixture
def data_id(market, publisher) -> int:
    """Dataset 1, published by ``publisher`` with the default terms."""
    return market.publish(publisher)


@pytest.fixture
def other_token(noos_deployer, deployer):
    """A second ERC-20 (not allowed as a payment token until a test allows it)."""
    with boa.env.prank(deployer):
        return noos_deployer.deploy("Other", "OTH", 10**30, deployer, 10**27)


@pytest.fixture
def flaky_token():
    return boa.loads(FLAKY_TOKEN)


@pytest.fixture(scope="session")
def receiver_deployer():
    return boa.loads_partial(RECEIVER)
