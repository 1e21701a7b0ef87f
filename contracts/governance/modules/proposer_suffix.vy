# pragma version ~=0.4.3
"""
@title The `#proposer=0x…` Suffix of Proposal Descriptions
@custom:contract-name proposer_suffix
@license GNU Affero General Public License v3.0 only
@notice OpenZeppelin v5's front-running protection
        (`Governor._isValidDescriptionForProposer`): a description that
        ends with `#proposer=0x` followed by 40 hexadecimal digits (either
        case) can only be proposed by that address. Anyone may submit any
        other description, in particular one whose suffix is not exactly
        that: a wrong number of digits, a non-hexadecimal character,
        `0X` instead of `0x`, or anything (even whitespace) after the
        address. Since the proposal id hashes the description, changing or
        dropping the suffix changes the id.
@dev Stateless: the functions are `pure` and need no `uses`.
"""


# @dev The marker that starts the suffix.
_MARKER: constant(String[10]) = "#proposer="


# @dev The length of the suffix: the marker, `0x` and 40 hex digits.
SUFFIX_LENGTH: constant(uint256) = 52


@internal
@pure
def _allows(proposer: address, tail: String[SUFFIX_LENGTH]) -> bool:
    """
    @dev Returns whether `proposer` may submit a proposal whose
         description ends with `tail`.
    @notice The caller passes the last 52 characters of the description,
            or the whole description if it is shorter.
    @param proposer The 20-byte address of the caller of `propose`.
    @param tail The end of the proposal's description.
    @return bool `False` only if the description ends with a well-formed
            `#proposer=0x…` suffix naming another address.
    """
    if len(tail) < SUFFIX_LENGTH:
        return True
    if slice(tail, 0, 10) != _MARKER:
        return True
    suffix: Bytes[SUFFIX_LENGTH] = convert(tail, Bytes[SUFFIX_LENGTH])
    if slice(suffix, 10, 2) != b"0x":
        return True
    value: uint256 = 0
    for i: uint256 in range(12, SUFFIX_LENGTH):
        digit: uint256 = self._hex_digit(convert(slice(suffix, i, 1), bytes1))
        if digit > 15:
            return True
        # 40 digits of 4 bits fit in 160 bits.
        value = unsafe_add(value << 4, digit)
    return convert(convert(value, uint160), address) == proposer


@internal
@pure
def _hex_digit(char: bytes1) -> uint256:
    """
    @dev Returns the value of a hexadecimal digit, or 16 if `char` is not one.
    @param char The 1-byte ASCII character.
    @return uint256 The digit's value (0-15), or 16.
    """
    code: uint256 = convert(char, uint256)
    if code >= 48 and code <= 57:
        # `code >= 48`, hence no underflow.
        return unsafe_sub(code, 48)
    if code >= 97 and code <= 102:
        return unsafe_sub(code, 87)
    if code >= 65 and code <= 70:
        return unsafe_sub(code, 55)
    return 16
