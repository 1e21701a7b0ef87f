# pragma version ~=0.4.3
"""
@title Binary CIDs and Their CIDv1 Text
@custom:contract-name cids
@license GNU Affero General Public License v3.0 only
@notice The CIDs that Noosphere's storage produces (`noosphere.storage.
        cid`): sha2-256 UnixFS blocks with codec dag-pb (`0x70`) or raw
        (`0x55`). On chain they are taken in binary form, as ENS
        `contenthash` does: a CIDv0 (`0x1220` + digest, 34 bytes,
        dag-pb) or a CIDv1 (`0x01`, codec, `0x1220`, digest: 36 bytes);
        a contract stores the codec and the 32-byte digest, and shows
        the CIDv1 base32 text ("bafy..." for dag-pb, "bafk..." for raw),
        what `ipfs cid base32` prints.
@dev Pure functions only: a contract imports this module without
     `initializes`.
"""


# @dev The longest binary CID accepted as input (longer than a CID, so
# that a long one is rejected by `_parse` rather than by the ABI
# decoder), the length of a binary CIDv1 and of its text.
INPUT_LENGTH: constant(uint256) = 64
BYTES_LENGTH: constant(uint256) = 36
TEXT_LENGTH: constant(uint256) = 59


# @dev The codecs and the multihash prefix.
_DAG_PB: constant(uint256) = 112
_RAW: constant(uint256) = 85
_MULTIHASH_PREFIX: constant(uint256) = 4_640  # 0x1220: sha2-256, 32 bytes
_BYTE_MASK: constant(uint256) = 255


@internal
@pure
def _parse(cid: Bytes[INPUT_LENGTH]) -> (uint256, bytes32):
    """
    @dev Parses a binary CID: a CIDv0 (34 bytes, dag-pb) or a CIDv1
         (36 bytes) with codec dag-pb or raw, and a sha2-256 multihash.
    @param cid The binary CID.
    @return uint256 The 32-byte codec, zero if the CID is not accepted.
    @return bytes32 The 32-byte sha2-256 digest.
    """
    length: uint256 = len(cid)
    if length != 34 and length != BYTES_LENGTH:
        return (0, empty(bytes32))
    head: uint256 = convert(extract32(cid, 0), uint256)
    if length == 34:
        if head >> 240 != _MULTIHASH_PREFIX:
            return (0, empty(bytes32))
        return (_DAG_PB, extract32(cid, 2))
    codec: uint256 = (head >> 240) & _BYTE_MASK
    if head >> 248 != 1 or (head >> 224) & 65_535 != _MULTIHASH_PREFIX:
        return (0, empty(bytes32))
    if codec != _DAG_PB and codec != _RAW:
        return (0, empty(bytes32))
    return (codec, extract32(cid, 4))


@internal
@pure
def _to_bytes(codec: uint256, digest: bytes32) -> Bytes[BYTES_LENGTH]:
    """
    @dev Returns the binary CIDv1 of a codec and sha2-256 digest.
    @param codec The 32-byte codec (dag-pb or raw).
    @param digest The 32-byte sha2-256 digest.
    @return Bytes The 36-byte binary CIDv1.
    """
    prefix: uint256 = (1 << 24) | (codec << 16) | _MULTIHASH_PREFIX
    return concat(slice(convert(prefix << 224, bytes32), 0, 4), digest)


@internal
@pure
def _to_text(codec: uint256, digest: bytes32) -> String[TEXT_LENGTH]:
    """
    @dev Returns the CIDv1 text of a codec and sha2-256 digest: "b"
         (the multibase prefix) and the lower-case, unpadded base32 of
         the 36-byte binary CIDv1 (58 characters).
    @param codec The 32-byte codec (dag-pb or raw).
    @param digest The 32-byte sha2-256 digest.
    @return String The 59-character CID.
    """
    prefix: uint256 = (1 << 24) | (codec << 16) | _MULTIHASH_PREFIX
    value: uint256 = convert(digest, uint256)
    # The text's characters, one byte each, in two words: "b" first.
    words: uint256[2] = [98 << 248, 0]
    for k: uint256 in range(58):
        start: uint256 = 5 * k
        bits: uint256 = 0
        if start + 5 <= 32:
            bits = (prefix >> (27 - start)) & 31
        elif start < 32:
            bits = ((prefix & 3) << 3) | (value >> 253)
        elif start + 5 <= 288:
            bits = (value >> (283 - start)) & 31
        else:
            bits = (value & 7) << 2
        # "a" to "z" for 0 to 25, "2" to "7" for 26 to 31.
        char: uint256 = 97 + bits
        if bits >= 26:
            char = 24 + bits
        position: uint256 = k + 1
        words[position // 32] |= char << (8 * (31 - position % 32))
    raw: Bytes[64] = concat(convert(words[0], bytes32), convert(words[1], bytes32))
    return convert(slice(raw, 0, TEXT_LENGTH), String[TEXT_LENGTH])
