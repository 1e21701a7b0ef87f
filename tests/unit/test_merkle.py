"""OpenZeppelin StandardMerkleTree compatibility: known vectors, properties, on-chain proofs."""

from __future__ import annotations

import boa
import pytest
from eth_abi import encode
from eth_utils import keccak
from hypothesis import given, settings
from hypothesis import strategies as st

from noosphere.consensus import merkle
from noosphere.consensus.merkle import (
    MerkleTreeError,
    StandardMerkleTree,
    hash_pair,
    leaf_hash,
    process_proof,
    verify,
)
from noosphere.errors import ConsensusError, NoosphereError

PAYOUT_TYPES = ("uint16", "uint64", "address", "uint256")

# The verifier the contracts use (snekmate's `merkle_proof_verification`).
VERIFIER = boa.loads(
    """
from snekmate.utils import merkle_proof_verification

@external
@pure
def verify(proof: DynArray[bytes32, 64], root: bytes32, leaf: bytes32) -> bool:
    return merkle_proof_verification._verify(proof, root, leaf)
"""
)


def _hex(nodes: list[bytes] | tuple[bytes, ...]) -> list[str]:
    return ["0x" + node.hex() for node in nodes]


# --- OpenZeppelin's vectors ---------------------------------------------------------------------


def test_the_readme_vector_of_openzeppelin_merkle_tree():
    # @openzeppelin/merkle-tree README, "Building a Tree" (its dump's `tree` array).
    tree = StandardMerkleTree(
        [
            ["0x1111111111111111111111111111111111111111", 5_000_000_000_000_000_000],
            ["0x2222222222222222222222222222222222222222", 2_500_000_000_000_000_000],
        ],
        ["address", "uint256"],
    )
    assert _hex(tree.tree) == [
        "0xd4dee0beab2d53f2cc83e567171bd2820e49898130a22622b10ead383e90bd77",
        "0xeb02c421cfa48976e66dfb29120745909ea3a0f843456c263cf8f1253483e283",
        "0xb92c48e9d7abe27fd8dfd6b5dfdbfb1c9a463f80c712b66f3a5180a090cccafc",
    ]
    assert tree.proof(0) == [
        bytes.fromhex("b92c48e9d7abe27fd8dfd6b5dfdbfb1c9a463f80c712b66f3a5180a090cccafc")
    ]


def test_a_three_leaf_dump_of_openzeppelin_merkle_tree():
    # A `standard-v1` dump written by @openzeppelin/merkle-tree (odd leaf count, tree indices).
    account = "0x80d628ff4AC2aFf620C3474663F1e559234bbE0c"
    tree = StandardMerkleTree([[account, 0], [account, 1], [account, 2]], ["address", "uint256"])
    dump = tree.dump()
    assert dump["format"] == "standard-v1"
    assert dump["leafEncoding"] == ["address", "uint256"]
    assert dump["tree"] == [
        "0x0fecce441c7468f17e3fe4a5f211b77a15b27c9ab3d33317df385dfbe5487034",
        "0x636ab2686ee3036244cf3d6b5574e051e4b20a3577b008975dbcca6dde2897d2",
        "0xd90245da324d7908326a3d56a9659741551a4603c397bf4dd373976bd85660e7",
        "0x36fb17c97ec80bb961ff0adff1af4a2a34847ecc40653c162e327117a76e3ec9",
        "0x1867c4ebd455913e429523a5c2d4b3a79f58068b5a25af911956245ed03a659d",
    ]
    assert [v["treeIndex"] for v in dump["values"]] == [4, 3, 2]


def test_leaf_hash_is_the_double_keccak_of_the_abi_encoding():
    values = (1, 7, "0x" + "ab" * 20, 10**18)
    expected = keccak(keccak(encode(list(PAYOUT_TYPES), list(values))))
    assert leaf_hash(PAYOUT_TYPES, values) == expected


def test_a_single_leaf_is_its_own_root():
    tree = StandardMerkleTree([(1, 0, "0x" + "11" * 20, 5)], PAYOUT_TYPES)
    assert tree.root == tree.leaf(0)
    assert tree.proof(0) == []
    assert tree.verify(0, [])


def test_proof_by_value_and_by_index_agree():
    rows = [(1, 3, "0x" + f"{i:02x}" * 20, i * 10) for i in range(1, 6)]
    tree = StandardMerkleTree(rows, PAYOUT_TYPES)
    for i, row in enumerate(rows):
        assert tree.proof(row) == tree.proof(i)
        assert tree.index_of(row) == i
        assert tree.verify(row, tree.proof(i))
    assert not tree.verify(rows[0], tree.proof(1))


def test_public_names_are_exported():
    from noosphere import consensus

    for name in merkle.__all__:
        assert getattr(consensus, name) is getattr(merkle, name)


# --- errors ------------------------------------------------------------------------------------


def test_errors_are_noosphere_errors():
    assert issubclass(MerkleTreeError, ConsensusError)
    assert issubclass(MerkleTreeError, NoosphereError)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: StandardMerkleTree([], PAYOUT_TYPES), "at least one leaf"),
        (lambda: StandardMerkleTree([(1, 2)], PAYOUT_TYPES), "2 values for 4 types"),
        (lambda: leaf_hash(["uint16"], [70_000]), "cannot ABI-encode"),
        (lambda: leaf_hash(["address"], ["not an address"]), "cannot ABI-encode"),
        (lambda: verify(b"\x00" * 31, b"\x00" * 32, []), "root must be 32 bytes"),
        (lambda: verify("0xzz", b"\x00" * 32, []), "root is not hexadecimal"),
        (lambda: process_proof(b"\x00" * 32, [b"\x01"]), r"proof\[0\] must be 32 bytes"),
    ],
)
def test_bad_input_raises_merkle_tree_error(call, message):
    with pytest.raises(MerkleTreeError, match=message):
        call()


def test_unknown_leaves_and_indices_raise():
    tree = StandardMerkleTree([(1, 0, "0x" + "11" * 20, 5)], PAYOUT_TYPES)
    with pytest.raises(MerkleTreeError, match="out of range"):
        tree.proof(1)
    with pytest.raises(MerkleTreeError, match="out of range"):
        tree.proof(-1)
    with pytest.raises(MerkleTreeError, match="is not a leaf"):
        tree.proof((1, 0, "0x" + "11" * 20, 6))


def test_hex_strings_are_accepted():
    tree = StandardMerkleTree(
        [(1, 0, "0x" + "11" * 20, 5), (1, 0, "0x" + "22" * 20, 6)], PAYOUT_TYPES
    )
    proof = ["0x" + p.hex() for p in tree.proof(0)]
    assert verify("0x" + tree.root.hex(), "0x" + tree.leaf(0).hex(), proof)


# --- properties and on-chain verification ------------------------------------------------------

payout_rows = st.lists(
    st.tuples(
        st.integers(0, 2**16 - 1),
        st.integers(0, 2**64 - 1),
        st.binary(min_size=20, max_size=20).map(lambda b: "0x" + b.hex()),
        st.integers(0, 2**256 - 1),
    ),
    min_size=1,
    max_size=40,
)


def _reference_root(leaves: list[bytes]) -> bytes:
    """OpenZeppelin's makeMerkleTree written independently (array from the end)."""
    leaves = sorted(leaves)
    tree = [b""] * (2 * len(leaves) - 1)
    for i, leaf in enumerate(leaves):
        tree[len(tree) - 1 - i] = leaf
    for i in range(len(tree) - 1 - len(leaves), -1, -1):
        a, b = sorted((tree[2 * i + 1], tree[2 * i + 2]))
        tree[i] = keccak(a + b)
    return tree[0]


@given(rows=payout_rows)
@settings(max_examples=80, deadline=None)
def test_every_proof_verifies_in_python_and_on_chain(rows):
    tree = StandardMerkleTree(rows, PAYOUT_TYPES)
    assert tree.root == _reference_root([leaf_hash(PAYOUT_TYPES, r) for r in rows])
    for i in range(len(rows)):
        proof = tree.proof(i)
        assert verify(tree.root, tree.leaf(i), proof)
        assert VERIFIER.verify(proof, tree.root, tree.leaf(i))


@given(rows=payout_rows, data=st.data())
@settings(max_examples=60, deadline=None)
def test_a_tampered_proof_or_leaf_does_not_verify(rows, data):
    tree = StandardMerkleTree(rows, PAYOUT_TYPES)
    i = data.draw(st.integers(0, len(rows) - 1))
    proof = tree.proof(i)
    netuid, epoch, account, amount = rows[i]
    other = leaf_hash(PAYOUT_TYPES, (netuid, epoch, account, (amount + 1) % 2**256))
    if other not in {tree.leaf(j) for j in range(len(rows))}:
        assert not verify(tree.root, other, proof)
        assert not VERIFIER.verify(proof, tree.root, other)
    if proof:
        k = data.draw(st.integers(0, len(proof) - 1))
        bad = [*proof]
        bad[k] = bytes([bad[k][0] ^ 1]) + bad[k][1:]
        assert not verify(tree.root, tree.leaf(i), bad)
        assert not VERIFIER.verify(bad, tree.root, tree.leaf(i))


@pytest.mark.parametrize("n", [1, 2, 3, 255, 256, 257, 300])
def test_proof_depth_is_logarithmic(n):
    rows = [(1, 0, "0x" + (i + 1).to_bytes(20, "big").hex(), i) for i in range(n)]
    tree = StandardMerkleTree(rows, PAYOUT_TYPES)
    depths = {len(tree.proof(i)) for i in range(n)}
    assert max(depths) == (n - 1).bit_length()
    assert all(VERIFIER.verify(tree.proof(i), tree.root, tree.leaf(i)) for i in range(0, n, 37))


def test_hash_pair_is_commutative():
    a, b = keccak(b"a"), keccak(b"b")
    assert hash_pair(a, b) == hash_pair(b, a) == keccak(min(a, b) + max(a, b))
