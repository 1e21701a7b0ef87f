"""Fixtures of the model-contract tests (a pytest plugin module).

Test modules load it with ``pytest_plugins = ["tests.contracts.conftest_data",
"tests.contracts.conftest_models"]``. It builds on the data market of ``conftest_data.py`` (NOOS,
DataNFT, Licences): ModelNFT checks the data orders of a provenance against that Licences
contract. ModelLicences takes a 2.5 % fee for a treasury of its own and is wired into ModelNFT
at deployment. The helpers compute binary CIDs, provenance and split hashes exactly as the
contracts do (``keccak256(abi.encode(...))``), so tests can compare them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boa
import pytest
from eth_abi import encode
from eth_utils import keccak

from noosphere.storage.cid import RAW, block_cid, to_v1

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / "contracts" / "models"

UNIT = 10**18
FEE_BPS = 250
LICENCE_PRICE = 20 * UNIT
LICENCE_VALIDITY = 30 * 86_400
INFERENCE, FINE_TUNE, COMMERCIAL = 0, 1, 2
ZERO_ADDRESS = "0x" + "00" * 20
ZERO32 = b"\x00" * 32
MAX_UINT = 2**256 - 1
LICENCE_URI = "https://noosphere.example/model-licences/{id}.json"

# The ABI types of the provenance struct and of the split lists (as the contracts encode them).
DATASET_USE = "(uint256,uint256,bytes32)"
PROVENANCE = f"({DATASET_USE}[],uint256[],uint256,bytes32,uint256,uint256,bytes32)"
SPLITS = ["(address,uint256)[]", "(uint256,uint256)[]"]


def cid_bytes(label: str, codec: int = RAW) -> bytes:
    """A binary CIDv1 (36 bytes) of a deterministic block, as the contracts take them."""
    return bytes(block_cid(label.encode(), codec).set(version=1))


def cid_text(data: bytes) -> str:
    """The CIDv1 base32 text of a binary CID (what the contracts' views return)."""
    return to_v1(data)


def digest(label: str) -> bytes:
    return hashlib.sha256(label.encode()).digest()


@dataclass
class Provenance:
    """The provenance struct of ModelNFT, as a Python value."""

    datasets: list[tuple[int, int, bytes]] = field(default_factory=list)
    parents: list[int] = field(default_factory=list)
    compute_job: int = 0
    recipe: bytes = field(default_factory=lambda: digest("recipe"))
    netuid: int = 0
    epoch: int = 0
    training_run: bytes = field(default_factory=lambda: digest("training-run"))

    def args(self) -> tuple:
        """The struct as a contract argument."""
        return (
            self.datasets,
            self.parents,
            self.compute_job,
            self.recipe,
            self.netuid,
            self.epoch,
            self.training_run,
        )

    def hash(self) -> bytes:
        """``keccak256(abi.encode(provenance))``."""
        return keccak(encode([PROVENANCE], [self.args()]))


def splits_hash(recipients: list[tuple[str, int]], parents: list[tuple[int, int]]) -> bytes:
    """``keccak256(abi.encode(recipients, parents))``."""
    return keccak(encode(SPLITS, [recipients, parents]))


# An ERC-1155 receiver (single and batch) that accepts every licence, or rejects them all.
RECEIVER_1155 = """
# pragma version ~=0.4.3
accept: public(bool)

@deploy
def __init__(accept_: bool):
    self.accept = accept_

@external
def onERC1155Received(
    operator: address, owner: address, id: uint256, amount: uint256, data: Bytes[1024]
) -> bytes4:
    return 0xF23A6E61 if self.accept else 0x00000000

@external
def onERC1155BatchReceived(
    operator: address, owner: address, ids: DynArray[uint256, 128],
    amounts: DynArray[uint256, 128], data: Bytes[1024]
) -> bytes4:
    # The selector of onERC1155BatchReceived(address,address,uint256[],uint256[],bytes).
    return 0xBC197C81 if self.accept else 0x00000000
"""


class Models:
    """ModelNFT and ModelLicences on top of the data market, and the accounts that drive them."""

    def __init__(self, market: Any, nft: Any, licences: Any, treasury: str) -> None:
        self.market = market
        self.token = market.token
        self.nft = nft
        self.licences = licences
        self.admin = market.admin
        self.treasury = treasury
        # The split lists of each model, as a distributor reads them from `Registered`.
        self.splits: dict[int, tuple[list[tuple[str, int]], list[tuple[int, int]]]] = {}

    def fund(self, account: str, amount: int = 1_000 * UNIT) -> str:
        """Give ``account`` NOOS and approve both licence contracts for all of it."""
        self.market.fund(account, amount)
        with boa.env.prank(account):
            self.token.approve(self.licences.address, MAX_UINT)
        return account

    def data_order(self, buyer: str, data_id: int, consumer: str | None = None) -> int:
        """Buy and start an order of dataset ``data_id`` for ``consumer`` (default: buyer)."""
        price = self.market.nft.terms(data_id)[2]
        with boa.env.prank(buyer):
            return self.market.licences.buy_and_order(data_id, consumer or buyer, 0, price)

    def register(
        self,
        owner: str,
        provenance: Provenance | None = None,
        recipients: list[tuple[str, int]] | None = None,
        royalty_bps: int = 1_000,
        artifact: bytes | None = None,
        metadata: bytes | None = None,
    ) -> int:
        """Register a model owned by ``owner`` (default split: all to the owner)."""
        provenance = provenance or Provenance()
        recipients = recipients or [(owner, 10_000)]
        with boa.env.prank(owner):
            model_id = self.nft.register(
                cid_bytes(f"artifact-{owner}") if artifact is None else artifact,
                cid_bytes(f"metadata-{owner}") if metadata is None else metadata,
                provenance.args(),
                recipients,
                royalty_bps,
            )
        self.remember_splits(model_id)
        return model_id

    def remember_splits(self, model_id: int) -> None:
        """Record the split lists of the `Registered` event of the last call to ModelNFT."""
        (event,) = [e for e in self.nft.get_logs() if type(e).__name__ == "Registered"]
        recipients = [(str(a), int(b)) for a, b in event.recipients]
        parents = [(int(m), int(b)) for m, b in event.parents]
        self.splits[model_id] = (recipients, parents)

    def set_terms(
        self,
        owner: str,
        model_id: int,
        kind: int = INFERENCE,
        price: int = LICENCE_PRICE,
        validity: int = LICENCE_VALIDITY,
    ) -> None:
        with boa.env.prank(owner):
            self.nft.set_terms(model_id, kind, price, self.token.address, validity)

    def buy(self, buyer: str, model_id: int, kind: int = INFERENCE, max_price: int = MAX_UINT):
        with boa.env.prank(buyer):
            return self.licences.buy(model_id, kind, max_price)

    def distribute(self, model_id: int, sender: str | None = None) -> int:
        recipients, parents = self.splits[model_id]
        with boa.env.prank(sender or self.admin):
            return self.licences.distribute(model_id, self.token.address, recipients, parents)


@pytest.fixture(scope="session")
def modelnft_deployer():
    return boa.load_partial(str(MODELS / "modelnft.vy"))


@pytest.fixture(scope="session")
def model_licences_deployer():
    return boa.load_partial(str(MODELS / "model_licences.vy"))


@pytest.fixture(scope="session")
def receiver_1155_deployer():
    return boa.loads_partial(RECEIVER_1155)


@pytest.fixture
def model_treasury() -> str:
    return boa.env.generate_address("model-treasury")


def deploy_models(
    market: Any, treasury: str, modelnft_deployer: Any, model_licences_deployer: Any
) -> Models:
    """Deploy ModelNFT and ModelLicences (2.5 % fee) by the market's admin and wire them."""
    with boa.env.prank(market.admin):
        nft = modelnft_deployer.deploy(
            "Noosphere Models", "NMOD", market.token.address, market.licences.address
        )
        licences = model_licences_deployer.deploy(nft.address, treasury, FEE_BPS, LICENCE_URI)
        nft.set_licences(licences.address)
    return Models(market, nft, licences, treasury)


@pytest.fixture
def deployed_models(market, model_treasury, modelnft_deployer, model_licences_deployer) -> Models:
    """The contracts, deployed once per session."""
    return deploy_models(market, model_treasury, modelnft_deployer, model_licences_deployer)


@pytest.fixture
def models(deployed_models) -> Models:
    """The session's contracts with a fresh record of splits (the EVM is reverted per test)."""
    d = deployed_models
    return Models(d.market, d.nft, d.licences, d.treasury)


@pytest.fixture
def trainer(deployed_models) -> str:
    """A model owner, funded with NOOS (approved to both licence contracts)."""
    return deployed_models.fund(boa.env.generate_address("trainer"))


@pytest.fixture
def licensee(deployed_models) -> str:
    """A licence buyer, funded with NOOS."""
    return deployed_models.fund(boa.env.generate_address("licensee"))
