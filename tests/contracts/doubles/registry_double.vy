# pragma version ~=0.4.3
"""
@title SubnetRegistry test double
@custom:contract-name registry_double
@license GNU Affero General Public License v3.0 only
@notice The `IRegistry` views that Staking and EpochSettlement call,
        backed by storage that tests set directly: epoch `e` of a subnet
        starts at `anchor + e * tempo`; permits and permitted stake per
        epoch are set by the test. It does not declare `implements:
        IRegistry`, so that views added to the registry for other callers
        do not break it. Not for deployment.
"""


struct Subnet:
    owner: address
    anchor: uint256
    tempo: uint64
    reveal_period: uint64


_subnets: HashMap[uint16, Subnet]
_registered: HashMap[uint16, HashMap[address, bool]]
_coldkeys: HashMap[address, address]
_permits: HashMap[uint16, HashMap[uint64, HashMap[address, bool]]]
_permitted: HashMap[uint16, HashMap[uint64, uint256]]


@external
def set_subnet(netuid: uint16, owner: address, anchor: uint256, tempo_: uint64, reveal_period_: uint64):
    self._subnets[netuid] = Subnet(owner=owner, anchor=anchor, tempo=tempo_, reveal_period=reveal_period_)


@external
def set_neuron(netuid: uint16, hotkey: address, coldkey: address, registered: bool):
    self._registered[netuid][hotkey] = registered
    self._coldkeys[hotkey] = coldkey


@external
def set_permit(netuid: uint16, epoch: uint64, hotkey: address, permit: bool):
    self._permits[netuid][epoch][hotkey] = permit


@external
def set_permitted_stake(netuid: uint16, epoch: uint64, amount: uint256):
    self._permitted[netuid][epoch] = amount


@external
@view
def subnet_exists(netuid: uint16) -> bool:
    return self._subnets[netuid].tempo != 0


@external
@view
def owner_of(netuid: uint16) -> address:
    return self._subnets[netuid].owner


@external
@view
def n(netuid: uint16) -> uint16:
    return 0


@external
@view
def max_uids(netuid: uint16) -> uint16:
    return 256


@external
@view
def is_registered(netuid: uint16, hotkey: address) -> bool:
    return self._registered[netuid][hotkey]


@external
@view
def uid_of(netuid: uint16, hotkey: address) -> uint16:
    return 0


@external
@view
def hotkey_of(netuid: uint16, uid: uint16) -> address:
    return empty(address)


@external
@view
def coldkey_of(hotkey: address) -> address:
    return self._coldkeys[hotkey]


@external
@view
def block_at_registration(netuid: uint16, uid: uint16) -> uint256:
    return 0


@external
@view
def current_epoch(netuid: uint16) -> uint64:
    s: Subnet = self._subnets[netuid]
    return convert((block.number - s.anchor) // convert(s.tempo, uint256), uint64)


@external
@view
def epoch_start(netuid: uint16, epoch: uint64) -> uint256:
    s: Subnet = self._subnets[netuid]
    assert s.tempo != 0, "registry_double: no subnet"
    return s.anchor + convert(epoch, uint256) * convert(s.tempo, uint256)


@external
@view
def tempo(netuid: uint16) -> uint64:
    return self._subnets[netuid].tempo


@external
@view
def reveal_period(netuid: uint16) -> uint64:
    return self._subnets[netuid].reveal_period


@external
@view
def holds_permit(netuid: uint16, epoch: uint64, hotkey: address) -> bool:
    return self._permits[netuid][epoch][hotkey]


@external
@view
def permitted_stake(netuid: uint16, epoch: uint64) -> uint256:
    return self._permitted[netuid][epoch]
