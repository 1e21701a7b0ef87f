"""OpenZeppelin-compatible standard Merkle trees: the payouts root that validators attest.

A :class:`StandardMerkleTree` is built exactly as OpenZeppelin's JavaScript library
``@openzeppelin/merkle-tree`` builds its ``StandardMerkleTree``, so roots and proofs agree with
it and with on-chain verifiers (OpenZeppelin's ``MerkleProof``, snekmate's
``merkle_proof_verification``):

- a leaf is ``keccak256(keccak256(abi.encode(types, values)))`` (the double hash keeps a
  64-byte internal node from being passed off as a leaf);
- an internal node is ``keccak256`` of its two children sorted as byte strings;
- the leaf hashes are sorted ascending and laid out as the last ``n`` entries of an array of
  ``2n - 1`` nodes in reverse (the complete binary tree of OpenZeppelin's ``makeMerkleTree``),
  node ``i`` having children ``2i + 1`` and ``2i + 2``; the root is node ``0``.

``StandardMerkleTree(values, types).proof(i)`` gives the proof of ``values[i]`` (the original
order, not the sorted one); :func:`verify` checks a proof as the contracts do.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from eth_abi import encode
from eth_utils import keccak

from noosphere.errors import ConsensusError

__all__ = [
    "MerkleTreeError",
    "StandardMerkleTree",
    "hash_pair",
    "leaf_hash",
    "process_proof",
    "verify",
]


class MerkleTreeError(ConsensusError):
    """A Merkle tree, leaf or proof is malformed (no leaves, bad value, unknown leaf...)."""


def _as_hash(value: Any, what: str) -> bytes:
    """``value`` as 32 bytes (bytes or a 0x-prefixed hex string)."""
    if isinstance(value, str):
        text = value[2:] if value.startswith(("0x", "0X")) else value
        try:
            value = bytes.fromhex(text)
        except ValueError as error:
            raise MerkleTreeError(f"{what} is not hexadecimal: {value!r}") from error
    if not isinstance(value, bytes | bytearray) or len(value) != 32:
        raise MerkleTreeError(f"{what} must be 32 bytes, got {value!r}")
    return bytes(value)


def leaf_hash(types: Sequence[str], values: Sequence[Any]) -> bytes:
    """The standard leaf hash ``keccak256(keccak256(abi.encode(types, values)))``."""
    if len(types) != len(values):
        raise MerkleTreeError(
            f"a leaf has {len(values)} values for {len(types)} types {list(types)}"
        )
    try:
        encoded = encode(list(types), list(values))
    except Exception as error:  # eth_abi raises several unrelated types for bad input
        raise MerkleTreeError(
            f"cannot ABI-encode leaf {list(values)!r} as {list(types)}: {error}"
        ) from error
    return keccak(keccak(encoded))


def hash_pair(a: bytes, b: bytes) -> bytes:
    """An internal node: ``keccak256`` of the two children, smaller first."""
    return keccak(a + b) if a <= b else keccak(b + a)


def process_proof(leaf: bytes, proof: Iterable[Any]) -> bytes:
    """The root that ``proof`` leads to from the leaf hash ``leaf``."""
    node = _as_hash(leaf, "leaf")
    for i, sibling in enumerate(proof):
        node = hash_pair(node, _as_hash(sibling, f"proof[{i}]"))
    return node


def verify(root: Any, leaf: Any, proof: Iterable[Any]) -> bool:
    """Whether ``proof`` leads from the leaf hash ``leaf`` to ``root`` (``MerkleProof.verify``)."""
    return process_proof(leaf, proof) == _as_hash(root, "root")


class StandardMerkleTree:
    """OpenZeppelin's ``StandardMerkleTree.of(values, types)`` (with sorted leaves).

    ``values`` are rows of Python values ABI-encodable as ``types`` (e.g.
    ``("uint16", "uint64", "address", "uint256")``). Two equal rows are both kept, as in
    OpenZeppelin, and both verify; callers that want one leaf per account sum first.
    """

    def __init__(self, values: Sequence[Sequence[Any]], types: Sequence[str]) -> None:
        if not values:
            raise MerkleTreeError("a Merkle tree needs at least one leaf")
        self.types: tuple[str, ...] = tuple(types)
        self.values: tuple[tuple[Any, ...], ...] = tuple(tuple(v) for v in values)
        hashes = [leaf_hash(self.types, v) for v in self.values]
        order = sorted(range(len(hashes)), key=lambda i: hashes[i])
        size = 2 * len(hashes) - 1
        tree: list[bytes] = [b""] * size
        # Sorted leaf k sits at index size - 1 - k, as in OpenZeppelin's makeMerkleTree.
        self._tree_index: list[int] = [0] * len(hashes)
        for k, i in enumerate(order):
            self._tree_index[i] = size - 1 - k
            tree[size - 1 - k] = hashes[i]
        for i in range(size - 1 - len(hashes), -1, -1):
            tree[i] = hash_pair(tree[2 * i + 1], tree[2 * i + 2])
        self._tree = tree
        self._hashes = hashes

    def __len__(self) -> int:
        return len(self.values)

    @property
    def root(self) -> bytes:
        """The 32-byte root."""
        return self._tree[0]

    @property
    def tree(self) -> tuple[bytes, ...]:
        """Every node, root first (OpenZeppelin's ``tree`` array)."""
        return tuple(self._tree)

    def leaf(self, index: int) -> bytes:
        """The leaf hash of ``values[index]``."""
        return self._hashes[self._index(index)]

    def index_of(self, value: Sequence[Any]) -> int:
        """The index in ``values`` of the first row equal to ``value``."""
        target = leaf_hash(self.types, value)
        for i, h in enumerate(self._hashes):
            if h == target:
                return i
        raise MerkleTreeError(f"{list(value)!r} is not a leaf of this tree")

    def proof(self, index_or_value: int | Sequence[Any]) -> list[bytes]:
        """The proof of ``values[index]``, or of the row ``value``: sibling hashes, leaf first."""
        index = self._locate(index_or_value)
        node = self._tree_index[index]
        proof = []
        while node > 0:
            proof.append(self._tree[node + 1 if node % 2 == 1 else node - 1])
            node = (node - 1) // 2
        return proof

    def verify(self, index_or_value: int | Sequence[Any], proof: Iterable[Any]) -> bool:
        """Whether ``proof`` proves ``values[index]`` (or the row ``value``) under this root."""
        if isinstance(index_or_value, int):
            leaf = self.leaf(index_or_value)
        else:
            leaf = leaf_hash(self.types, index_or_value)
        return verify(self.root, leaf, proof)

    def dump(self) -> dict[str, Any]:
        """OpenZeppelin's ``standard-v1`` JSON dump (values kept as given)."""
        return {
            "format": "standard-v1",
            "leafEncoding": list(self.types),
            "tree": ["0x" + node.hex() for node in self._tree],
            "values": [
                {"value": list(v), "treeIndex": t}
                for v, t in zip(self.values, self._tree_index, strict=True)
            ],
        }

    def _locate(self, index_or_value: int | Sequence[Any]) -> int:
        if isinstance(index_or_value, int):
            return self._index(index_or_value)
        return self.index_of(index_or_value)

    def _index(self, index: int) -> int:
        if isinstance(index, bool) or not 0 <= index < len(self.values):
            raise MerkleTreeError(f"leaf index {index} out of range (tree of {len(self)} leaves)")
        return index
