"""Publishing a dataset: profile it, encrypt it into the store, mint its Data NFT, hand the key
to the provider — and lose nothing whichever step fails.

1. :func:`prepare_dataset` reads the file (CSV, TSV, Parquet or NPZ, bounded) and profiles it
   (:mod:`noosphere.ml.profile`), encrypts it under a fresh random key in 1 MiB AES-256-GCM
   chunks streamed into the store (constant memory), and stores the metadata document. Nothing
   touches the chain; a failure leaves at most unreferenced blocks in the local store.
2. :func:`publish_dataset` checks the terms, names the provider's hotkey (its
   ``GET /provider``) in the metadata as the key that signs the dataset's compute-to-data
   receipts (:func:`bind_provider`; left as prepared if the provider cannot be reached), saves
   the key wrapped under a key derived from the owner's coldkey in ``<wallet>/data-keys/``
   (:func:`save_dataset_key`), mints, then registers the key with the provider at the endpoint
   (:func:`register_key_with_provider`). If the provider cannot be reached the dataset stays
   minted, the key stays saved, and :func:`register_saved_key` (``noos data register-key``)
   retries.

The saved key (:mod:`noosphere.data.dataset_keys`) is a backup the owner keeps after
registration too: a provider that loses its database loses nothing the owner cannot hand it
again.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from noosphere.data.dataset_keys import (
    KEYS_DIR,
    SavedKey,
    key_path,
    load_dataset_key,
    save_dataset_key,
)
from noosphere.data.metadata import (
    EnvelopeInfo,
    Metadata,
    ProviderBinding,
    build_metadata,
    load_metadata,
)
from noosphere.errors import (
    DataMarketError,
    InputError,
    InsufficientFundsError,
    KeyNotRegisteredError,
    NoosphereError,
    TransactionRevertedError,
)

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

    from noosphere.chain.data import DataMarket
    from noosphere.ml.profile import QualityReport
    from noosphere.storage import Store


Registrar = Callable[[str, "LocalAccount", int, str, bytes], Any]
Identifier = Callable[[str, "LocalAccount"], str]
IDENTIFY_TIMEOUT = 30.0


@dataclass(frozen=True)
class Prepared:
    """A dataset encrypted into the store with its metadata stored, ready to mint."""

    content_cid: str
    metadata_cid: str
    key: bytes = field(repr=False)
    report: QualityReport = field(repr=False)
    metadata: Metadata = field(repr=False)
    store: Store | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class Publication:
    """A minted dataset; ``error`` says why its key is not registered yet (None: it is);
    ``signer`` is the provider signing address its metadata names (None: none, so only the
    owner's or manager's receipts verify)."""

    data_id: int
    prepared: Prepared
    key_file: Path
    error: NoosphereError | None = None
    signer: str | None = None

    @property
    def registered(self) -> bool:
        """True when the provider holds the key."""
        return self.error is None


# --- 1. preparing --------------------------------------------------------------------------------
def prepare_dataset(
    path: str | Path,
    *,
    title: str,
    store: Store,
    description: str = "",
    licence: str = "",
    tags: Iterable[str] = (),
    label: str | None = "auto",
    max_bytes: int | None = None,
    max_rows: int | None = None,
    chunk_size: int | None = None,
    provider: ProviderBinding | None = None,
) -> Prepared:
    """Read, profile, encrypt and store a dataset file and its metadata (nothing on chain);
    ``provider`` names the provider node's signing key in the metadata."""
    from noosphere.ml.profile import profile
    from noosphere.ml.table import DEFAULT_MAX_BYTES, DEFAULT_MAX_ROWS, FORMATS, read_table
    from noosphere.storage.envelope import (
        DEFAULT_CHUNK_SIZE,
        HEADER_SIZE,
        TAG_SIZE,
        encrypting_reader,
        generate_key,
    )

    path = Path(path).expanduser()
    before = _identity(path)
    table = read_table(
        path,
        label=label,
        max_bytes=DEFAULT_MAX_BYTES if max_bytes is None else max_bytes,
        max_rows=DEFAULT_MAX_ROWS if max_rows is None else max_rows,
    )
    report = profile(table)
    size = before[0]
    chunk = DEFAULT_CHUNK_SIZE if chunk_size is None else chunk_size
    chunks = max(1, -(-size // chunk))
    metadata = build_metadata(
        title=title,
        description=description,
        licence=licence,
        tags=list(tags),
        format=FORMATS[path.suffix.lower()],
        size=size,
        envelope=EnvelopeInfo(chunk, HEADER_SIZE + size + TAG_SIZE * chunks),
        profile=report.to_dict(),
        provider=provider,
    )
    document = metadata.to_json()  # checked (and bounded) before the long encryption
    key = generate_key()
    with path.open("rb") as fh:
        reader = encrypting_reader(fh, key, size=size, chunk_size=chunk)
        content = store.put_stream(reader, name=f"{path.name} (encrypted)")
    if _identity(path) != before:
        raise InputError(
            f"{path} changed while it was being published",
            hint="publish a file that nothing else is writing; nothing was minted",
        )
    metadata_cid = store.put_bytes(document, name=f"{path.name} (metadata)")
    return Prepared(str(content), str(metadata_cid), key, report, metadata, store)


def bind_provider(prepared: Prepared, provider: ProviderBinding) -> Prepared:
    """``prepared`` with its metadata naming ``provider``, stored again (a new metadata CID)."""
    if prepared.store is None:
        raise InputError("this prepared dataset has no store to write its new metadata to",
                         hint="prepare it with prepare_dataset(store=…)")  # fmt: skip
    metadata = load_metadata(replace(prepared.metadata, provider=provider).to_json())
    cid = prepared.store.put_bytes(metadata.to_json(), name="metadata (provider bound)")
    return replace(prepared, metadata_cid=str(cid), metadata=metadata)


def identify_provider(endpoint: str, account: LocalAccount) -> str:
    """The hotkey address of the provider node at ``endpoint`` (its ``GET /provider``, whose
    public key must belong to that hotkey): the key that signs its receipts."""
    with _provider_client()(endpoint, account, timeout=IDENTIFY_TIMEOUT) as client:
        return client.info.hotkey


def _provider_client() -> Any:
    """The :class:`~noosphere.data.provider_client.ProviderClient` class, if installed."""
    try:
        from noosphere.data.provider_client import ProviderClient
    except ModuleNotFoundError as exc:
        if exc.name != "noosphere.data.provider_client":
            raise
        raise DataMarketError("this installation has no data-provider client") from None
    return ProviderClient


def _identity(path: Path) -> tuple[int, int, int, int]:
    """Size, modification time, inode and device: what changes when a file is rewritten."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError(f"no such file: {path}") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not path.is_file():
        raise InputError(f"{path} is not a regular file")
    return info.st_size, info.st_mtime_ns, info.st_ino, info.st_dev


# --- 2. minting and registering ------------------------------------------------------------------
def register_key_with_provider(
    endpoint: str, owner_account: LocalAccount, data_id: int, content_cid: str, key: bytes
) -> None:
    """Hand the dataset key to the provider node at ``endpoint``, signed by the owner."""
    with _provider_client()(endpoint, owner_account) as client:
        client.register_key(data_id, key)


def publish_dataset(
    market: DataMarket,
    owner: LocalAccount,
    prepared: Prepared,
    *,
    keys_dir: Path,
    endpoint: str,
    price: int,
    payment_token: str | None = None,
    validity: int,
    uses: str | Iterable[str],
    recipes: Iterable[str | bytes] = (),
    register: Registrar = register_key_with_provider,
    identify: Identifier | None = identify_provider,
) -> Publication:
    """Name the provider's signing key in the metadata, save the key, mint the Data NFT,
    register the key with the provider.

    Raises before anything is minted when a term is invalid or the transaction is refused (the
    saved key is then removed). The provider is identified with ``identify`` (None: not asked;
    the metadata stays as prepared); if it cannot be, the metadata stays as prepared. A failure
    to register the key after minting is returned in :attr:`Publication.error`, the key staying
    saved for :func:`register_saved_key`.
    """
    from noosphere.chain.data import (
        check_endpoint,
        check_price,
        check_recipes,
        check_validity,
        uses_flags,
    )

    endpoint = check_endpoint(endpoint)
    check_price(price)
    check_validity(validity)
    uses_flags(uses)
    hashes = check_recipes(recipes)
    if payment_token is not None:
        market.check_payment_token(payment_token)
    if identify is not None:
        prepared = _bound(identify, endpoint, owner, prepared)
    chain_id = market.chain.chain_id
    key_file = save_dataset_key(keys_dir, owner, chain_id, prepared.content_cid, prepared.key,
                                endpoint=endpoint)  # fmt: skip
    try:
        data_id = market.publish(
            owner, prepared.metadata_cid, prepared.content_cid, endpoint, price,
            payment_token=payment_token, validity=validity, uses=uses, recipes=hashes,
        )  # fmt: skip
    except (InputError, TransactionRevertedError, DataMarketError, InsufficientFundsError):
        os.unlink(key_file)  # refused: nothing was minted, the key protects nothing
        raise
    save_dataset_key(keys_dir, owner, chain_id, prepared.content_cid, prepared.key,
                     endpoint=endpoint, data_id=data_id)  # fmt: skip
    error = _register(register, endpoint, owner, data_id, prepared.content_cid, prepared.key)
    if error is None:
        save_dataset_key(keys_dir, owner, chain_id, prepared.content_cid, prepared.key,
                         endpoint=endpoint, data_id=data_id, registered=True)  # fmt: skip
    return Publication(data_id, prepared, key_file, error, prepared.metadata.provider_signer)


def _bound(identify: Identifier, endpoint: str, owner: LocalAccount,
           prepared: Prepared) -> Prepared:  # fmt: skip
    """``prepared`` naming the provider at ``endpoint`` (as it was if that cannot be learned:
    publishing never waits for the provider, registering the key reports it unreachable)."""
    from noosphere.chain.token import checked_address

    try:
        signer = checked_address(identify(endpoint, owner), "provider hotkey")
    except Exception:  # unreachable or not a provider: the registration step says why
        return prepared
    binding = ProviderBinding(endpoint, signer)
    if prepared.metadata.provider == binding:
        return prepared
    return bind_provider(prepared, binding)


def register_saved_key(
    market: DataMarket,
    owner: LocalAccount,
    data_id: int,
    *,
    keys_dir: Path,
    endpoint: str | None = None,
    register: Registrar = register_key_with_provider,
) -> SavedKey:
    """Register the saved key of ``data_id`` with its provider (default: the endpoint on chain).

    Raises :class:`KeyNotRegisteredError` if the provider still refuses or cannot be reached.
    """
    dataset = market.dataset(data_id)
    saved = load_dataset_key(keys_dir, owner, market.chain.chain_id, dataset.content_cid)
    url = endpoint or dataset.endpoint
    error = _register(register, url, owner, data_id, dataset.content_cid, saved.key)
    if error is not None:
        raise KeyNotRegisteredError(
            f"the key of dataset {data_id} was not registered with {url}: {error}",
            hint=f"it stays saved in {saved.path}; retry with `noos data register-key {data_id}`",
        )
    save_dataset_key(keys_dir, owner, saved.chain_id, saved.content_cid, saved.key,
                     endpoint=url, data_id=data_id, registered=True)  # fmt: skip
    return SavedKey(**{**saved.__dict__, "registered": True, "data_id": data_id, "endpoint": url})


def _register(
    register: Registrar, endpoint: str, owner: LocalAccount, data_id: int, cid: str, key: bytes
) -> NoosphereError | None:
    try:
        register(endpoint, owner, data_id, cid, key)
    except NoosphereError as error:
        return error
    except Exception as exc:  # a network error of any kind: the key is safe, report it
        return DataMarketError(f"{type(exc).__name__}: {exc}")
    return None


__all__ = [
    "KEYS_DIR",
    "Prepared",
    "Publication",
    "SavedKey",
    "bind_provider",
    "identify_provider",
    "key_path",
    "load_dataset_key",
    "prepare_dataset",
    "publish_dataset",
    "register_key_with_provider",
    "register_saved_key",
    "save_dataset_key",
]
