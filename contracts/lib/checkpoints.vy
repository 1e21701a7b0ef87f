# pragma version ~=0.4.3
"""
@title Packed Checkpoint Histories
@custom:contract-name checkpoints
@license GNU Affero General Public License v3.0 only
@notice Histories of `(key, value)` checkpoints, each named by a `uint256`
        identifier (e.g. an address converted to `uint256`, or a value
        above `2**160` for a history that is not an account's), where a key
        is an ERC-6372 timepoint (`uint48`) and a value is at most
        `max_value(uint160)`. A lookup returns the value of the most
        recent checkpoint whose key is at or before a timepoint. The
        semantics follow OpenZeppelin's `Checkpoints.Trace208`
        (`push`, `latest`, `upperLookupRecent`), with a narrower value.
@dev Storage layout: checkpoint `i` of history `trace` is one word,
     `self._checkpoints[trace][i] = key << 160 | value`. The number of
     checkpoints of `trace` lives in the top 48 bits of word `0`, so the
     first checkpoint of a history costs a single zero-to-nonzero SSTORE
     instead of two (array length and element). The value is therefore
     limited to 160 bits; a caller must bound what it stores (the NOOS
     token bounds its cap by `max_value(uint160)`).
"""


# @dev The mask of a checkpoint's value (the low 160 bits of a word).
_VALUE_MASK: constant(uint256) = 2**160 - 1


# @dev The mask of a checkpoint's key once shifted down by `_KEY_SHIFT`.
_KEY_MASK: constant(uint256) = 2**48 - 1


# @dev The bit offset of a checkpoint's key inside its word.
_KEY_SHIFT: constant(uint256) = 160


# @dev The bit offset of the checkpoint count inside word `0`.
_LENGTH_SHIFT: constant(uint256) = 208


# @dev The mask of everything in word `0` but the checkpoint count.
_LOW_MASK: constant(uint256) = 2**208 - 1


# @dev The upper bound of binary search iterations: a history holds at
# most 2**48 checkpoints (one per timepoint), so 49 halvings suffice.
_MAX_SEARCH_STEPS: constant(uint256) = 64


# @dev The packed checkpoints of each history, see the `@dev` note above.
_checkpoints: HashMap[uint256, HashMap[uint256, uint256]]


@deploy
@payable
def __init__():
    """
    @dev To omit the opcodes for checking the `msg.value`
         in the creation-time EVM bytecode, the constructor
         is declared as `payable`.
    """
    pass


@internal
@view
def _length(trace: uint256) -> uint256:
    """
    @dev Returns the number of checkpoints of history `trace`.
    @param trace The 32-byte identifier of the history.
    @return uint256 The number of checkpoints.
    """
    return self._checkpoints[trace][0] >> _LENGTH_SHIFT


@internal
@view
def _at(trace: uint256, pos: uint256) -> (uint48, uint256):
    """
    @dev Returns the checkpoint of history `trace` at index `pos`.
    @notice The caller must check `pos < self._length(trace)`;
            a position past the end reads as the zero checkpoint.
    @param trace The 32-byte identifier of the history.
    @param pos The 32-byte index of the checkpoint.
    @return uint48 The checkpoint's key (timepoint).
    @return uint256 The checkpoint's value.
    """
    word: uint256 = self._checkpoints[trace][pos]
    # The mask keeps 48 bits, so the conversion cannot fail.
    return convert((word >> _KEY_SHIFT) & _KEY_MASK, uint48), word & _VALUE_MASK


@internal
@view
def _latest(trace: uint256) -> uint256:
    """
    @dev Returns the value of the latest checkpoint of history `trace`,
         or `0` if there is none.
    @param trace The 32-byte identifier of the history.
    @return uint256 The latest value.
    """
    head: uint256 = self._checkpoints[trace][0]
    length: uint256 = head >> _LENGTH_SHIFT
    if length <= 1:
        # An empty history has an all-zero word `0`.
        return head & _VALUE_MASK
    # `length > 1`, hence `length - 1` cannot underflow.
    return self._checkpoints[trace][unsafe_sub(length, 1)] & _VALUE_MASK


@internal
@view
def _upper_lookup_recent(trace: uint256, key: uint48) -> uint256:
    """
    @dev Returns the value of the last checkpoint of history `trace` whose
         key is lower than or equal to `key`, or `0` if there is none.
    @notice Optimised for recent keys: the latest checkpoint is tried
            first, then (as in OpenZeppelin's `upperLookupRecent`) the
            search starts in the last `sqrt(length)` checkpoints.
    @param trace The 32-byte identifier of the history.
    @param key The 6-byte timepoint to look up.
    @return uint256 The value at `key`.
    """
    head: uint256 = self._checkpoints[trace][0]
    length: uint256 = head >> _LENGTH_SHIFT
    if length == 0:
        return 0

    target: uint256 = convert(key, uint256)
    # `length > 0`, hence `length - 1` cannot underflow.
    last: uint256 = head
    if length > 1:
        last = self._checkpoints[trace][unsafe_sub(length, 1)]
    if (last >> _KEY_SHIFT) & _KEY_MASK <= target:
        return last & _VALUE_MASK

    low: uint256 = 0
    high: uint256 = length
    if length > 5:
        # `isqrt(length) < length`, hence no underflow.
        mid: uint256 = unsafe_sub(length, isqrt(length))
        if target < self._key_at(trace, mid):
            high = mid
        else:
            low = unsafe_add(mid, 1)

    for _: uint256 in range(_MAX_SEARCH_STEPS):
        if low >= high:
            break
        # Both bounds are below 2**49, so the sum cannot overflow.
        mid: uint256 = unsafe_add(low, high) >> 1
        if self._key_at(trace, mid) > target:
            high = mid
        else:
            low = unsafe_add(mid, 1)

    if high == 0:
        return 0
    return self._checkpoints[trace][unsafe_sub(high, 1)] & _VALUE_MASK


@internal
def _update(trace: uint256, key: uint48, amount: uint256, increase: bool) -> (uint256, uint256):
    """
    @dev Adds `amount` to (or subtracts it from) the latest value of
         history `trace` and records the result at timepoint `key`: the latest
         checkpoint is overwritten when it has the same key, otherwise a
         checkpoint is appended.
    @notice Reverts if `key` is lower than the latest checkpoint's key,
            if the subtraction underflows or if the result does not fit
            in 160 bits.
    @param trace The 32-byte identifier of the history.
    @param key The 6-byte timepoint of the new value.
    @param amount The 32-byte amount to add or subtract.
    @param increase Whether `amount` is added (`True`) or subtracted.
    @return uint256 The previous latest value.
    @return uint256 The new latest value.
    """
    head: uint256 = self._checkpoints[trace][0]
    length: uint256 = head >> _LENGTH_SHIFT
    last_pos: uint256 = 0
    last: uint256 = head
    if length > 1:
        # `length > 1`, hence `length - 1` cannot underflow.
        last_pos = unsafe_sub(length, 1)
        last = self._checkpoints[trace][last_pos]

    old_value: uint256 = last & _VALUE_MASK
    new_value: uint256 = 0
    if increase:
        new_value = old_value + amount
    else:
        new_value = old_value - amount
    assert new_value <= _VALUE_MASK, "checkpoints: value overflows uint160"

    new_key: uint256 = convert(key, uint256)
    last_key: uint256 = (last >> _KEY_SHIFT) & _KEY_MASK
    word: uint256 = (new_key << _KEY_SHIFT) | new_value

    if length != 0 and last_key == new_key:
        if last_pos == 0:
            word = word | (length << _LENGTH_SHIFT)
        self._checkpoints[trace][last_pos] = word
    elif length == 0:
        self._checkpoints[trace][0] = word | (1 << _LENGTH_SHIFT)
    else:
        assert last_key < new_key, "checkpoints: unordered insertion"
        self._checkpoints[trace][length] = word
        # The count is below 2**48, so `length + 1` fits in its 48 bits.
        self._checkpoints[trace][0] = (head & _LOW_MASK) | (unsafe_add(length, 1) << _LENGTH_SHIFT)

    return old_value, new_value


@internal
@view
def _key_at(trace: uint256, pos: uint256) -> uint256:
    """
    @dev Returns the key of the checkpoint of history `trace` at index `pos`.
    @param trace The 32-byte identifier of the history.
    @param pos The 32-byte index of the checkpoint.
    @return uint256 The checkpoint's key.
    """
    return (self._checkpoints[trace][pos] >> _KEY_SHIFT) & _KEY_MASK
