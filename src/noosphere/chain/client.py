"""``Chain``: the one client every part of Noosphere uses to talk to an EVM chain.

It connects by RPC URL (or to an embedded py-evm chain), caches the chain id, signs locally,
hands out nonces safely to concurrent senders, waits for receipts with a timeout, turns
reverts into :class:`TransactionRevertedError` carrying the contract's reason, and retries
transient RPC failures (see :mod:`noosphere.chain.provider`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from eth_account.signers.local import LocalAccount
from eth_utils import to_checksum_address
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.exceptions import ContractLogicError, TimeExhausted, Web3RPCError

from noosphere.chain import calls
from noosphere.chain.artifacts import load_artifact
from noosphere.chain.nonces import NonceManager
from noosphere.chain.provider import RetryingHTTPProvider
from noosphere.chain.reverts import decode_revert_data, reason_from_exception
from noosphere.chain.signer import FastSigner
from noosphere.errors import (
    ChainError,
    InsufficientFundsError,
    RpcUnreachableError,
    TransactionRevertedError,
    TransactionTimeoutError,
)

GAS_MARGIN = 1.25
DEFAULT_PRIORITY_FEE = 1_000_000_000


@dataclass(frozen=True)
class Receipt:
    """The parts of a transaction receipt Noosphere uses."""

    tx_hash: str
    block_number: int
    gas_used: int
    status: int
    contract_address: str | None
    logs: list[Any]
    raw: Any


class Chain:
    """A connection to one EVM chain. Create with :meth:`connect` or :meth:`embedded`."""

    def __init__(self, w3: Web3, *, rpc_url: str, tx_timeout: float = 120.0) -> None:
        self.w3 = w3
        self.rpc_url = rpc_url
        self.tx_timeout = tx_timeout
        self.nonces = NonceManager(self._pending_nonce)
        self._signers: dict[str, FastSigner] = {}
        self._signers_lock = threading.Lock()
        self._raw_calls = isinstance(w3.provider, RetryingHTTPProvider)

    # --- connecting ----------------------------------------------------------------------------
    @classmethod
    def connect(cls, rpc_url: str, *, tx_timeout: float = 120.0, retries: int = 4) -> Chain:
        """Connect to ``rpc_url``; fails with :class:`RpcUnreachableError` if it does not answer."""
        if not rpc_url.startswith(("http://", "https://")):
            raise RpcUnreachableError(
                f"RPC URL {rpc_url!r} is not an http(s) URL", hint="e.g. http://127.0.0.1:8545"
            )
        w3 = Web3(RetryingHTTPProvider(rpc_url, retries=retries))
        # Transactions are signed here with the cached chain id and no name is an ENS name:
        # web3's validation middleware would ask the node for the chain id on every call.
        for name in ("validation", "ens_name_to_address"):
            w3.middleware_onion.remove(name)
        chain = cls(w3, rpc_url=rpc_url, tx_timeout=tx_timeout)
        _ = chain.chain_id
        return chain

    @classmethod
    def embedded(cls) -> Chain:
        """An in-process py-evm chain (eth-tester): slow, but needs no external binary."""
        from noosphere.chain.embedded import embedded_web3

        return cls(embedded_web3(), rpc_url="embedded://py-evm")

    @cached_property
    def chain_id(self) -> int:
        """The chain id, asked once and cached."""
        try:
            return int(self.w3.eth.chain_id)
        except RpcUnreachableError:
            raise
        except Exception as exc:
            raise RpcUnreachableError(
                f"cannot read the chain id from {self.rpc_url}: {exc}",
                hint="is this a JSON-RPC endpoint of an EVM chain?",
            ) from exc

    @property
    def block_number(self) -> int:
        """The latest block number."""
        return int(self.w3.eth.block_number)

    def rpc(self, method: str, params: Sequence[Any] = ()) -> Any:
        """A raw JSON-RPC call; raises ChainError on an RPC error response."""
        response = self.w3.provider.make_request(method, list(params))  # type: ignore[arg-type]
        if "error" in response:
            error = response["error"]
            message = error.get("message", str(error)) if isinstance(error, dict) else str(error)
            raise ChainError(f"RPC {method} failed: {message}")
        return response.get("result")

    def balance(self, address: str) -> int:
        """Native balance of ``address`` in wei."""
        return int(self.w3.eth.get_balance(to_checksum_address(address)))

    def code(self, address: str) -> bytes:
        """Runtime code at ``address``."""
        return bytes(self.w3.eth.get_code(to_checksum_address(address)))

    # --- contracts -----------------------------------------------------------------------------
    def contract(self, name: str, address: str) -> Contract:
        """A web3 contract object for the shipped artifact ``name`` at ``address``."""
        return self.w3.eth.contract(
            address=to_checksum_address(address), abi=load_artifact(name).abi
        )

    def call(self, fn: ContractFunction, *, block: int | str = "latest") -> Any:
        """Call a view function; a revert becomes :class:`TransactionRevertedError`."""
        if self._raw_calls:
            response = self.w3.provider.make_request(*calls.call_request(fn, block))  # type: ignore[arg-type]
            return calls.result_of(fn, dict(response))
        try:
            return fn.call(block_identifier=block)  # type: ignore[arg-type]
        except (ContractLogicError, Web3RPCError) as exc:
            raise TransactionRevertedError(reason_from_exception(exc)) from None

    def call_many(
        self, fns: Sequence[ContractFunction], *, block: int | str = "latest"
    ) -> list[Any]:
        """Call several view functions at one block, in one JSON-RPC batch when possible.

        The block is pinned to a number first, so every result reads the same state.
        """
        if not fns:
            return []
        if not self._raw_calls:
            return [self.call(fn, block=block) for fn in fns]
        pinned = block if isinstance(block, int) or block == "pending" else self.block_number
        requests = [calls.call_request(fn, pinned) for fn in fns]
        responses = calls.batch(self.w3.provider, requests)
        return [calls.result_of(fn, r) for fn, r in zip(fns, responses, strict=True)]

    # --- transacting ---------------------------------------------------------------------------
    def signer(self, account: LocalAccount) -> FastSigner:
        """The cached fast signer of ``account``."""
        with self._signers_lock:
            signer = self._signers.get(account.address)
            if signer is None:
                signer = self._signers[account.address] = FastSigner(bytes(account.key))
            return signer

    def fees(self) -> tuple[int, int]:
        """``(max_fee_per_gas, max_priority_fee_per_gas)`` for a transaction sent now."""
        block = self.w3.eth.get_block("latest")
        base = int(block.get("baseFeePerGas", 0) or 0)
        try:
            priority = int(self.w3.eth.max_priority_fee)
        except Exception:
            priority = DEFAULT_PRIORITY_FEE
        return 2 * base + priority, priority

    def estimate_gas(self, sender: str, to: str | None, data: bytes, value: int = 0) -> int:
        """Estimated gas with a safety margin; a revert raises with the contract's reason."""
        tx: dict[str, Any] = {"from": to_checksum_address(sender), "data": HexBytes(data)}
        if to is not None:
            tx["to"] = to_checksum_address(to)
        if value:
            tx["value"] = value
        # Against the pending block: a checkpoint written in the latest block makes the next
        # transaction of the same account costlier than an estimate at `latest` says. Nodes
        # that cannot estimate at `pending` (eth-tester) are asked at `latest`.
        estimate = None
        for block in ("pending", "latest"):
            try:
                estimate = int(self.w3.eth.estimate_gas(tx, block))  # type: ignore[arg-type]
                break
            except ContractLogicError as exc:
                self._raise_send_error(exc, sender)
            except (Web3RPCError, ValueError) as exc:
                if block == "latest" or "revert" in str(exc).lower():
                    self._raise_send_error(exc, sender)
        assert estimate is not None
        return int(estimate * GAS_MARGIN) + 10_000

    def transact(
        self,
        account: LocalAccount,
        fn: ContractFunction | None = None,
        *,
        to: str | None = None,
        data: bytes = b"",
        value: int = 0,
        gas: int | None = None,
        wait: bool = True,
    ) -> Receipt:
        """Sign and send a transaction calling ``fn`` (or raw ``to``/``data``) and wait for it."""
        if fn is not None:
            to = fn.address
            data = bytes(HexBytes(fn._encode_transaction_data()))
        if gas is None:
            gas = self.estimate_gas(account.address, to, data, value)
        max_fee, priority = self.fees()
        signer = self.signer(account)
        with self.nonces.lock(account.address):
            nonce = self.nonces.take(account.address)
            signed = signer.sign(
                chain_id=self.chain_id,
                nonce=nonce,
                to=to,
                data=data,
                gas=gas,
                max_fee=max_fee,
                priority_fee=priority,
                value=value,
            )
            try:
                self.w3.eth.send_raw_transaction(signed.raw)
            except Exception as exc:
                self.nonces.resync(account.address)
                self._raise_send_error(exc, account.address)
        tx_hash = "0x" + signed.hash.hex()
        if not wait:
            return Receipt(tx_hash, -1, 0, -1, None, [], None)
        return self.wait(
            tx_hash,
            call={"from": account.address, "to": to, "data": data, "value": value, "gas": gas},
        )

    def deploy(self, account: LocalAccount, name: str, *args: Any) -> Receipt:
        """Deploy the shipped artifact ``name`` with constructor ``args``."""
        artifact = load_artifact(name)
        factory = self.w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
        data = bytes(HexBytes(factory.constructor(*args).data_in_transaction))
        return self.transact(account, to=None, data=data)

    def wait(self, tx_hash: str, *, call: dict[str, Any] | None = None) -> Receipt:
        """Wait for a receipt; a failed transaction raises with the revert reason."""
        try:
            raw = self.w3.eth.wait_for_transaction_receipt(
                HexBytes(tx_hash), timeout=self.tx_timeout, poll_latency=0.02
            )
        except TimeExhausted:
            raise TransactionTimeoutError(
                f"no receipt for {tx_hash} after {self.tx_timeout:.0f} s",
                hint="the transaction may still be mined; check it later or raise tx_timeout",
            ) from None
        receipt = _receipt(raw)
        if receipt.status != 1:
            reason = self._replay_reason(call, receipt.block_number) if call else "unknown"
            raise TransactionRevertedError(reason, tx_hash=tx_hash)
        return receipt

    def _replay_reason(self, call: dict[str, Any], block: int) -> str:
        tx = {k: v for k, v in call.items() if v is not None}
        if "data" in tx:
            tx["data"] = HexBytes(tx["data"])
        try:
            self.w3.eth.call(tx, block_identifier=max(block - 1, 0))  # type: ignore[arg-type]
        except (ContractLogicError, Web3RPCError) as exc:
            return reason_from_exception(exc)
        except Exception:
            return "reverted (reason unavailable)"
        return "reverted (out of gas?)"

    def _raise_send_error(self, exc: BaseException, sender: str) -> Any:
        if isinstance(exc, RpcUnreachableError | ChainError):
            raise exc
        text = reason_from_exception(exc)
        lowered = text.lower()
        if "insufficient funds" in lowered or "funds for gas" in lowered:
            raise InsufficientFundsError(
                f"{sender} cannot pay for this transaction: {text}",
                hint="fund the account with the chain's native coin",
            ) from None
        if isinstance(exc, ContractLogicError) or "revert" in str(exc).lower():
            raise TransactionRevertedError(text) from None
        raise ChainError(f"transaction rejected by the node: {text}") from None

    def _pending_nonce(self, address: str) -> int:
        return int(self.w3.eth.get_transaction_count(to_checksum_address(address), "pending"))

    # --- dev chains ----------------------------------------------------------------------------
    def snapshot(self) -> str:
        """Take an EVM snapshot (anvil / eth-tester); returns its id."""
        return str(self.rpc("evm_snapshot"))

    def revert_to(self, snapshot_id: str) -> None:
        """Revert to a snapshot and forget cached nonces."""
        self.rpc("evm_revert", [snapshot_id])
        self.nonces = NonceManager(self._pending_nonce)

    def mine(self, blocks: int = 1) -> None:
        """Mine ``blocks`` empty blocks (anvil)."""
        self.rpc("anvil_mine", [hex(blocks)])


def _receipt(raw: Any) -> Receipt:
    address = raw.get("contractAddress")
    return Receipt(
        tx_hash="0x" + bytes(raw["transactionHash"]).hex(),
        block_number=int(raw["blockNumber"]),
        gas_used=int(raw["gasUsed"]),
        status=int(raw["status"]),
        contract_address=to_checksum_address(address) if address else None,
        logs=list(raw.get("logs", [])),
        raw=raw,
    )


def wait_until(predicate: Any, timeout: float, interval: float = 0.05) -> bool:
    """Poll ``predicate`` until it is true or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


__all__ = ["Chain", "Receipt", "decode_revert_data", "wait_until"]
