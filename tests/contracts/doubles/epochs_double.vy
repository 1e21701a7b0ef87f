# pragma version ~=0.4.3
"""
@title EpochSettlement test double (final results set by the test)
@custom:contract-name epochs_double
@license GNU Affero General Public License v3.0 only
@notice Only `final_aux` of `IEpochs`; `set_final` records a result.
"""


_final: HashMap[uint16, HashMap[uint64, bool]]
_aux: HashMap[uint16, HashMap[uint64, bytes32]]


@external
def set_final(netuid: uint16, epoch: uint64, final: bool, aux_hash: bytes32):
    """
    @dev Records whether the result of an epoch is final, and its aux hash.
    @param netuid The 2-byte subnet identifier.
    @param epoch The 8-byte epoch.
    @param final Whether it is finalized and not voided.
    @param aux_hash The 32-byte aux hash.
    """
    self._final[netuid][epoch] = final
    self._aux[netuid][epoch] = aux_hash


@external
@view
def final_aux(netuid: uint16, epoch: uint64) -> (bool, bytes32):
    """
    @dev Returns whether the result of an epoch is final, and its aux hash.
    @param netuid The 2-byte subnet identifier.
    @param epoch The 8-byte epoch.
    @return bool Whether it is final.
    @return bytes32 The aux hash.
    """
    return self._final[netuid][epoch], self._aux[netuid][epoch]
