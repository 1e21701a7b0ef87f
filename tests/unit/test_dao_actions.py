"""Parsing proposal actions ``CONTRACT.function(args)``: every argument type, and every bad input
named by action, argument position and expected type. The ABIs are the shipped artifacts."""

from __future__ import annotations

import re

import pytest
from eth_abi import decode
from eth_utils import function_signature_to_4byte_selector, to_checksum_address

from noosphere.chain.dao_actions import (
    TREASURY_ALIAS,
    contract_names,
    describe_call,
    parse_action,
    parse_argument,
    split_top_level,
)
from noosphere.chain.manifest import DeployedContract, Manifest
from noosphere.errors import InputError, ProposalActionError

NOOS = 10**18
NAMES = ("noos", "timelock", "governor", "emitter", "licences", "datanft", "epochs", "subnets")
ALICE = "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4"  # a checksummed address


def _address(n: int) -> str:
    return to_checksum_address(f"0x{n:040x}")


@pytest.fixture(scope="module")
def manifest() -> Manifest:
    record = {
        n: DeployedContract(n, _address(i + 1), "0x", 1, "0x", "") for i, n in enumerate(NAMES)
    }
    return Manifest(chain_id=31337, deployer=ALICE, artifacts_version="x", contracts=record)


def _args(action, types: list[str]) -> tuple:  # type: ignore[no-untyped-def]
    """The decoded arguments, addresses checksummed."""
    values = decode(types, action.calldata[4:])
    return tuple(
        to_checksum_address(v) if t == "address" else v for t, v in zip(types, values, strict=True)
    )


def test_a_simple_call_is_encoded_and_previewed(manifest: Manifest) -> None:
    action = parse_action("licences.set_fee(250)", manifest)
    assert action.target == manifest.address("licences") and action.value == 0
    assert action.calldata[:4] == function_signature_to_4byte_selector("set_fee(uint256)")
    assert _args(action, ["uint256"]) == (250,)
    assert action.preview == "licences.set_fee(fee_bps_=250)"
    assert action.signature == "set_fee(uint256)"


def test_noos_units_addresses_and_contract_names(manifest: Manifest) -> None:
    action = parse_action(f"noos.transfer({ALICE}, 1.5 NOOS)", manifest)
    assert _args(action, ["address", "uint256"]) == (ALICE, 3 * NOOS // 2)
    assert "1.5 NOOS" in action.preview
    to_treasury = parse_action("noos.transfer(treasury, 1_000)", manifest)
    assert _args(to_treasury, ["address", "uint256"]) == (manifest.address("timelock"), 1000)
    assert "(timelock)" in to_treasury.preview
    lower = parse_action(f"noos.transfer({ALICE.lower()}, 0x10)", manifest)
    assert _args(lower, ["address", "uint256"]) == (ALICE, 16)


def test_treasury_is_the_timelock(manifest: Manifest) -> None:
    assert TREASURY_ALIAS in contract_names(manifest)
    action = parse_action("treasury.update_delay(3600)", manifest)
    assert action.target == manifest.address("timelock") and action.contract == "treasury"


def test_strings_bytes_and_small_ints(manifest: Manifest) -> None:
    action = parse_action('datanft.delist(3, "bafy, \\"quoted\\" (x)")', manifest)
    assert _args(action, ["uint256", "string"]) == (3, 'bafy, "quoted" (x)')
    single = parse_action("datanft.delist(3, 'it\\'s')", manifest)
    assert _args(single, ["uint256", "string"]) == (3, "it's")
    void = parse_action("epochs.void(1, 7, 0x" + "ab" * 32 + ")", manifest)
    assert _args(void, ["uint16", "uint64", "bytes32"]) == (1, 7, b"\xab" * 32)
    share = parse_action("emitter.set_share(1, 2500)", manifest)
    assert _args(share, ["uint16", "uint256"]) == (1, 2500)


def test_bools_and_a_payable_value(manifest: Manifest) -> None:
    action = parse_action(f"datanft.set_payment_token({ALICE}, true)", manifest)
    assert _args(action, ["address", "bool"]) == (ALICE, True)
    relay = parse_action(f"governor.relay({ALICE}, 5, 0x) {{value: 0.25}}", manifest)
    assert relay.value == NOOS // 4 and "{value: 0.25}" in relay.preview
    wei = parse_action(f"governor.relay({ALICE}, 5, 0x1234) {{value: 7 wei}}", manifest)
    assert wei.value == 7 and _args(wei, ["address", "uint256", "bytes"])[2] == b"\x12\x34"


@pytest.mark.parametrize(
    ("typ", "text", "expected"),
    [
        ("uint8", "255", 255),
        ("int8", "-128", -128),
        ("int256", "-1.5 NOOS", -3 * NOOS // 2),
        ("uint256[]", "[1, 2, 3]", [1, 2, 3]),
        ("uint256[2]", "[1, 2]", [1, 2]),
        ("address[]", "[]", []),
        ("string[]", '["a,b", "c"]', ["a,b", "c"]),
        ("bytes", "0x", b""),
        ("bool", "FALSE", False),
        ("string", "'single'", "single"),
        ("string", '"tab\\tnew\\nline"', "tab\tnew\nline"),
        ("uint256[][]", "[[1], [2, 3]]", [[1], [2, 3]]),
    ],
)
def test_argument_types(manifest: Manifest, typ: str, text: str, expected: object) -> None:
    assert parse_argument(text, {"type": typ}, manifest) == expected


def test_tuples(manifest: Manifest) -> None:
    spec = {"type": "tuple", "components": [{"type": "uint8"}, {"type": "address"}]}
    assert parse_argument(f"(1, {ALICE})", spec, manifest) == (1, ALICE)
    with pytest.raises(InputError, match="tuple needs 2 items, 1 given"):
        parse_argument("(1)", spec, manifest)
    with pytest.raises(InputError, match="is not a tuple"):
        parse_argument("1, 2", spec, manifest)


@pytest.mark.parametrize(
    ("typ", "text", "fragment"),
    [
        ("uint8", "256", "out of range for uint8 (0 to 255)"),
        ("uint256", "-1", "out of range for uint256"),
        ("int8", "128", "out of range for int8"),
        ("uint256", "12abc", "not an integer"),
        ("uint256", "1.5", "not an integer"),
        ("uint256", "0.0000000000000000001 NOOS", "more than 18 decimals"),
        ("uint256", "", "missing"),
        ("address", "0x1234", "not an address"),
        ("address", "nobody", "not an address (0x + 40 hex) or a contract name"),
        ("address", ALICE[:-1] + ("c" if ALICE[-1] != "c" else "d"), "wrong checksum"),
        ("bool", "yes", "not a bool"),
        ("bytes32", "0x1234", "needs exactly 32 bytes, 2 given"),
        ("bytes", "0x123", "not bytes hex"),
        ("bytes", "1234", "not bytes hex"),
        ("string", "unquoted", "not a quoted string"),
        ("string", '"a"b"', "unescaped quote"),
        ("uint256[]", "1, 2", "not a uint256[] array"),
        ("uint256[2]", "[1]", "needs 2 items, 1 given"),
        ("uint256[]", "[1, x]", "not an integer"),
        ("function", "0x", "not supported"),
    ],
)
def test_bad_arguments(manifest: Manifest, typ: str, text: str, fragment: str) -> None:
    with pytest.raises(InputError, match=re.escape(fragment)):
        parse_argument(text, {"type": typ}, manifest)


@pytest.mark.parametrize(
    ("action", "fragments"),
    [
        ("licences.set_fee", ["not of the form CONTRACT.function"]),
        ("set_fee(1)", ["not of the form"]),
        ("licence.set_fee(1)", ["unknown contract 'licence'", "did you mean 'licences'"]),
        ("nothing.at_all(1)", ["unknown contract", "contracts: datanft"]),
        ("licences.set_fees(1)", ["has no function 'set_fees'", "did you mean set_fee"]),
        ("licences.zzz(1)", ["has no function 'zzz'", "see its ABI"]),
        ("licences.set_fee()", ["takes 1 argument(s), 0 given", "set_fee(uint256)"]),
        ("licences.set_fee(1, 2)", ["takes 1 argument(s), 2 given"]),
        ("licences.set_fee(-1)", ["argument 1 (fee_bps_: uint256)", "out of range"]),
        ("emitter.set_share(70000, 1)", ["argument 1 (netuid: uint16)", "out of range"]),
        (f"noos.transfer(1, {ALICE})", ["argument 1 (to: address)", "not an address"]),
        ("noos.transfer(treasury, lots)", ["argument 2 (amount: uint256)", "not an integer"]),
        ("datanft.delist(3, bafy)", ["argument 2 (reason_cid: string)", "not a quoted string"]),
        ('datanft.delist(3, "x)', ["missing a closing", '"']),
        ("licences.set_fee([1)", ["missing a closing ']'"]),
        ("licences.set_fee(1])", ["unbalanced ']'"]),
        ("licences.fee_bps()", ["read-only function"]),
        ("licences.set_fee(1) {value: 1}", ["not payable"]),
        ("governor.relay(treasury, 1, 0x) {gas: 1}", ["{value: 1.5}"]),
        ("governor.relay(treasury, 1, 0x) {value: -1}", ["value:", "non-negative"]),
    ],
)
def test_bad_actions_name_the_action_and_argument(
    manifest: Manifest, action: str, fragments: list[str]
) -> None:
    with pytest.raises(ProposalActionError) as info:
        parse_action(action, manifest)
    text = str(info.value)
    assert action.strip() in text or "not of the form" in text
    for fragment in fragments:
        assert fragment in text, text


def test_overloads_are_told_apart(manifest: Manifest) -> None:
    # datanft has safeTransferFrom(address,address,uint256) and (...,bytes): arity picks one
    three = parse_action(f"datanft.safeTransferFrom(treasury, {ALICE}, 1)", manifest)
    four = parse_action(f"datanft.safeTransferFrom(treasury, {ALICE}, 1, 0x)", manifest)
    assert three.signature.count(",") == 2 and four.signature.endswith("bytes)")
    with pytest.raises(ProposalActionError, match="takes 3 or 4 argument"):
        parse_action("datanft.safeTransferFrom(1)", manifest)


def test_describe_call_decodes_known_and_unknown_targets(manifest: Manifest) -> None:
    action = parse_action('datanft.delist(3, "bafy")', manifest)
    assert describe_call(manifest, action.target, 0, action.calldata) == (
        'datanft.delist(data_id=3, reason_cid="bafy")'
    )
    assert describe_call(manifest, ALICE, 2, b"\x01\x02").startswith(f"{ALICE}: calldata 0x0102")
    odd = describe_call(manifest, manifest.address("licences"), 0, b"\xde\xad\xbe\xef")
    assert "unknown calldata 0xdeadbeef" in odd


def test_split_top_level() -> None:
    assert split_top_level("") == []
    assert split_top_level(' 1 , "a,b" , [1, (2, 3)] ') == ["1", '"a,b"', "[1, (2, 3)]"]
    assert split_top_level("1,") == ["1", ""]
    with pytest.raises(InputError, match="unbalanced"):
        split_top_level("(]")
