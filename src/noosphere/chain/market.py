"""What the data and model markets share: a licences contract that pulls payments in an allowed
ERC-20 token and credits revenue that its owners withdraw (pull payments)."""

from __future__ import annotations

from typing import Any

from eth_account.signers.local import LocalAccount
from web3.logs import DISCARD

from noosphere.chain.client import Chain, Receipt
from noosphere.chain.data_terms import MAX_UINT
from noosphere.chain.token import NoosToken, checked_address, format_amount
from noosphere.errors import InputError, NoosphereError


class LicenceMarket:
    """Payment-token and credit helpers over ``self.licences`` (set by the subclass)."""

    chain: Chain
    token: NoosToken
    licences: Any

    def _view(self, fn: Any, block: int | str = "latest") -> Any:
        return self.chain.call(fn, block=block)

    def _send(self, account: LocalAccount, fn: Any, item_id: int | None = None) -> Receipt:
        """Transact, turning the contracts' refusals into the market's own errors."""
        raise NotImplementedError

    def _events(self, contract: Any, name: str, receipt: Receipt) -> list[Any]:
        return list(getattr(contract.events, name)().process_receipt(receipt.raw, errors=DISCARD))

    def resolve_token(self, token: str | None) -> str:
        """The checksummed payment token: ``token``, or NOOS when None."""
        return self.token.address if token is None else checked_address(token, "payment token")

    def _erc20(self, token: str) -> Any:
        return self.chain.contract("noos", token)  # its ABI is a superset of ERC-20

    def approve_payment(self, owner: LocalAccount, token: str, amount: int) -> None:
        """Let the licences contract pull ``amount`` of ``token`` from ``owner`` (raised to the
        maximum once, when the allowance is short)."""
        erc20 = self._erc20(token)
        spender = self.licences.address
        if self._view(erc20.functions.allowance(owner.address, spender)) < amount:
            self.chain.transact(owner, erc20.functions.approve(spender, MAX_UINT))

    def check_funds(self, account: str, token: str, amount: int, what: str) -> None:
        """Refuse unless ``account`` holds ``amount`` of ``token`` to pay for ``what``."""
        have = int(self._view(self._erc20(token).functions.balanceOf(account)))
        if have < amount:
            unit = " NOOS" if token == self.token.address else f" of token {token}"
            raise InputError(
                f"{what} costs {format_amount(amount)}{unit}; {account} has {format_amount(have)}",
                hint="fund the account first (noos wallet transfer)",
            )

    def pending(self, account: str, token: str | None = None) -> int:
        """What ``account`` can withdraw in ``token`` (default NOOS)."""
        fn = self.licences.functions.pending(checked_address(account), self.resolve_token(token))
        return int(self._view(fn))

    def _withdraw(
        self, account: LocalAccount, token: str | None, error: type[NoosphereError], hint: str
    ) -> int:
        """Send ``account`` its credit in ``token``; ``error`` (with ``hint``) when it has none."""
        address = self.resolve_token(token)
        amount = self.pending(account.address, address)
        if amount == 0:
            raise error(f"{account.address} has nothing to withdraw in token {address}", hint=hint)
        self._send(account, self.licences.functions.withdraw(address))
        return amount
