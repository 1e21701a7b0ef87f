"""Typed client of the NOOS token (ERC-20 + permit + ERC-5805 votes)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation, localcontext

from eth_account.signers.local import LocalAccount
from eth_utils import is_address, to_checksum_address

from noosphere.chain.client import Chain, Receipt
from noosphere.errors import InputError

DECIMALS = 18
UNIT = 10**DECIMALS


def parse_amount(text: str | int) -> int:
    """Parse a NOOS amount (``"1.5"`` → 1.5e18 base units); rejects negative or over-precise."""
    with localcontext(prec=120):
        if isinstance(text, int):
            value = Decimal(text)
        else:
            try:
                value = Decimal(text.strip().replace("_", ""))
            except InvalidOperation:
                raise InputError(f"{text!r} is not an amount", hint="write e.g. 12.5") from None
        if not value.is_finite() or value < 0:
            raise InputError(f"amount {text!r} must be a non-negative number")
        if value.adjusted() > 60:
            raise InputError(f"amount {text!r} is too large for a uint256")
        units = value * UNIT
        if units >= 2**256:
            raise InputError(f"amount {text!r} is too large for a uint256")
        if units != units.to_integral_value():
            raise InputError(f"amount {text!r} has more than {DECIMALS} decimals")
        return int(units)


def format_amount(units: int) -> str:
    """Format base units as NOOS with up to 18 decimals, trailing zeros dropped."""
    whole, frac = divmod(units, UNIT)
    if not frac:
        return f"{whole:,}"
    return f"{whole:,}." + f"{frac:018d}".rstrip("0")


def checked_address(text: str, what: str = "address") -> str:
    """Validate and checksum an address, with a clear error naming ``what``."""
    if not isinstance(text, str) or not is_address(text):
        raise InputError(f"{what} {text!r} is not an EVM address", hint="expected 0x + 40 hex")
    return to_checksum_address(text)


class NoosToken:
    """The NOOS token at ``address``."""

    def __init__(self, chain: Chain, address: str) -> None:
        self.chain = chain
        self.address = to_checksum_address(address)
        self.contract = chain.contract("noos", address)

    def balance_of(self, account: str) -> int:
        """Balance in base units."""
        return int(self.chain.call(self.contract.functions.balanceOf(checked_address(account))))

    def total_supply(self) -> int:
        """Total supply in base units."""
        return int(self.chain.call(self.contract.functions.totalSupply()))

    def cap(self) -> int:
        """The hard cap on total supply."""
        return int(self.chain.call(self.contract.functions.cap()))

    def votes(self, account: str) -> int:
        """Current voting power of ``account``."""
        return int(self.chain.call(self.contract.functions.getVotes(checked_address(account))))

    def past_votes(self, account: str, block: int) -> int:
        """Voting power of ``account`` at the end of ``block``."""
        fn = self.contract.functions.getPastVotes(checked_address(account), block)
        return int(self.chain.call(fn))

    def past_total_supply(self, block: int) -> int:
        """Total supply at the end of ``block``."""
        return int(self.chain.call(self.contract.functions.getPastTotalSupply(block)))

    def delegates(self, account: str) -> str:
        """Whom ``account`` delegates its votes to (zero address if nobody)."""
        return str(self.chain.call(self.contract.functions.delegates(checked_address(account))))

    def transfer(self, sender: LocalAccount, to: str, amount: int) -> Receipt:
        """Transfer ``amount`` base units from ``sender`` to ``to``."""
        to = checked_address(to, "recipient")
        if amount <= 0:
            raise InputError("transfer amount must be positive")
        balance = self.balance_of(sender.address)
        if balance < amount:
            raise InputError(
                f"{sender.address} holds {format_amount(balance)} NOOS, "
                f"less than the {format_amount(amount)} to send"
            )
        return self.chain.transact(sender, self.contract.functions.transfer(to, amount))

    def delegate(self, holder: LocalAccount, delegatee: str) -> Receipt:
        """Delegate ``holder``'s votes to ``delegatee`` (itself to vote directly)."""
        fn = self.contract.functions.delegate(checked_address(delegatee, "delegatee"))
        return self.chain.transact(holder, fn)

    def mint(self, minter: LocalAccount, to: str, amount: int) -> Receipt:
        """Mint ``amount`` to ``to`` (only accounts with the minter role)."""
        fn = self.contract.functions.mint(checked_address(to, "recipient"), amount)
        return self.chain.transact(minter, fn)
