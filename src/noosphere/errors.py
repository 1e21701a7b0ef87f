"""The one exception tree of Noosphere.

Every error a user can cause or meet is a :class:`NoosphereError` subclass whose message says
what was wrong and, where there is one, what to do about it. The CLI prints ``str(error)`` and
exits non-zero; a traceback is shown only with ``NOOS_DEBUG=1``.
"""

from __future__ import annotations


class NoosphereError(Exception):
    """Root of every error Noosphere raises on purpose.

    ``message`` says what went wrong; ``hint`` (optional) says what to do next.
    """

    exit_code: int = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message if hint is None else f"{message} ({hint})")

    @property
    def user_message(self) -> str:
        """One line for the user: the message and the hint."""
        return str(self)


class ConfigError(NoosphereError):
    """A configuration value is missing, malformed or contradictory."""


class InputError(NoosphereError):
    """An argument given by the user is malformed (bad address, amount, file...)."""


# --- wallets -----------------------------------------------------------------------------------
class WalletError(NoosphereError):
    """A wallet or keystore problem."""


class WalletNotFoundError(WalletError):
    """The named wallet or hotkey does not exist."""


class WalletExistsError(WalletError):
    """A wallet or hotkey of that name already exists."""


class WrongPasswordError(WalletError):
    """The password does not decrypt the keystore."""


class KeystoreCorruptError(WalletError):
    """The keystore file is unreadable, truncated or not a Web3 Secret Storage v3 file."""


# --- chain -------------------------------------------------------------------------------------
class ChainError(NoosphereError):
    """A problem talking to or transacting on an EVM chain."""


class RpcUnreachableError(ChainError):
    """The JSON-RPC endpoint does not answer."""


class TransientRpcError(ChainError):
    """An RPC call failed in a way that may succeed when retried."""


class ChainMismatchError(ChainError):
    """The connected chain is not the one a manifest or key expects."""


class TransactionRevertedError(ChainError):
    """A transaction or call reverted; ``reason`` is the contract's revert string."""

    def __init__(self, reason: str, *, tx_hash: str | None = None, hint: str | None = None):
        self.reason = reason
        self.tx_hash = tx_hash
        where = f" (tx {tx_hash})" if tx_hash else ""
        super().__init__(f"transaction reverted: {reason}{where}", hint=hint)


class InsufficientFundsError(ChainError):
    """The sender cannot pay for value plus gas."""


class TransactionTimeoutError(ChainError):
    """A transaction was sent but no receipt arrived in time."""


class ManifestError(ChainError):
    """The deployment manifest is missing, malformed or does not match the chain."""


class ModelCommitmentError(ChainError):
    """A model commitment is refused: the hotkey is not registered, or it committed too recently."""


class DevnetError(NoosphereError):
    """The local devnet (anvil) cannot be started, stopped or found."""


# --- content store -----------------------------------------------------------------------------
class StoreError(NoosphereError):
    """A content-store problem."""


class InvalidCidError(StoreError):
    """A string is not a valid CID, or uses an unsupported codec or hash."""


class BlockNotFoundError(StoreError):
    """No block with this CID is in the store or on any gateway."""


class IntegrityError(StoreError):
    """Content does not hash to the CID it was fetched or stored under (tampered or corrupt)."""


# --- encryption envelopes ----------------------------------------------------------------------
class EnvelopeError(NoosphereError):
    """An encrypted envelope or wrapped key is malformed, altered, truncated or too large."""


class WrongKeyError(EnvelopeError):
    """The key does not open this envelope or wrapped key: it was sealed under another key."""


class EnvelopeTamperedError(EnvelopeError):
    """A chunk or wrapped key failed authentication: altered, reordered, spliced or dropped."""


class EnvelopeTruncatedError(EnvelopeTamperedError):
    """The envelope ends before its final chunk (a cut upload or download)."""


class EnvelopeTooLargeError(EnvelopeError):
    """An envelope declares more plaintext than the caller allows."""


# --- consensus ---------------------------------------------------------------------------------
class ConsensusError(NoosphereError):
    """Inputs to a consensus computation are inconsistent."""


# --- data market -------------------------------------------------------------------------------
class DataMarketError(NoosphereError):
    """A data-market action is refused: unknown dataset, not available, no licence, price..."""


class DataNotFoundError(DataMarketError):
    """No dataset (Data NFT) has this id."""


class DataNotAvailableError(DataMarketError):
    """The dataset is delisted (``reason_cid`` names why) or deprecated: no sale, no order."""

    def __init__(
        self,
        message: str,
        *,
        data_id: int = 0,
        status: str = "",
        reason_cid: str = "",
        hint: str | None = None,
    ) -> None:
        self.data_id = data_id
        self.status = status
        self.reason_cid = reason_cid
        super().__init__(message, hint=hint)


class NoLicenceError(DataMarketError):
    """An order needs a licence of the dataset and the account holds none."""


class PriceAboveMaxError(DataMarketError):
    """The dataset's price is above the most the buyer accepts (``max_price``)."""


class NotDataOwnerError(DataMarketError):
    """Only the dataset's owner or manager (or the market admin) may do this."""


class MetadataError(InputError):
    """A Data NFT metadata document is malformed, too large or of an unknown schema."""


class KeyNotRegisteredError(DataMarketError):
    """A dataset was minted but its key could not be handed to the provider; it was saved."""


# --- data market: provider nodes and compute-to-data receipts ----------------------------------
class ProviderError(DataMarketError):
    """A data provider refused a request or failed; ``status`` is its HTTP status (0: no answer)
    and ``error`` the provider's own message."""

    def __init__(
        self, message: str, *, status: int = 0, error: str = "", hint: str | None = None
    ) -> None:
        self.status = status
        self.error = error
        super().__init__(message, hint=hint)


class DownloadIncompleteError(ProviderError):
    """A download was cut short or does not match the size and hash the provider announced;
    nothing was kept."""


class ReceiptError(DataMarketError):
    """A compute-to-data receipt is malformed, forged, altered, or not by the expected provider."""


# --- model market ------------------------------------------------------------------------------
class ModelMarketError(NoosphereError):
    """A model-market action is refused: unknown or delisted model, kind not for sale, price..."""


class ModelNotFoundError(ModelMarketError):
    """No model (Model NFT) has this id."""


class ModelDelistedError(ModelMarketError):
    """The model is delisted: its licences cannot be bought and it cannot be a parent."""


class NotModelOwnerError(ModelMarketError):
    """Only the model's owner or manager (or the model market's admin) may do this."""


class LicenceNotForSaleError(ModelMarketError):
    """This licence kind of the model is not for sale (its price is zero)."""


class ModelPriceAboveMaxError(ModelMarketError):
    """The licence's price is above the most the buyer accepts (``max_price``)."""


class ProvenanceError(ModelMarketError):
    """A parent or dataset of a provenance is refused (unknown, delisted, not licensed...)."""


class SplitError(InputError):
    """A revenue split is malformed: shares not summing to 10,000, a zero address or share..."""


class NothingToWithdrawError(ModelMarketError):
    """The account has no credit to withdraw in this token (already withdrawn?)."""


class ModelMetadataError(MetadataError):
    """A model metadata document (``noosphere.model/1``) is malformed; the message names the
    field."""


# --- audits --------------------------------------------------------------------------------------
class AuditFailedError(NoosphereError):
    """An audit ran and what the chain records does not check out; the message names each link."""


# --- DAO (governor and timelock) ---------------------------------------------------------------
class DaoError(NoosphereError):
    """A governance action is refused: unknown proposal, wrong state, below threshold..."""


class ProposalActionError(InputError):
    """A proposal action (``CONTRACT.function(args)``) names an unknown contract or function,
    or has arguments of the wrong number or type; the message names the action and argument."""


class ProposalNotFoundError(DaoError):
    """No proposal has this id (or the id prefix matches none or several)."""


class ProposalStateError(DaoError):
    """The proposal is not in a state that allows this (voting not open, defeated, not ready...)."""


class BelowProposalThresholdError(DaoError):
    """The proposer's votes are below the governor's proposal threshold."""


class AlreadyVotedError(DaoError):
    """The voter already cast a ballot on this proposal."""


class InvalidBallotSignatureError(DaoError):
    """A ballot signature is malformed, by another key, or already used (replayed)."""


# --- the emergency guardian (epochs pause) -------------------------------------------------------
class SubnetPausedError(TransactionRevertedError):
    """A subnet's claims are paused by the guardian or the DAO; they resume when the pause ends."""


class GuardianError(ChainError):
    """A pause, unpause or void the caller may not make (role, bounds, the guardian's cooldown)."""
