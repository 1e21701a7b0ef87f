"""Compute-to-data receipts: EIP-712 signing, verification, and what a forged or altered one
looks like (another signer, one field changed, another domain, swapped metrics)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount

from noosphere.data.receipts import (
    DOMAIN_NAME,
    RECEIPT_TYPES,
    ComputeReceipt,
    metrics_hash,
    receipt_domain,
    sign_receipt,
    verify_receipt,
)
from noosphere.errors import NoosphereError, ReceiptError

PROVIDER: LocalAccount = Account.from_key("0x" + "51" * 32)
MALLORY: LocalAccount = Account.from_key("0x" + "66" * 32)
LICENCES = "0x" + "4c" * 20
CHAIN_ID = 31337
CID = "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG"
OUTPUT = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"
METRICS = {"accuracy": 0.9375, "n_test": 32, "test_class_counts": [16, 16]}


def _receipt(**changes: object) -> ComputeReceipt:
    fields: dict[str, object] = {
        "chain_id": CHAIN_ID,
        "licences": LICENCES,
        "data_id": 7,
        "dataset_cid": CID,
        "recipe_hash": "0x" + "ab" * 32,
        "params_hash": "0x" + "cd" * 32,
        "output_cid": OUTPUT,
        "metrics_hash": metrics_hash(METRICS),
        "order_id": 12,
        "provider": PROVIDER.address,
        "finished_at": 1_750_000_000,
        "metrics": METRICS,
    }
    fields.update(changes)
    return ComputeReceipt(**fields)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def signed() -> ComputeReceipt:
    return sign_receipt(PROVIDER, _receipt())


def test_sign_and_verify(signed: ComputeReceipt) -> None:
    assert signed.signature.startswith("0x") and len(signed.signature) == 132
    assert verify_receipt(signed) == PROVIDER.address
    assert verify_receipt(signed, PROVIDER.address, chain_id=CHAIN_ID, licences=LICENCES) == (
        PROVIDER.address
    )


def test_matches_eth_account_typed_data(signed: ComputeReceipt) -> None:
    """The digest is standard EIP-712: eth_account recovers the same signer from it."""
    message = signed.message()
    for key in ("recipeHash", "paramsHash", "metricsHash"):
        message[key] = bytes.fromhex(message[key][2:])
    full = {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            **RECEIPT_TYPES,
        },
        "primaryType": "ComputeReceipt",
        "domain": receipt_domain(CHAIN_ID, LICENCES),
        "message": message,
    }
    signable = encode_typed_data(full_message=full)
    assert Account.recover_message(signable, signature=signed.signature) == PROVIDER.address
    assert signed.domain["name"] == DOMAIN_NAME == "Noosphere Compute-to-Data"


def test_canonical_json_round_trip(signed: ComputeReceipt) -> None:
    text = signed.to_json()
    assert " " not in text.replace(DOMAIN_NAME, "")
    again = ComputeReceipt.from_json(text)
    assert again == signed and again.metrics == METRICS
    assert again.to_json() == text
    # Any JSON spelling of the same document reads back to the same receipt.
    pretty = json.dumps(json.loads(text), indent=2)
    assert ComputeReceipt.from_json(pretty).to_json() == text
    assert verify_receipt(again, PROVIDER.address) == PROVIDER.address


def test_forged_by_another_key(signed: ComputeReceipt) -> None:
    # Mallory signs a receipt that names the provider: it recovers to Mallory.
    forged = replace(
        signed, signature=sign_receipt(MALLORY, _receipt(provider=MALLORY.address)).signature
    )
    with pytest.raises(ReceiptError, match="forged or altered receipt"):
        verify_receipt(forged)
    # A receipt honestly signed by Mallory is not the expected provider's.
    own = sign_receipt(MALLORY, _receipt(provider=MALLORY.address))
    assert verify_receipt(own) == MALLORY.address
    with pytest.raises(ReceiptError, match="not by the expected provider"):
        verify_receipt(own, PROVIDER.address)


def test_signer_must_be_the_named_provider() -> None:
    with pytest.raises(ReceiptError, match="cannot sign it"):
        sign_receipt(MALLORY, _receipt())


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("data_id", 8),
        ("dataset_cid", OUTPUT),
        ("recipe_hash", "0x" + "ac" * 32),
        ("params_hash", "0x" + "ce" * 32),
        ("output_cid", CID),
        ("metrics_hash", "0x" + "00" * 32),
        ("order_id", 13),
        ("finished_at", 1_750_000_001),
    ],
)
def test_altered_field(signed: ComputeReceipt, field: str, value: object) -> None:
    altered = replace(signed, **{field: value})
    with pytest.raises(ReceiptError, match="forged or altered receipt"):
        verify_receipt(altered, PROVIDER.address)


def test_altered_in_json(signed: ComputeReceipt) -> None:
    document = json.loads(signed.to_json())
    document["message"]["outputCid"] = CID
    with pytest.raises(ReceiptError, match="forged or altered"):
        verify_receipt(ComputeReceipt.from_dict(document))


def test_altered_metrics(signed: ComputeReceipt) -> None:
    better = replace(signed, metrics={**METRICS, "accuracy": 0.99})
    with pytest.raises(ReceiptError, match="metrics do not hash"):
        verify_receipt(better)


def test_wrong_domain(signed: ComputeReceipt) -> None:
    # Verified against another chain or contract than the receipt's: refused by name.
    with pytest.raises(ReceiptError, match="wrong domain: the receipt is for chain 31337"):
        verify_receipt(signed, chain_id=1)
    with pytest.raises(ReceiptError, match="wrong domain: the receipt is for the licences"):
        verify_receipt(signed, licences="0x" + "4d" * 20)
    # The domain moved to another chain after signing: the signature no longer matches.
    with pytest.raises(ReceiptError, match="forged or altered"):
        verify_receipt(replace(signed, chain_id=1))
    # Another domain name or version is not a receipt of ours.
    document = json.loads(signed.to_json())
    document["domain"]["name"] = "Noosphere Data"
    with pytest.raises(ReceiptError, match="wrong domain"):
        ComputeReceipt.from_dict(document)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.pop("signature"), "a receipt has the keys"),
        (lambda d: d.update(extra=1), "a receipt has the keys"),
        (lambda d: d.update(type="other"), "not a compute-to-data receipt"),
        (lambda d: d["message"].pop("orderId"), "must hold exactly"),
        (lambda d: d["message"].update(orderId=-1), "orderId must be an unsigned integer"),
        (lambda d: d["message"].update(dataId=True), "dataId must be an unsigned integer"),
        (lambda d: d["message"].update(recipeHash="0x12"), "recipeHash is malformed"),
        (lambda d: d["message"].update(provider="0xnothex"), "provider must be a 0x-prefixed"),
        (lambda d: d["message"].update(outputCid="ipfs://x"), "outputCid is malformed"),
        (lambda d: d.update(signature="0x1234"), "signature is malformed"),
        (lambda d: d.update(metrics=[1]), "metrics must be a JSON object"),
    ],
)
def test_malformed_documents(signed: ComputeReceipt, mutate: object, message: str) -> None:
    document = json.loads(signed.to_json())
    mutate(document)  # type: ignore[operator]
    with pytest.raises(ReceiptError, match=message):
        ComputeReceipt.from_dict(document)


def test_bad_json_and_unsigned() -> None:
    for text in ("", "{", "[]", "x" * 70_000):
        with pytest.raises(ReceiptError):
            ComputeReceipt.from_json(text)
    with pytest.raises(ReceiptError, match="not signed"):
        verify_receipt(_receipt())
    bad_s = "0x" + "11" * 32 + "ff" * 32 + "1b"  # high s: malleable, refused
    with pytest.raises(ReceiptError, match="signature is invalid"):
        verify_receipt(_receipt(signature=bad_s))
    with pytest.raises(ReceiptError, match="not a ComputeReceipt"):
        verify_receipt({"signature": "0x"})  # type: ignore[arg-type]


def test_metrics_hash_is_canonical() -> None:
    assert metrics_hash({"b": 1, "a": [1, 2]}) == metrics_hash({"a": [1, 2], "b": 1})
    assert metrics_hash({"a": 1}) != metrics_hash({"a": 1.0})  # "1" and "1.0" differ
    with pytest.raises(ReceiptError, match="not canonical JSON"):
        metrics_hash({"a": float("nan")})
    with pytest.raises(ReceiptError, match="must be a JSON object"):
        metrics_hash([1, 2])  # type: ignore[arg-type]
    assert issubclass(ReceiptError, NoosphereError)
