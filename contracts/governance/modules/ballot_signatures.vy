# pragma version ~=0.4.3
"""
@title Signed Ballots for the Governor
@custom:contract-name ballot_signatures
@license GNU Affero General Public License v3.0 only
@notice OpenZeppelin v5's votes by signature: an EIP-712
        `Ballot(uint256 proposalId,uint8 support,address voter,uint256 nonce)`
        or `ExtendedBallot(..., string reason, bytes params)` in the
        governor's domain, signed by the voter with its current nonce,
        which the ballot consumes (a replayed signature no longer
        matches). Accounts without code sign with a 65-byte ECDSA
        signature with a low `s`; contracts by ERC-1271.
@dev snekmate's `ecdsa` reverts on a malformed signature and its
     `signature_checker` takes at most 65 bytes. As OpenZeppelin's
     `SignatureChecker.isValidSignatureNow`, this module returns `False`
     instead, so that every bad signature fails as "governor: invalid
     signature", and accepts ERC-1271 signatures up to 1,024 bytes (a
     multisignature wallet's are 65 bytes per signer).
"""


# @dev We import the `eip712_domain_separator` module, which the
# governor initialises, to hash ballots in the governor's domain.
from snekmate.utils import eip712_domain_separator
uses: eip712_domain_separator


# @dev The largest signature of a ballot.
MAX_SIGNATURE: constant(uint256) = 1_024


# @dev The largest reason and params of a ballot (see the governor).
MAX_REASON: constant(uint256) = 2_048
MAX_PARAMS: constant(uint256) = 256


# @dev The EIP-712 type hash of a ballot.
BALLOT_TYPEHASH: public(constant(bytes32)) = keccak256(
    "Ballot(uint256 proposalId,uint8 support,address voter,uint256 nonce)"
)


# @dev The EIP-712 type hash of a ballot with a reason and params.
EXTENDED_BALLOT_TYPEHASH: public(constant(bytes32)) = keccak256(
    "ExtendedBallot(uint256 proposalId,uint8 support,address voter,uint256 nonce,string reason,bytes params)"
)


# @dev The `secp256k1n / 2` bound of a non-malleable signature's `s`.
_MALLEABILITY_THRESHOLD: constant(uint256) = (
    57_896_044_618_658_097_711_785_492_504_343_953_926_418_782_139_537_452_191_302_581_570_759_080_747_168
)


# @dev The ERC-1271 `isValidSignature(bytes32,bytes)` selector.
_IERC1271_MAGIC: constant(bytes4) = 0x1626BA7E


# @dev The next ballot signature nonce of each account.
_nonces: HashMap[address, uint256]


@deploy
@payable
def __init__():
    """
    @dev To omit the opcodes for checking the `msg.value`
         in the creation-time EVM bytecode, the constructor
         is declared as `payable`.
    """
    pass


@external
@view
def nonces(owner: address) -> uint256:
    """
    @dev Returns the nonce that the next signed ballot of `owner` must use.
    @param owner The 20-byte account.
    @return uint256 The nonce.
    """
    return self._nonces[owner]


@internal
def _check_ballot(proposal_id: uint256, support: uint8, voter: address, signature: Bytes[MAX_SIGNATURE]):
    """
    @dev Consumes the nonce of `voter` and checks its `Ballot` signature.
    @notice Reverts with "governor: invalid signature" unless valid.
    @param proposal_id The 32-byte proposal id.
    @param support The 1-byte vote.
    @param voter The 20-byte voter, who signed.
    @param signature The signature.
    """
    struct_hash: bytes32 = keccak256(abi_encode(BALLOT_TYPEHASH, proposal_id, support, voter, self._use_nonce(voter)))
    assert self._is_valid_signature(
        voter, eip712_domain_separator._hash_typed_data_v4(struct_hash), signature
    ), "governor: invalid signature"


@internal
def _check_extended_ballot(
    proposal_id: uint256,
    support: uint8,
    voter: address,
    reason: String[MAX_REASON],
    params: Bytes[MAX_PARAMS],
    signature: Bytes[MAX_SIGNATURE],
):
    """
    @dev Consumes the nonce of `voter` and checks its `ExtendedBallot` signature.
    @notice Reverts with "governor: invalid signature" unless valid.
    @param proposal_id The 32-byte proposal id.
    @param support The 1-byte vote.
    @param voter The 20-byte voter, who signed.
    @param reason The reason, signed as its keccak256 hash.
    @param params The params, signed as their keccak256 hash.
    @param signature The signature.
    """
    struct_hash: bytes32 = keccak256(
        abi_encode(
            EXTENDED_BALLOT_TYPEHASH,
            proposal_id,
            support,
            voter,
            self._use_nonce(voter),
            keccak256(reason),
            keccak256(params),
        )
    )
    assert self._is_valid_signature(
        voter, eip712_domain_separator._hash_typed_data_v4(struct_hash), signature
    ), "governor: invalid signature"


@internal
def _use_nonce(account: address) -> uint256:
    """
    @dev Returns the current nonce of `account` and increments it.
    @param account The 20-byte account.
    @return uint256 The nonce to sign.
    """
    nonce: uint256 = self._nonces[account]
    # A counter of signatures cannot reach 2**256.
    self._nonces[account] = unsafe_add(nonce, 1)
    return nonce


@internal
@view
def _is_valid_signature(signer: address, digest: bytes32, signature: Bytes[MAX_SIGNATURE]) -> bool:
    """
    @dev Returns whether `signature` is `signer`'s over `digest`: a
         65-byte ECDSA signature with a low `s` for an account without
         code, ERC-1271 for a contract.
    @param signer The 20-byte expected signer.
    @param digest The 32-byte EIP-712 digest.
    @param signature The signature.
    @return bool Whether the signature is valid.
    """
    if signer.is_contract:
        success: bool = False
        result: Bytes[32] = b""
        # A static call that does not revert: a contract without
        # `isValidSignature` (or an error) makes the signature invalid.
        success, result = raw_call(
            signer,
            abi_encode(digest, signature, method_id=_IERC1271_MAGIC),
            max_outsize=32,
            is_static_call=True,
            revert_on_failure=False,
        )
        return success and len(result) == 32 and convert(result, bytes32) == convert(_IERC1271_MAGIC, bytes32)

    if len(signature) != 65:
        return False
    r: uint256 = extract32(signature, 0, output_type=uint256)
    s: uint256 = extract32(signature, 32, output_type=uint256)
    v: uint256 = convert(slice(signature, 64, 1), uint256)
    if s > _MALLEABILITY_THRESHOLD:
        return False
    recovered: address = ecrecover(digest, v, r, s)
    return recovered != empty(address) and recovered == signer
