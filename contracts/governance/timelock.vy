# pragma version ~=0.4.3
"""
@title Noosphere Timelock (the DAO's treasury and executor)
@custom:contract-name timelock
@license GNU Affero General Public License v3.0 only
@notice snekmate's `timelock_controller` as a contract. It holds the
        treasury and owns every protocol parameter; the governor queues
        and executes proposals through it after `get_minimum_delay`
        seconds.

        Setup, as OpenZeppelin recommends for `GovernorTimelockControl`:
        1. deploy the timelock with no proposers, the zero address as
           executor (anyone may execute a ready operation, as through the
           governor's `execute`) and the deployer as a temporary admin;
        2. deploy the governor with this timelock;
        3. the deployer grants `PROPOSER_ROLE` and `CANCELLER_ROLE` to the
           governor, then renounces `DEFAULT_ADMIN_ROLE`. From then on the
           timelock administers itself: roles and the delay change only
           through proposals.
        No other account should hold the proposer or canceller role: it
        could schedule operations as the timelock or cancel queued
        proposals.
@dev Operations have no expiry (no grace period): a queued proposal stays
     executable until executed or cancelled. The module is snekmate 0.1.2's,
     vendored in `modules/timelock_controller.vy` with its array bound
     lowered from 255 to 10 (the governor's largest number of actions):
     with 255, each `schedule_batch` or `execute_batch` spends about 1.5
     million gas on memory. A batch therefore holds at most 10 calls, and
     at most 10 proposers and 10 executors are granted at construction.
"""


# @dev We import and initialise the `access_control` module,
# which the timelock uses for its roles.
from snekmate.auth import access_control
initializes: access_control


# @dev We import and initialise the `timelock_controller` module.
from .modules import timelock_controller
initializes: timelock_controller[access_control := access_control]


# @dev We export every external function of the timelock controller
# (which exports the ones of `access_control` it needs), and the
# ERC-165 check.
exports: (
    timelock_controller.__interface__,
)


@deploy
@payable
def __init__(
    minimum_delay_: uint256,
    proposers_: DynArray[address, 10],
    executors_: DynArray[address, 10],
    admin_: address,
):
    """
    @dev Deploys the timelock. To omit the opcodes for checking the
         `msg.value` in the creation-time EVM bytecode, the constructor
         is declared as `payable`.
    @param minimum_delay_ The 32-byte minimum delay in seconds.
    @param proposers_ The (at most 10) 20-byte accounts granted the proposer and
           canceller roles (none at first: the governor does not exist yet).
    @param executors_ The (at most 10) 20-byte accounts granted the executor role (the
           zero address: anyone).
    @param admin_ The 20-byte temporary admin (the deployer), who renounces
           the role once the governor holds its roles; or the zero address.
    """
    access_control.__init__()
    timelock_controller.__init__(minimum_delay_, proposers_, executors_, admin_)
