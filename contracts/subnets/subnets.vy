# pragma version ~=0.4.3
"""
@title SubnetRegistry: subnets, neurons, epochs and validator permits
@custom:contract-name subnets
@license GNU Affero General Public License v3.0 only
@notice Implements the registry of `docs/subnets-protocol.md`:
        - subnets: created by anyone who locks `lock_cost` NOOS here;
          an owner, a task spec CID and hyperparameters (subtensor's
          names and units) that the owner sets within admin bounds;
        - epochs: epoch `e` spans `[epoch_start(e), epoch_start(e) + T)`;
          a tempo change takes effect at the next epoch boundary;
        - neurons: a coldkey registers a hotkey (one coldkey per hotkey
          across all subnets) with an axon URL and burns the dynamic
          registration price (x1.26 per registration, halving toward
          `min_burn` every `burn_half_life` blocks); when the subnet is
          full, `register_replacing` prunes the lowest-emission
          non-immune UID proved against the `prune_root` of a finalized
          epoch result, consuming ranks in order;
        - validator permits per epoch, published from a finalized
          result's `permits_hash` (or, on a new subnet, verified top-K
          by stake), with the permitted stake at the epoch block.

        Roles (snekmate's `access_control`): `DEFAULT_ADMIN_ROLE` (the
        deployer, later the DAO timelock) sets the lock cost, the burn
        half-life, the hyperparameter bounds and defaults, and wires
        the Staking and EpochSettlement contracts.
@dev Hot data is packed: a neuron is one word (hotkey | registration
     block), a hotkey's UID one word, the subnet's `n`, burn price and
     price block one word, a pending commitment of the tempo history
     one word per segment.
"""


from ethereum.ercs import IERC20

from .interfaces import IRegistry
implements: IRegistry

from .interfaces import IRegistryAttest
implements: IRegistryAttest

from .interfaces import IStaking
from .interfaces import IEpochs


# @dev The NOOS token, as seen by the registry.
interface INoos:
    def burn_from(owner: address, amount: uint256): nonpayable


# @dev We import and initialise the `access_control` module.
from snekmate.auth import access_control
initializes: access_control


# @dev We import the stateless Merkle proof module.
from snekmate.utils import merkle_proof_verification as merkle


exports: access_control.__interface__


# @dev A subnet's hyperparameters, with subtensor's names and units:
# proportions are u16 (65_535 = 1.0), `bonds_moving_average` is per
# million, block counts are blocks, `reveal_period` is in epochs and
# burns are in the token's smallest unit. `tempo` is the tempo set
# last, which applies from the epoch after it was set.
struct Hyperparams:
    tempo: uint64
    max_allowed_uids: uint16
    max_allowed_validators: uint16
    immunity_period: uint64
    activity_cutoff: uint64
    kappa: uint16
    bonds_penalty: uint16
    bonds_moving_average: uint32
    liquid_alpha_enabled: bool
    alpha_low: uint16
    alpha_high: uint16
    alpha_sigmoid_steepness: int16
    yuma_version: uint8
    reveal_period: uint64
    min_burn: uint256
    max_burn: uint256
    registration_allowed: bool


# @dev The fields hashed into a result's `aux_hash` besides
# `permits_hash` (which `publish_permits` recomputes).
struct AuxFields:
    emission_root: bytes32
    prune_root: bytes32
    permits_hash: bytes32
    bonds_digest: bytes32


# @dev One leaf `(rank, uid)` of a result's `prune_root`, with its proof.
struct PruneCandidate:
    rank: uint16
    uid: uint16
    proof: DynArray[bytes32, _MAX_PROOF]


# @dev The largest number of UIDs a subnet supports.
_MAX_UIDS: constant(uint16) = 4_096


# @dev The largest number of validator permits of a subnet.
_MAX_VALIDATORS: constant(uint16) = 256


_MAX_VALIDATORS_U256: constant(uint256) = 256


# @dev The number of fields of `Hyperparams` and their names.
_FIELDS: constant(uint256) = 17
# (all names concatenated; entry i = offset << 8 | length).
_FIELD_NAMES: constant(String[234]) = (
    "tempomax_allowed_uidsmax_allowed_validatorsimmunity_periodactivity_cutoffkappabo"
    "nds_penaltybonds_moving_averageliquid_alpha_enabledalpha_lowalpha_highalpha_sigm"
    "oid_steepnessyuma_versionreveal_periodmin_burnmax_burnregistration_allowed"
)
_FIELD_NAME_AT: constant(uint256[_FIELDS]) = [5, 1296, 5398, 11023, 14863, 18693, 19981, 23316, 28436, 33545, 35850, 38423, 44300, 47373, 50696, 52744, 54804]


# @dev The bitmap words covering `_MAX_UIDS` UIDs.
_BITMAP_WORDS: constant(uint256) = 16


# @dev The longest Merkle proof accepted (a tree of 65_536 leaves).
_MAX_PROOF: constant(uint256) = 16


# @dev The most prune candidates accepted in one registration.
_MAX_CANDIDATES: constant(uint256) = 8


# @dev The registration price grows by 126/100 per registration.
_BURN_GROWTH_NUM: constant(uint256) = 126
_BURN_GROWTH_DEN: constant(uint256) = 100


# @dev The largest burn (burn prices are packed in 96 bits).
_MAX_BURN: constant(uint256) = 2**96 - 1


# @dev Bit masks of the packed words.
_MASK16: constant(uint256) = 2**16 - 1
_MASK64: constant(uint256) = 2**64 - 1
_MASK96: constant(uint256) = 2**96 - 1
_MASK128: constant(uint256) = 2**128 - 1
_MASK160: constant(uint256) = 2**160 - 1
_MASK192: constant(uint256) = 2**192 - 1


# @dev The NOOS token (burns and lock cost).
noos: public(immutable(address))


# @dev The Staking and EpochSettlement contracts (set by `wire`).
staking: public(IStaking)
epochs: public(IEpochs)


# @dev The NOOS amount locked by a subnet's creator.
lock_cost: public(uint256)


# @dev Blocks for the excess of the burn price over `min_burn` to halve.
burn_half_life: public(uint64)


# @dev The hyperparameters given to a new subnet, and the bounds
# within which an owner may set them (booleans: `False` < `True`).
_defaults: Hyperparams
_lower: Hyperparams
_upper: Hyperparams


# @dev The number of subnets created; netuids are 1, 2, ...
subnet_count: public(uint16)


# @dev The owner of a subnet (zero: the subnet does not exist).
_owners: HashMap[uint16, address]


# @dev The NOOS amount locked for a subnet.
locked: public(HashMap[uint16, uint256])


# @dev The task spec CID of a subnet.
task_cid: public(HashMap[uint16, String[128]])


# @dev A subnet's hyperparameters.
_hyperparams: HashMap[uint16, Hyperparams]


# @dev n (16 bits) | burn price (96 bits) << 16 | price block (64 bits) << 112.
_reg_state: HashMap[uint16, uint256]


# @dev The registration parameters (a copy of hyperparameters):
# max_allowed_uids (16 bits) | registration_allowed << 16 | min_burn (96 bits) << 24
# | max_burn (96 bits) << 120.
_reg_params: HashMap[uint16, uint256]


# @dev Tempo history: segment i = anchor epoch | anchor block << 64 | tempo << 128;
# the head is the last segment | the number of segments << 192.
_segments: HashMap[uint16, HashMap[uint256, uint256]]
_tempo_head: HashMap[uint16, uint256]


# @dev A neuron: hotkey | registration block << 160.
_neurons: HashMap[uint16, HashMap[uint16, uint256]]


# @dev A hotkey's UID plus one (zero: not registered) | registration block << 16.
_hotkey_uids: HashMap[uint16, HashMap[address, uint256]]


# @dev The coldkey that owns a hotkey, on every subnet.
_coldkeys: HashMap[address, address]


# @dev The axon URL of a neuron.
axon_of: public(HashMap[uint16, HashMap[uint16, String[128]]])


# @dev The pruning cursor: result epoch + 1 | next rank << 64.
_prune_cursor: HashMap[uint16, uint256]


# @dev Permit publications: i = epoch | epoch block << 64, ascending epochs;
# the head is the last publication | the number of publications << 128.
_permit_pubs: HashMap[uint16, HashMap[uint256, uint256]]
_permit_head: HashMap[uint16, uint256]


# @dev Permit bitmaps per published epoch, 256 UIDs per word.
_permit_bits: HashMap[uint16, HashMap[uint64, HashMap[uint256, uint256]]]


# @dev The permitted stake of a published epoch.
_published_stake: HashMap[uint16, HashMap[uint64, uint256]]


# @dev Whether permits were ever published from a result (ends bootstrap).
has_result_permits: public(HashMap[uint16, bool])


event SubnetCreated:
    netuid: indexed(uint16)
    owner: indexed(address)
    lock: uint256
    task_cid: String[128]


event SubnetOwnerChanged:
    netuid: indexed(uint16)
    previous_owner: indexed(address)
    new_owner: indexed(address)


event TaskSet:
    netuid: indexed(uint16)
    task_cid: String[128]


event HyperparamsSet:
    netuid: indexed(uint16)
    hyperparams: Hyperparams
    tempo_from_epoch: uint64


event NeuronRegistered:
    netuid: indexed(uint16)
    uid: uint16
    hotkey: indexed(address)
    coldkey: indexed(address)
    axon: String[128]
    burn: uint256
    replaced_hotkey: address


event PruneCursorSet:
    netuid: indexed(uint16)
    result_epoch: uint64
    next_rank: uint16


event HotkeySwapped:
    netuid: indexed(uint16)
    uid: uint16
    old_hotkey: indexed(address)
    new_hotkey: indexed(address)
    coldkey: address


event AxonSet:
    netuid: indexed(uint16)
    uid: uint16
    hotkey: indexed(address)
    axon: String[128]


event PermitsPublished:
    netuid: indexed(uint16)
    epoch: indexed(uint64)
    source_epoch: uint64
    bootstrap: bool
    uids: DynArray[uint16, _MAX_VALIDATORS]
    permitted_stake: uint256


event LockCostSet:
    lock_cost: uint256


event BurnHalfLifeSet:
    burn_half_life: uint64


event BoundsSet:
    lower: Hyperparams
    upper: Hyperparams


event DefaultsSet:
    defaults: Hyperparams


event Wired:
    staking: address
    epochs: address


@deploy
@payable
def __init__(noos_: address, lock_cost_: uint256, burn_half_life_: uint64):
    """
    @dev Deploys the registry with subtensor's default hyperparameters
         (tempo 360, 256 UIDs, 64 validators, immunity 4_096 blocks,
         activity cutoff 5_000, kappa 32_767, bonds moving average
         900_000, liquid alpha off with bounds 45_875/58_982, reveal
         period 1, burn between 10**15 and 100 NOOS, registration open)
         and wide bounds. The deployer gets `DEFAULT_ADMIN_ROLE`.
    @param noos_ The 20-byte NOOS token address.
    @param lock_cost_ The 32-byte NOOS amount locked to create a subnet.
    @param burn_half_life_ The 8-byte half-life of the burn price in blocks (non-zero).
    """
    assert noos_ != empty(address), "subnets: noos is the zero address"
    assert burn_half_life_ != 0, "subnets: half-life is zero"
    access_control.__init__()
    noos = noos_
    self.lock_cost = lock_cost_
    self.burn_half_life = burn_half_life_
    self._defaults = Hyperparams(
        tempo=360,
        max_allowed_uids=256,
        max_allowed_validators=64,
        immunity_period=4_096,
        activity_cutoff=5_000,
        kappa=32_767,
        bonds_penalty=65_535,
        bonds_moving_average=900_000,
        liquid_alpha_enabled=False,
        alpha_low=45_875,
        alpha_high=58_982,
        alpha_sigmoid_steepness=1_000,
        yuma_version=3,
        reveal_period=1,
        min_burn=10**15,
        max_burn=100 * 10**18,
        registration_allowed=True,
    )
    self._lower = Hyperparams(
        tempo=1,
        max_allowed_uids=1,
        max_allowed_validators=1,
        immunity_period=0,
        activity_cutoff=0,
        kappa=0,
        bonds_penalty=0,
        bonds_moving_average=0,
        liquid_alpha_enabled=False,
        alpha_low=0,
        alpha_high=0,
        alpha_sigmoid_steepness=min_value(int16),
        yuma_version=2,
        reveal_period=1,
        min_burn=0,
        max_burn=0,
        registration_allowed=False,
    )
    self._upper = Hyperparams(
        tempo=convert(max_value(uint32), uint64),
        max_allowed_uids=_MAX_UIDS,
        max_allowed_validators=_MAX_VALIDATORS,
        immunity_period=convert(max_value(uint32), uint64),
        activity_cutoff=convert(max_value(uint32), uint64),
        kappa=max_value(uint16),
        bonds_penalty=max_value(uint16),
        bonds_moving_average=1_000_000,
        liquid_alpha_enabled=True,
        alpha_low=max_value(uint16),
        alpha_high=max_value(uint16),
        alpha_sigmoid_steepness=max_value(int16),
        yuma_version=3,
        reveal_period=16,
        min_burn=_MAX_BURN,
        max_burn=_MAX_BURN,
        registration_allowed=True,
    )


# --- admin -------------------------------------------------------------------------------


@external
def wire(staking_: IStaking, epochs_: IEpochs):
    """
    @dev Sets the Staking and EpochSettlement contracts.
    @notice Only `DEFAULT_ADMIN_ROLE`.
    @param staking_ The 20-byte Staking contract.
    @param epochs_ The 20-byte EpochSettlement contract.
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    self.staking = staking_
    self.epochs = epochs_
    log Wired(staking=staking_.address, epochs=epochs_.address)


@external
def set_lock_cost(lock_cost_: uint256):
    """
    @dev Sets the NOOS amount locked by the creator of a new subnet.
    @notice Only `DEFAULT_ADMIN_ROLE`.
    @param lock_cost_ The 32-byte lock cost.
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    self.lock_cost = lock_cost_
    log LockCostSet(lock_cost=lock_cost_)


@external
def set_burn_half_life(burn_half_life_: uint64):
    """
    @dev Sets the half-life (blocks) of the burn price's excess over `min_burn`.
    @notice Only `DEFAULT_ADMIN_ROLE`; applies to every subnet at once.
    @param burn_half_life_ The 8-byte half-life in blocks (non-zero).
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    assert burn_half_life_ != 0, "subnets: half-life is zero"
    self.burn_half_life = burn_half_life_
    log BurnHalfLifeSet(burn_half_life=burn_half_life_)


@external
def set_bounds(lower: Hyperparams, upper: Hyperparams):
    """
    @dev Sets the bounds within which owners set hyperparameters.
    @notice Only `DEFAULT_ADMIN_ROLE`. The defaults must lie within the
            new bounds; subnets keep their values until their owner
            sets new ones.
    @param lower The lowest allowed value of each field.
    @param upper The highest allowed value of each field.
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    self._check_within(self._defaults, lower, upper)
    self._lower = lower
    self._upper = upper
    log BoundsSet(lower=lower, upper=upper)


@external
def set_defaults(defaults: Hyperparams):
    """
    @dev Sets the hyperparameters given to new subnets.
    @notice Only `DEFAULT_ADMIN_ROLE`; they must lie within the bounds.
    @param defaults The new default hyperparameters.
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    self._check_sane(defaults)
    self._check_within(defaults, self._lower, self._upper)
    self._defaults = defaults
    log DefaultsSet(defaults=defaults)


# --- subnets -----------------------------------------------------------------------------


@external
def create_subnet(task_cid_: String[128]) -> uint16:
    """
    @dev Creates a subnet owned by the caller, with the default
         hyperparameters; its epoch 0 starts at this block.
    @notice Pulls `lock_cost` NOOS from the caller (`transferFrom`,
            needs an allowance) and locks it in the registry.
    @param task_cid_ The task spec CID (at most 128 characters).
    @return uint16 The new subnet's netuid (1, 2, ...).
    """
    netuid: uint16 = self.subnet_count + 1
    self.subnet_count = netuid
    cost: uint256 = self.lock_cost
    self._owners[netuid] = msg.sender
    self.locked[netuid] = cost
    self.task_cid[netuid] = task_cid_
    hp: Hyperparams = self._defaults
    self._store_hyperparams(netuid, hp)
    segment: uint256 = self._pack_segment(0, block.number, hp.tempo)
    self._segments[netuid][0] = segment
    self._tempo_head[netuid] = segment | (1 << 192)
    self._reg_state[netuid] = self._pack_reg(0, hp.min_burn, block.number)
    if cost != 0:
        assert extcall IERC20(noos).transferFrom(msg.sender, self, cost, default_return_value=True), (
            "subnets: lock transfer failed"
        )
    log SubnetCreated(netuid=netuid, owner=msg.sender, lock=cost, task_cid=task_cid_)
    log HyperparamsSet(netuid=netuid, hyperparams=hp, tempo_from_epoch=0)
    return netuid


@external
def transfer_subnet_ownership(netuid: uint16, new_owner: address):
    """
    @dev Hands a subnet over to `new_owner`.
    @notice Only the subnet's owner; `new_owner` cannot be the zero address.
    @param netuid The 2-byte subnet identifier.
    @param new_owner The 20-byte new owner.
    """
    self._check_owner(netuid)
    assert new_owner != empty(address), "subnets: new owner is the zero address"
    self._owners[netuid] = new_owner
    log SubnetOwnerChanged(netuid=netuid, previous_owner=msg.sender, new_owner=new_owner)


@external
def set_task(netuid: uint16, task_cid_: String[128]):
    """
    @dev Sets a subnet's task spec CID.
    @notice Only the subnet's owner.
    @param netuid The 2-byte subnet identifier.
    @param task_cid_ The task spec CID (at most 128 characters).
    """
    self._check_owner(netuid)
    self.task_cid[netuid] = task_cid_
    log TaskSet(netuid=netuid, task_cid=task_cid_)


@external
def set_hyperparams(netuid: uint16, hp: Hyperparams):
    """
    @dev Sets all the hyperparameters of a subnet. Every field but
         `tempo` applies at once; a new `tempo` applies from the next
         epoch (setting it twice in an epoch keeps the last value).
    @notice Only the subnet's owner, within the admin bounds;
            `max_allowed_uids` cannot go below the current `n`.
    @param netuid The 2-byte subnet identifier.
    @param hp The new hyperparameters.
    """
    self._check_owner(netuid)
    self._check_sane(hp)
    self._check_within(hp, self._lower, self._upper)
    assert convert(hp.max_allowed_uids, uint256) >= self._reg_state[netuid] & _MASK16, (
        "subnets: max_allowed_uids below n"
    )
    from_epoch: uint64 = self._set_tempo(netuid, hp.tempo)
    self._store_hyperparams(netuid, hp)
    log HyperparamsSet(netuid=netuid, hyperparams=hp, tempo_from_epoch=from_epoch)


# --- neurons -----------------------------------------------------------------------------


@external
def register(netuid: uint16, hotkey: address, axon: String[128], max_burn: uint256) -> uint16:
    """
    @dev Registers `hotkey` for the caller (its coldkey) on a subnet
         that is not full, burning the current registration price.
    @notice Burns with `noos.burn_from(caller, price)` (needs an
            allowance). Reverts if the price exceeds `max_burn`, if the
            subnet is full (use `register_replacing`), if registration
            is closed, or if `hotkey` belongs to another coldkey.
    @param netuid The 2-byte subnet identifier.
    @param hotkey The 20-byte hotkey.
    @param axon The neuron's endpoint URL (at most 128 characters).
    @param max_burn The 32-byte highest price the caller accepts.
    @return uint16 The new neuron's UID.
    """
    reg_params: uint256 = self._check_open(netuid)
    state: uint256 = self._reg_state[netuid]
    n_: uint256 = state & _MASK16
    assert n_ < reg_params & _MASK16, "subnets: subnet is full, use register_replacing"
    uid: uint16 = convert(n_, uint16)
    self._register(netuid, hotkey, axon, max_burn, uid, empty(address), state, reg_params, n_ + 1)
    return uid


@external
def register_replacing(
    netuid: uint16,
    hotkey: address,
    axon: String[128],
    max_burn: uint256,
    result_epoch: uint64,
    aux: AuxFields,
    candidates: DynArray[PruneCandidate, _MAX_CANDIDATES],
) -> uint16:
    """
    @dev Registers `hotkey` on a full subnet in place of the first
         prunable UID among `candidates`: leaves `(rank, uid)` of the
         `prune_root` of the finalized result of `result_epoch` (in
         `aux`), taken in rank order from the subnet's pruning cursor.
         A candidate registered at or after `epoch_start(result_epoch)`,
         or still immune, is skipped (its rank is consumed). A newer
         result than the cursor's restarts the cursor at rank 0; an
         older one is refused.
    @notice Same burn, `max_burn`, coldkey and axon rules as `register`.
    @param netuid The 2-byte subnet identifier.
    @param hotkey The 20-byte hotkey.
    @param axon The neuron's endpoint URL (at most 128 characters).
    @param max_burn The 32-byte highest price the caller accepts.
    @param result_epoch The 8-byte epoch of the finalized result.
    @param aux The fields hashed into that result's `aux_hash`.
    @param candidates Leaves from the cursor's rank on, with proofs.
    @return uint16 The UID taken over.
    """
    reg_params: uint256 = self._check_open(netuid)
    state: uint256 = self._reg_state[netuid]
    n_: uint256 = state & _MASK16
    assert n_ != 0 and n_ >= reg_params & _MASK16, (
        "subnets: subnet is not full"
    )
    assert len(candidates) != 0, "subnets: no prune candidates"
    self._check_aux(netuid, result_epoch, aux)

    cursor: uint256 = self._prune_cursor[netuid]
    next_rank: uint256 = cursor >> 64
    cursor_epoch_plus_one: uint256 = cursor & _MASK64
    if convert(result_epoch, uint256) + 1 > cursor_epoch_plus_one:
        next_rank = 0
    else:
        assert convert(result_epoch, uint256) + 1 == cursor_epoch_plus_one, "subnets: stale prune result"

    start: uint256 = self._epoch_start(netuid, result_epoch)
    immunity: uint256 = convert(self._hyperparams[netuid].immunity_period, uint256)
    found: bool = False
    uid: uint16 = 0
    for c: PruneCandidate in candidates:
        assert convert(c.rank, uint256) == next_rank, "subnets: prune rank out of order"
        leaf: bytes32 = keccak256(keccak256(abi_encode(c.rank, c.uid)))
        assert merkle._verify(c.proof, aux.prune_root, leaf), "subnets: invalid prune proof"
        next_rank += 1
        registered_at: uint256 = self._neurons[netuid][c.uid] >> 160
        if registered_at < start and block.number - registered_at >= immunity:
            found = True
            uid = c.uid
            break
    assert found, "subnets: no prunable uid (all immune or re-registered)"

    self._prune_cursor[netuid] = (next_rank << 64) | (convert(result_epoch, uint256) + 1)
    log PruneCursorSet(netuid=netuid, result_epoch=result_epoch, next_rank=convert(next_rank, uint16))

    replaced: address = self._hotkey(self._neurons[netuid][uid])
    self._hotkey_uids[netuid][replaced] = 0
    self._register(netuid, hotkey, axon, max_burn, uid, replaced, state, reg_params, n_)
    return uid


@external
def swap_hotkey(netuid: uint16, old_hotkey: address, new_hotkey: address):
    """
    @dev Moves the UID of `old_hotkey` on a subnet to `new_hotkey`,
         keeping its registration block, axon and permit.
    @notice Only the coldkey of `old_hotkey`. `new_hotkey` must not be
            registered on the subnet nor belong to another coldkey; it
            becomes the caller's.
    @param netuid The 2-byte subnet identifier.
    @param old_hotkey The 20-byte registered hotkey.
    @param new_hotkey The 20-byte replacement hotkey.
    """
    assert self._coldkeys[old_hotkey] == msg.sender, "subnets: caller is not the coldkey"
    uid: uint16 = self._uid(netuid, old_hotkey)
    assert new_hotkey != empty(address), "subnets: hotkey is the zero address"
    assert self._hotkey_uids[netuid][new_hotkey] == 0, "subnets: hotkey already registered"
    self._claim_hotkey(new_hotkey, msg.sender)
    neuron: uint256 = self._neurons[netuid][uid]
    self._neurons[netuid][uid] = (neuron & ~_MASK160) | convert(convert(new_hotkey, uint160), uint256)
    self._hotkey_uids[netuid][new_hotkey] = self._hotkey_uids[netuid][old_hotkey]
    self._hotkey_uids[netuid][old_hotkey] = 0
    log HotkeySwapped(netuid=netuid, uid=uid, old_hotkey=old_hotkey, new_hotkey=new_hotkey, coldkey=msg.sender)


@external
def set_axon(netuid: uint16, hotkey: address, axon: String[128]):
    """
    @dev Sets the axon URL of a registered neuron.
    @notice Only the hotkey itself or its coldkey.
    @param netuid The 2-byte subnet identifier.
    @param hotkey The 20-byte registered hotkey.
    @param axon The endpoint URL (at most 128 characters).
    """
    assert msg.sender == hotkey or msg.sender == self._coldkeys[hotkey], "subnets: caller is not the hotkey or its coldkey"
    uid: uint16 = self._uid(netuid, hotkey)
    self.axon_of[netuid][uid] = axon
    log AxonSet(netuid=netuid, uid=uid, hotkey=hotkey, axon=axon)


# --- validator permits -------------------------------------------------------------------


@external
def publish_permits(
    netuid: uint16,
    epoch: uint64,
    uids: DynArray[uint16, _MAX_VALIDATORS],
    source_epoch: uint64,
    emission_root: bytes32,
    prune_root: bytes32,
    bonds_digest: bytes32,
):
    """
    @dev Publishes the validator permits of the current epoch `epoch`:
         the permit UIDs committed by the finalized result of
         `source_epoch < epoch` as `permits_hash =
         keccak256(abi.encodePacked(uint16 uids ascending))`. Records
         the permitted stake: the stake at `epoch_start(epoch)` of the
         listed UIDs whose neuron registered before that block.
    @notice Anyone; once per epoch, after the epoch block.
    @param netuid The 2-byte subnet identifier.
    @param epoch The 8-byte current epoch.
    @param uids The permit UIDs, strictly ascending.
    @param source_epoch The 8-byte epoch of the finalized result.
    @param emission_root The result's emission root.
    @param prune_root The result's prune root.
    @param bonds_digest The result's bonds digest.
    """
    start: uint256 = self._check_publishable(netuid, epoch)
    assert source_epoch < epoch, "subnets: source epoch not before epoch"
    # abi.encodePacked(uint16[]): 16 UIDs per big-endian word.
    words: uint256[_BITMAP_WORDS] = empty(uint256[_BITMAP_WORDS])
    for i: uint256 in range(_MAX_VALIDATORS_U256):
        if i == len(uids):
            break
        words[i >> 4] |= convert(uids[i], uint256) << (240 - ((i & 15) << 4))
    permits_hash: bytes32 = keccak256(slice(abi_encode(words), 0, 2 * len(uids)))
    aux: AuxFields = AuxFields(
        emission_root=emission_root, prune_root=prune_root, permits_hash=permits_hash, bonds_digest=bonds_digest
    )
    self._check_aux(netuid, source_epoch, aux)
    self.has_result_permits[netuid] = True
    self._publish(netuid, epoch, start, uids, source_epoch, False)


@external
def publish_bootstrap_permits(netuid: uint16, epoch: uint64, uids: DynArray[uint16, _MAX_VALIDATORS]):
    """
    @dev Publishes the validator permits of the current epoch `epoch`
         of a subnet that has no result-based permits yet: the top
         `K = min(max_allowed_validators, eligible)` UIDs by stake at
         `epoch_start(epoch)` (ties: lower UID first), where eligible
         UIDs registered before that block and hold stake then. Verified by scanning every
         UID (`n <= 256` only).
    @notice Anyone; once per epoch, after the epoch block.
    @param netuid The 2-byte subnet identifier.
    @param epoch The 8-byte current epoch.
    @param uids The top-K UIDs, strictly ascending.
    """
    start: uint256 = self._check_publishable(netuid, epoch)
    assert not self.has_result_permits[netuid], "subnets: bootstrap is over"
    n_: uint256 = self._reg_state[netuid] & _MASK16
    assert n_ <= convert(_MAX_VALIDATORS, uint256), "subnets: too many uids for bootstrap"
    staking_: IStaking = self.staking

    # Merge-walk all UIDs against the sorted list: track the weakest chosen
    # and the strongest unchosen (stake, then lower UID wins).
    k: uint256 = 0
    eligible: uint256 = 0
    weakest_stake: uint256 = max_value(uint256)
    weakest_uid: uint256 = 0
    strongest_stake: uint256 = 0
    strongest_uid: uint256 = max_value(uint256)
    any_unchosen: bool = False
    for i: uint256 in range(_MAX_VALIDATORS_U256):
        if i == n_:
            break
        uid: uint16 = convert(i, uint16)
        neuron: uint256 = self._neurons[netuid][uid]
        chosen: bool = k < len(uids) and uids[k] == uid
        if chosen:
            k += 1
        if neuron >> 160 >= start:
            assert not chosen, "subnets: bootstrap uid registered after epoch block"
            continue
        stake: uint256 = staticcall staking_.stake_at(netuid, self._hotkey(neuron), start)
        if stake == 0:
            # As subtensor's top-k: only UIDs holding stake can hold a permit.
            assert not chosen, "subnets: bootstrap uid without stake"
            continue
        eligible += 1
        if chosen:
            if stake < weakest_stake or (stake == weakest_stake and i > weakest_uid):
                weakest_stake = stake
                weakest_uid = i
        elif not any_unchosen or stake > strongest_stake or (stake == strongest_stake and i < strongest_uid):
            any_unchosen = True
            strongest_stake = stake
            strongest_uid = i
    assert k == len(uids), "subnets: uids not ascending or not below n"
    max_validators: uint256 = convert(self._hyperparams[netuid].max_allowed_validators, uint256)
    assert len(uids) == min(max_validators, eligible), "subnets: wrong number of bootstrap uids"
    if any_unchosen and len(uids) != 0:
        assert weakest_stake > strongest_stake or (weakest_stake == strongest_stake and weakest_uid < strongest_uid), (
            "subnets: not the top-k by stake"
        )
    self._publish(netuid, epoch, start, uids, epoch, True)


# --- views -------------------------------------------------------------------------------


@external
@view
def subnet_exists(netuid: uint16) -> bool:
    """
    @dev Returns whether subnet `netuid` exists.
    @param netuid The 2-byte subnet identifier.
    @return bool Whether it exists.
    """
    return self._owners[netuid] != empty(address)


@external
@view
def owner_of(netuid: uint16) -> address:
    """
    @dev Returns the owner of a subnet (zero if it does not exist).
    @param netuid The 2-byte subnet identifier.
    @return address The 20-byte owner.
    """
    return self._owners[netuid]


@external
@view
def hyperparams(netuid: uint16) -> Hyperparams:
    """
    @dev Returns all the hyperparameters of a subnet (`tempo` is the
         tempo set last; `tempo(netuid)` is the current epoch's).
    @param netuid The 2-byte subnet identifier.
    @return Hyperparams The hyperparameters.
    """
    self._check_exists(netuid)
    return self._hyperparams[netuid]


@external
@view
def defaults() -> Hyperparams:
    """
    @dev Returns the hyperparameters given to new subnets.
    @return Hyperparams The defaults.
    """
    return self._defaults


@external
@view
def bounds() -> (Hyperparams, Hyperparams):
    """
    @dev Returns the bounds within which owners set hyperparameters.
    @return Hyperparams The lowest allowed values.
    @return Hyperparams The highest allowed values.
    """
    return self._lower, self._upper


@external
@view
def n(netuid: uint16) -> uint16:
    """
    @dev Returns the number of UIDs of a subnet (UIDs are `0 .. n-1`).
    @param netuid The 2-byte subnet identifier.
    @return uint16 The number of UIDs.
    """
    return convert(self._reg_state[netuid] & _MASK16, uint16)


@external
@view
def max_uids(netuid: uint16) -> uint16:
    """
    @dev Returns the largest number of UIDs of a subnet.
    @param netuid The 2-byte subnet identifier.
    @return uint16 `max_allowed_uids`.
    """
    return self._hyperparams[netuid].max_allowed_uids


@external
@view
def burn_price(netuid: uint16) -> uint256:
    """
    @dev Returns the price a registration in this block burns.
    @param netuid The 2-byte subnet identifier.
    @return uint256 The 32-byte price, within `[min_burn, max_burn]`.
    """
    self._check_exists(netuid)
    return self._burn_price(self._reg_state[netuid], self._reg_params[netuid])


@external
@view
def is_registered(netuid: uint16, hotkey: address) -> bool:
    """
    @dev Returns whether `hotkey` holds a UID on a subnet.
    @param netuid The 2-byte subnet identifier.
    @param hotkey The 20-byte hotkey.
    @return bool Whether it is registered.
    """
    return self._hotkey_uids[netuid][hotkey] != 0


@external
@view
def uid_of(netuid: uint16, hotkey: address) -> uint16:
    """
    @dev Returns the UID of `hotkey` on a subnet.
    @notice Reverts if `hotkey` is not registered there.
    @param netuid The 2-byte subnet identifier.
    @param hotkey The 20-byte hotkey.
    @return uint16 The UID.
    """
    return self._uid(netuid, hotkey)


@external
@view
def hotkey_of(netuid: uint16, uid: uint16) -> address:
    """
    @dev Returns the hotkey holding a UID (zero if `uid >= n`).
    @param netuid The 2-byte subnet identifier.
    @param uid The 2-byte UID.
    @return address The 20-byte hotkey.
    """
    return self._hotkey(self._neurons[netuid][uid])


@external
@view
def coldkey_of(hotkey: address) -> address:
    """
    @dev Returns the coldkey owning `hotkey` (zero if unknown).
    @param hotkey The 20-byte hotkey.
    @return address The 20-byte coldkey.
    """
    return self._coldkeys[hotkey]


@external
@view
def block_at_registration(netuid: uint16, uid: uint16) -> uint256:
    """
    @dev Returns the block at which the current neuron of a UID registered.
    @param netuid The 2-byte subnet identifier.
    @param uid The 2-byte UID.
    @return uint256 The 32-byte block number (zero if `uid >= n`).
    """
    return self._neurons[netuid][uid] >> 160


@external
@view
def current_epoch(netuid: uint16) -> uint64:
    """
    @dev Returns the current epoch of a subnet.
    @param netuid The 2-byte subnet identifier.
    @return uint64 The epoch.
    """
    return self._current_epoch(netuid)


@external
@view
def epoch_start(netuid: uint16, epoch: uint64) -> uint256:
    """
    @dev Returns the first block (the epoch block) of an epoch.
    @notice Future epochs assume no further tempo change.
    @param netuid The 2-byte subnet identifier.
    @param epoch The 8-byte epoch.
    @return uint256 The 32-byte block number.
    """
    self._check_exists(netuid)
    return self._epoch_start(netuid, epoch)


@external
@view
def tempo(netuid: uint16) -> uint64:
    """
    @dev Returns the tempo (blocks per epoch) of the current epoch.
    @param netuid The 2-byte subnet identifier.
    @return uint64 The tempo.
    """
    s: uint256 = self._current_segment(netuid)
    return convert(s >> 128, uint64)


@external
@view
def reveal_period(netuid: uint16) -> uint64:
    """
    @dev Returns the reveal period (epochs between commit and reveal).
    @param netuid The 2-byte subnet identifier.
    @return uint64 The reveal period.
    """
    return self._hyperparams[netuid].reveal_period


@external
@view
def prune_cursor(netuid: uint16) -> (uint64, uint16, bool):
    """
    @dev Returns the pruning cursor of a subnet.
    @param netuid The 2-byte subnet identifier.
    @return uint64 The epoch of the result in use.
    @return uint16 The next rank to consume.
    @return bool Whether any result was used yet.
    """
    cursor: uint256 = self._prune_cursor[netuid]
    if cursor == 0:
        return 0, 0, False
    return convert((cursor & _MASK64) - 1, uint64), convert(cursor >> 64, uint16), True


@external
@view
def permits_epoch(netuid: uint16, epoch: uint64) -> (bool, uint64):
    """
    @dev Returns the latest epoch `<= epoch` with published permits.
    @param netuid The 2-byte subnet identifier.
    @param epoch The 8-byte epoch.
    @return bool Whether there is one.
    @return uint64 That epoch.
    """
    found: bool = False
    pub: uint256 = 0
    found, pub = self._publication(netuid, epoch)
    return found, convert(pub & _MASK64, uint64)


@external
@view
def holds_permit(netuid: uint16, epoch: uint64, hotkey: address) -> bool:
    """
    @dev Returns whether `hotkey` holds a validator permit in `epoch`:
         its UID is in the permits published for the latest epoch
         `p <= epoch` that has some, and it registered before
         `epoch_start(p)`.
    @param netuid The 2-byte subnet identifier.
    @param epoch The 8-byte epoch.
    @param hotkey The 20-byte hotkey.
    @return bool Whether it holds a permit.
    """
    return self._holds_permit(netuid, epoch, hotkey, 0)


@external
@view
def permit_now(netuid: uint16, hotkey: address) -> (uint64, bool):
    """
    @dev Returns the current epoch and whether `hotkey` holds a permit
         in it (`holds_permit(netuid, current_epoch(netuid), hotkey)`).
    @param netuid The 2-byte subnet identifier.
    @param hotkey The 20-byte hotkey.
    @return uint64 The current epoch.
    @return bool Whether it holds a permit.
    """
    epoch: uint64 = self._current_epoch(netuid)
    return epoch, self._holds_permit(netuid, epoch, hotkey, 0)


@external
@view
def attest_context(netuid: uint16, epoch: uint64, hotkey: address) -> (uint256, uint256, bool):
    """
    @dev Returns, in one call, what EpochSettlement's `attest` needs:
         `epoch_start(epoch)`, `epoch_start(epoch + reveal_period + 1)`
         (the first block after the reveal epoch) and
         `holds_permit(epoch, hotkey)`. The permit lookup tries the
         epoch's own permits first (one read), as attested epochs are
         usually older than the latest publication.
    @notice For a subnet that does not exist: zeros and `False` (no
            attestation window opens and nobody holds a permit).
    @param netuid The 2-byte subnet identifier.
    @param epoch The 8-byte epoch.
    @param hotkey The 20-byte hotkey.
    @return uint256 The 32-byte epoch block of `epoch`.
    @return uint256 The 32-byte first block after its reveal epoch.
    @return bool Whether `hotkey` holds a permit in `epoch`.
    """
    start: uint256 = self._epoch_start(netuid, epoch)
    reveal_end: uint256 = self._epoch_start(netuid, epoch + self._hyperparams[netuid].reveal_period + 1)
    return start, reveal_end, self._holds_permit(netuid, epoch, hotkey, start)


@external
@view
def permitted_stake(netuid: uint16, epoch: uint64) -> uint256:
    """
    @dev Returns the permitted stake of an epoch: recorded at
         publication for an epoch with its own permits; otherwise the
         stake at `epoch_start(epoch)` of the current holders of the
         permits inherited from the latest earlier publication (zero
         if none).
    @notice For an inherited epoch, reverts unless its epoch block is past.
    @param netuid The 2-byte subnet identifier.
    @param epoch The 8-byte epoch.
    @return uint256 The 32-byte permitted stake.
    """
    own: uint256 = self._published_stake[netuid][epoch]
    if own != 0:
        # Only an epoch's own publication records a non-zero stake.
        return own
    found: bool = False
    pub: uint256 = 0
    found, pub = self._publication(netuid, epoch)
    if not found:
        return 0
    pub_epoch: uint64 = convert(pub & _MASK64, uint64)
    if pub_epoch == epoch:
        # Its own publication, without stake.
        return 0
    start: uint256 = self._epoch_start(netuid, epoch)
    eligible_before: uint256 = pub >> 64
    staking_: IStaking = self.staking
    total: uint256 = 0
    words: uint256 = ((self._reg_state[netuid] & _MASK16) + 255) >> 8
    for w: uint256 in range(_BITMAP_WORDS):
        if w == words:
            break
        bits: uint256 = self._permit_bits[netuid][pub_epoch][w]
        for b: uint256 in range(256):
            if bits >> b == 0:
                break
            if (bits >> b) & 1 == 1:
                neuron: uint256 = self._neurons[netuid][convert((w << 8) | b, uint16)]
                if neuron >> 160 < eligible_before:
                    total += staticcall staking_.stake_at(netuid, self._hotkey(neuron), start)
    return total


# --- internals ---------------------------------------------------------------------------


@internal
@view
def _check_exists(netuid: uint16):
    assert self._owners[netuid] != empty(address), "subnets: subnet does not exist"


@internal
@view
def _check_open(netuid: uint16) -> uint256:
    # Returns the registration parameters; a subnet that does not exist has
    # `registration_allowed == False`.
    reg_params: uint256 = self._reg_params[netuid]
    if (reg_params >> 16) & 1 == 0:
        self._check_exists(netuid)
        raise "subnets: registration closed"
    return reg_params


@internal
@view
def _check_owner(netuid: uint16):
    owner: address = self._owners[netuid]
    assert owner != empty(address), "subnets: subnet does not exist"
    assert owner == msg.sender, "subnets: caller is not the subnet owner"


@internal
@pure
def _check_sane(hp: Hyperparams):
    assert hp.tempo != 0, "subnets: tempo is zero"
    assert hp.max_allowed_uids != 0 and hp.max_allowed_uids <= _MAX_UIDS, "subnets: max_allowed_uids out of range"
    assert hp.max_allowed_validators != 0 and hp.max_allowed_validators <= _MAX_VALIDATORS, (
        "subnets: max_allowed_validators out of range"
    )
    assert hp.bonds_moving_average <= 1_000_000, "subnets: bonds_moving_average above 1_000_000"
    assert hp.alpha_low <= hp.alpha_high, "subnets: alpha_low above alpha_high"
    assert hp.yuma_version == 2 or hp.yuma_version == 3, "subnets: yuma_version not 2 or 3"
    assert hp.reveal_period != 0, "subnets: reveal_period is zero"
    assert hp.min_burn <= hp.max_burn, "subnets: min_burn above max_burn"
    assert hp.max_burn <= _MAX_BURN, "subnets: max_burn too large"


@internal
@pure
def _check_within(hp: Hyperparams, lo: Hyperparams, hi: Hyperparams):
    values: uint256[_FIELDS] = self._fields(hp)
    lows: uint256[_FIELDS] = self._fields(lo)
    highs: uint256[_FIELDS] = self._fields(hi)
    for i: uint256 in range(_FIELDS):
        if values[i] < lows[i] or values[i] > highs[i]:
            at: uint256 = _FIELD_NAME_AT[i]
            raise concat("subnets: ", slice(_FIELD_NAMES, at >> 8, at & 255), " out of bounds")


@internal
@pure
def _fields(hp: Hyperparams) -> uint256[_FIELDS]:
    # The fields in declaration order as unsigned integers (booleans 0/1,
    # `alpha_sigmoid_steepness` offset by 2**15), for bound checks.
    return [
        convert(hp.tempo, uint256),
        convert(hp.max_allowed_uids, uint256),
        convert(hp.max_allowed_validators, uint256),
        convert(hp.immunity_period, uint256),
        convert(hp.activity_cutoff, uint256),
        convert(hp.kappa, uint256),
        convert(hp.bonds_penalty, uint256),
        convert(hp.bonds_moving_average, uint256),
        convert(hp.liquid_alpha_enabled, uint256),
        convert(hp.alpha_low, uint256),
        convert(hp.alpha_high, uint256),
        convert(convert(hp.alpha_sigmoid_steepness, int256) + 2**15, uint256),
        convert(hp.yuma_version, uint256),
        convert(hp.reveal_period, uint256),
        hp.min_burn,
        hp.max_burn,
        convert(hp.registration_allowed, uint256),
    ]


@internal
def _register(
    netuid: uint16,
    hotkey: address,
    axon: String[128],
    max_burn: uint256,
    uid: uint16,
    replaced: address,
    state: uint256,
    reg_params: uint256,
    new_n: uint256,
):
    assert hotkey != empty(address), "subnets: hotkey is the zero address"
    assert self._hotkey_uids[netuid][hotkey] == 0, "subnets: hotkey already registered"
    self._claim_hotkey(hotkey, msg.sender)
    price: uint256 = self._burn_price(state, reg_params)
    assert price <= max_burn, "subnets: burn price above max_burn"
    next_price: uint256 = min(
        max(price * _BURN_GROWTH_NUM // _BURN_GROWTH_DEN, (reg_params >> 24) & _MASK96), reg_params >> 120
    )
    self._reg_state[netuid] = self._pack_reg(new_n, next_price, block.number)
    self._neurons[netuid][uid] = (block.number << 160) | convert(convert(hotkey, uint160), uint256)
    self._hotkey_uids[netuid][hotkey] = (convert(uid, uint256) + 1) | (block.number << 16)
    self.axon_of[netuid][uid] = axon
    if price != 0:
        extcall INoos(noos).burn_from(msg.sender, price)
    log NeuronRegistered(
        netuid=netuid, uid=uid, hotkey=hotkey, coldkey=msg.sender, axon=axon, burn=price, replaced_hotkey=replaced
    )


@internal
def _claim_hotkey(hotkey: address, coldkey: address):
    owner: address = self._coldkeys[hotkey]
    if owner == empty(address):
        self._coldkeys[hotkey] = coldkey
    else:
        assert owner == coldkey, "subnets: hotkey owned by another coldkey"


@internal
@view
def _burn_price(state: uint256, reg_params: uint256) -> uint256:
    # The excess over `min_burn` halves every `burn_half_life` blocks, linearly between halvings.
    price: uint256 = (state >> 16) & _MASK96
    last: uint256 = state >> 112
    lo: uint256 = (reg_params >> 24) & _MASK96
    hi: uint256 = reg_params >> 120
    if price > lo:
        half_life: uint256 = convert(self.burn_half_life, uint256)
        elapsed: uint256 = block.number - last
        halvings: uint256 = elapsed // half_life
        excess: uint256 = 0
        if halvings < 96:
            excess = (price - lo) >> halvings
            excess -= excess * (elapsed % half_life) // (2 * half_life)
        price = lo + excess
    return min(max(price, lo), hi)


@internal
def _store_hyperparams(netuid: uint16, hp: Hyperparams):
    self._hyperparams[netuid] = hp
    self._reg_params[netuid] = (
        convert(hp.max_allowed_uids, uint256)
        | (convert(hp.registration_allowed, uint256) << 16)
        | (hp.min_burn << 24)
        | (hp.max_burn << 120)
    )


@internal
@pure
def _pack_reg(n_: uint256, price: uint256, at: uint256) -> uint256:
    return n_ | (price << 16) | (at << 112)


@internal
@pure
def _hotkey(neuron: uint256) -> address:
    return convert(convert(neuron & _MASK160, uint160), address)


@internal
@view
def _uid(netuid: uint16, hotkey: address) -> uint16:
    slot: uint256 = self._hotkey_uids[netuid][hotkey]
    assert slot != 0, "subnets: hotkey not registered"
    return convert((slot & _MASK16) - 1, uint16)


@internal
@view
def _holds_permit(netuid: uint16, epoch: uint64, hotkey: address, start: uint256) -> bool:
    # `start`: the epoch block of `epoch` if the caller knows it, else zero.
    # When known, the epoch's own permits are tried first: a past epoch
    # (an attested one) is found in one read, without searching the
    # publications.
    slot: uint256 = self._hotkey_uids[netuid][hotkey]
    if slot == 0:
        return False
    uid: uint256 = (slot & _MASK16) - 1
    bits: uint256 = 0
    pub: uint256 = 0
    if start != 0:
        # `_publish` stores non-zero bitmap words only, so a non-zero word
        # proves that `epoch` has its own publication, whose block is `start`.
        bits = self._permit_bits[netuid][epoch][uid >> 8]
        pub = convert(epoch, uint256) | (start << 64)
    if bits == 0:
        found: bool = False
        found, pub = self._publication(netuid, epoch)
        if not found:
            return False
        bits = self._permit_bits[netuid][convert(pub & _MASK64, uint64)][uid >> 8]
    if (bits >> (uid & 255)) & 1 == 0:
        return False
    # Registered before the publication's epoch block.
    return slot >> 16 < pub >> 64


@internal
@view
def _check_aux(netuid: uint16, epoch: uint64, aux: AuxFields):
    final: bool = False
    aux_hash: bytes32 = empty(bytes32)
    final, aux_hash = staticcall self.epochs.final_aux(netuid, epoch)
    assert final, "subnets: result not final"
    assert keccak256(abi_encode(aux.emission_root, aux.prune_root, aux.permits_hash, aux.bonds_digest)) == aux_hash, (
        "subnets: aux fields do not match the result"
    )


# --- epochs ------------------------------------------------------------------------------


@internal
@pure
def _pack_segment(anchor_epoch: uint64, anchor_block: uint256, tempo_: uint64) -> uint256:
    return convert(anchor_epoch, uint256) | (anchor_block << 64) | (convert(tempo_, uint256) << 128)


@internal
@view
def _current_segment(netuid: uint16) -> uint256:
    head: uint256 = self._tempo_head[netuid]
    assert head != 0, "subnets: subnet does not exist"
    s: uint256 = head & _MASK192
    if (s >> 64) & _MASK64 > block.number:
        # The last segment is a pending tempo change.
        s = self._segments[netuid][(head >> 192) - 2]
    return s


@internal
@view
def _current_epoch(netuid: uint16) -> uint64:
    s: uint256 = self._current_segment(netuid)
    return convert((s & _MASK64) + (block.number - ((s >> 64) & _MASK64)) // (s >> 128), uint64)


@internal
@view
def _epoch_start(netuid: uint16, epoch: uint64) -> uint256:
    e: uint256 = convert(epoch, uint256)
    head: uint256 = self._tempo_head[netuid]
    s: uint256 = head & _MASK192
    if s & _MASK64 > e:
        # Binary search for the last segment anchored at or before `e`
        # (segment 0 is anchored at epoch 0).
        low: uint256 = 0
        high: uint256 = (head >> 192) - 1
        for _: uint256 in range(64):
            if low + 1 >= high:
                break
            mid: uint256 = (low + high) // 2
            if self._segments[netuid][mid] & _MASK64 <= e:
                low = mid
            else:
                high = mid
        s = self._segments[netuid][low]
    return ((s >> 64) & _MASK64) + (e - (s & _MASK64)) * (s >> 128)


@internal
def _set_tempo(netuid: uint16, new_tempo: uint64) -> uint64:
    head: uint256 = self._tempo_head[netuid]
    count: uint256 = head >> 192
    last: uint256 = head & _MASK192
    if (last >> 64) & _MASK64 > block.number:
        # Drop the pending change; the new one replaces it.
        count -= 1
        last = self._segments[netuid][count - 1]
    current: uint256 = (last & _MASK64) + (block.number - ((last >> 64) & _MASK64)) // (last >> 128)
    next_epoch: uint256 = current + 1
    if convert(new_tempo, uint256) != last >> 128:
        anchor: uint256 = ((last >> 64) & _MASK64) + (next_epoch - (last & _MASK64)) * (last >> 128)
        last = self._pack_segment(convert(next_epoch, uint64), anchor, new_tempo)
        self._segments[netuid][count] = last
        count += 1
    self._tempo_head[netuid] = last | (count << 192)
    return convert(next_epoch, uint64)


# --- permits -----------------------------------------------------------------------------


@internal
@view
def _check_publishable(netuid: uint16, epoch: uint64) -> uint256:
    self._check_exists(netuid)
    assert epoch == self._current_epoch(netuid), "subnets: not the current epoch"
    start: uint256 = self._epoch_start(netuid, epoch)
    assert start < block.number, "subnets: epoch block not past"
    head: uint256 = self._permit_head[netuid]
    if head != 0:
        assert head & _MASK64 < convert(epoch, uint256), "subnets: permits already published"
    return start


@internal
def _publish(
    netuid: uint16,
    epoch: uint64,
    start: uint256,
    uids: DynArray[uint16, _MAX_VALIDATORS],
    source_epoch: uint64,
    bootstrap: bool,
):
    n_: uint256 = self._reg_state[netuid] & _MASK16
    staking_: IStaking = self.staking
    words: uint256[_BITMAP_WORDS] = empty(uint256[_BITMAP_WORDS])
    total: uint256 = 0
    previous: uint256 = 0
    for i: uint256 in range(_MAX_VALIDATORS_U256):
        if i == len(uids):
            break
        uid: uint256 = convert(uids[i], uint256)
        assert (i == 0 or uid > previous) and uid < n_, "subnets: uids not ascending or not below n"
        previous = uid
        words[uid >> 8] |= 1 << (uid & 255)
        neuron: uint256 = self._neurons[netuid][uids[i]]
        if neuron >> 160 < start:
            total += staticcall staking_.stake_at(netuid, self._hotkey(neuron), start)
    for w: uint256 in range(_BITMAP_WORDS):
        if words[w] != 0:
            self._permit_bits[netuid][epoch][w] = words[w]
    count: uint256 = self._permit_head[netuid] >> 128
    pub: uint256 = convert(epoch, uint256) | (start << 64)
    self._permit_pubs[netuid][count] = pub
    self._permit_head[netuid] = pub | ((count + 1) << 128)
    self._published_stake[netuid][epoch] = total
    log PermitsPublished(
        netuid=netuid, epoch=epoch, source_epoch=source_epoch, bootstrap=bootstrap, uids=uids, permitted_stake=total
    )


@internal
@view
def _publication(netuid: uint16, epoch: uint64) -> (bool, uint256):
    # The latest publication at an epoch `<= epoch`: epoch | epoch block << 64.
    head: uint256 = self._permit_head[netuid]
    if head == 0:
        return False, 0
    e: uint256 = convert(epoch, uint256)
    if head & _MASK64 <= e:
        return True, head & _MASK128
    # Search the publications before the head (which is past `epoch`):
    # `pubs[low] <= e < pubs[high]` once `pubs[0] <= e` is checked, which is
    # left for the end. Attested and finalized epochs are recent: the first
    # probes step back one publication at a time, then the search bisects.
    low: uint256 = 0
    high: uint256 = (head >> 128) - 1
    pub: uint256 = 0
    for i: uint256 in range(67):
        if low + 1 >= high:
            break
        mid: uint256 = high - 1
        if i >= 3:
            mid = (low + high) // 2
        probe: uint256 = self._permit_pubs[netuid][mid]
        if probe & _MASK64 <= e:
            low = mid
            pub = probe
        else:
            high = mid
    if low == 0:
        pub = self._permit_pubs[netuid][0]
        if pub & _MASK64 > e:
            return False, 0
    return True, pub
