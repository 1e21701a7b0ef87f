"""Encryption envelopes: a file sealed with AES-256-GCM in chunks, streamed in constant memory.

A data provider encrypts a dataset under a fresh random key (:func:`generate_key`), stores the
envelope in the content store (``store.put_stream(encrypting_reader(src, key))``) and keeps the
key wrapped under its own master key (:func:`wrap_key`). Format version 1, all integers
big-endian (``docs/envelope-format.md`` has the same with a test vector)::

    header, 86 bytes
       0   8  magic           b"NOOS-ENV"
       8   1  version         1
       9   1  suite           1 = AES-256-GCM, HKDF-SHA256, STREAM nonces
      10   4  chunk_size      plaintext bytes per chunk, 4 KiB .. 16 MiB (default 1 MiB)
      14   8  plaintext_size  total plaintext bytes
      22  32  salt            random, fresh for every envelope
      54  32  commitment      key commitment (below)
    then n = max(1, ceil(plaintext_size / chunk_size)) chunks, chunk i (from 0) being
      AES-256-GCM(subkey, nonce_i, plaintext_i, associated data = the 86 header bytes)
      = ciphertext_i || 16-byte tag; every chunk holds chunk_size plaintext bytes but the
      last, which holds the rest (0 bytes for an empty file). Nothing follows the last chunk.

    subkey (32) || nonce_prefix (7) || commitment (32)
        = HKDF-SHA256(ikm=key, salt=salt, info=b"noosphere.envelope/v1" || suite, length=71)
    nonce_i = nonce_prefix || i (4 bytes) || 0x01 if i is the last chunk else 0x00

This is the STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár 2015) with a per-envelope
subkey, as in Tink's streaming AEAD. The counter in the nonce makes reordered or dropped chunks
fail; the header as associated data pins the sizes and makes chunks of any other envelope fail
(another salt gives another subkey); the final flag marks the end, so a stream cut at a chunk
boundary cannot pass for a shorter file (the authenticated ``plaintext_size`` already says how
many chunks to expect: the flag is the construction's own guard, kept as defence in depth).
The commitment lets a wrong key be named as such before any chunk is read (GCM alone cannot
tell a wrong key from a tampered chunk) and makes the envelope key-committing: no ciphertext
opens under two keys.

Release of plaintext: a chunk is returned only after its tag verifies, so no unauthenticated
byte ever leaves this module. A truncated or altered envelope is detected at the chunk where it
is cut or changed, after the chunks before it were returned: a caller streaming plaintext to a
client (:func:`iter_decrypt`) must treat an error mid-stream as an abort (close the connection,
discard what was sent). :func:`decrypt_file` writes to a temporary file and renames it into place
only when the whole envelope has verified.
"""

from __future__ import annotations

import hmac
import io
import os
import stat
import struct
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from noosphere.errors import (
    EnvelopeError,
    EnvelopeTamperedError,
    EnvelopeTooLargeError,
    EnvelopeTruncatedError,
    InputError,
    WrongKeyError,
)
from noosphere.storage.streams import PiecesReader

MAGIC = b"NOOS-ENV"
VERSION = 1
SUITE = 1
KEY_SIZE = 32
TAG_SIZE = 16
SALT_SIZE = 32
DEFAULT_CHUNK_SIZE = 1 << 20
MIN_CHUNK_SIZE = 1 << 12
MAX_CHUNK_SIZE = 1 << 24
MAX_CHUNKS = 1 << 32
WRAPPED_KEY_SIZE = 69

_HEADER = struct.Struct(">8sBBIQ32s32s")
HEADER_SIZE = _HEADER.size  # 86
_INFO = b"noosphere.envelope/v1" + bytes([SUITE])
_PREFIX_SIZE = 7
_WRAP_VERSION = 1
_WRAP_INFO = b"noosphere.keywrap/v1"


@dataclass(frozen=True, slots=True)
class EnvelopeHeader:
    """The public header of an envelope: what anyone can learn without the key.

    There is no plaintext hash in it, nor anywhere: the envelope is key-committing, so its CID
    and the key pin the plaintext.
    """

    chunk_size: int
    plaintext_size: int
    salt: bytes = field(repr=False)
    commitment: bytes = field(repr=False)
    version: int = VERSION

    @property
    def chunks(self) -> int:
        """Number of chunks (at least one: an empty file has one empty chunk)."""
        return max(1, -(-self.plaintext_size // self.chunk_size))

    @property
    def ciphertext_size(self) -> int:
        """Size of the whole envelope in bytes."""
        return HEADER_SIZE + self.plaintext_size + TAG_SIZE * self.chunks

    def chunk_length(self, index: int) -> int:
        """Plaintext bytes in chunk ``index`` (from 0)."""
        last = self.chunks - 1
        return self.chunk_size if index < last else self.plaintext_size - last * self.chunk_size

    def to_bytes(self) -> bytes:
        """The 86 header bytes."""
        return _HEADER.pack(
            MAGIC,
            self.version,
            SUITE,
            self.chunk_size,
            self.plaintext_size,
            self.salt,
            self.commitment,
        )


def generate_key() -> bytes:
    """A fresh random 32-byte key for one dataset."""
    return os.urandom(KEY_SIZE)


# --- encryption --------------------------------------------------------------------------------
def iter_encrypt(
    src: Any,
    key: bytes,
    *,
    size: int | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> Iterator[bytes]:
    """The envelope of ``src`` piece by piece: the header, then each sealed chunk.

    ``size`` is how many bytes ``src`` holds from its current position; when omitted it is
    taken from the file (or by seeking). The arguments are checked at once; reading starts with
    the first piece. The input must hold exactly ``size`` bytes (:class:`InputError` otherwise).
    """
    header, aead, prefix = _start(src, key, size, chunk_size)
    return _sealed(src, header, aead, prefix)


def encrypt_stream(
    src: Any,
    dst: Any,
    key: bytes,
    *,
    size: int | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> EnvelopeHeader:
    """Encrypt ``src`` into ``dst`` (anything with ``write``); see :func:`iter_encrypt`.

    Returns the header written (sizes, chunk count).
    """
    header, aead, prefix = _start(src, key, size, chunk_size)
    for piece in _sealed(src, header, aead, prefix):
        dst.write(piece)
        del piece  # freed before the next chunk is sealed, so its memory is reused
    return header


def encrypting_reader(
    src: Any,
    key: bytes,
    *,
    size: int | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> io.BufferedReader:
    """A readable stream of the envelope of ``src``, e.g. for ``Store.put_stream``."""
    return io.BufferedReader(PiecesReader(iter_encrypt(src, key, size=size, chunk_size=chunk_size)))


def encrypt_file(
    src: str | Path, dst: str | Path, key: bytes, *, chunk_size: int = DEFAULT_CHUNK_SIZE
) -> EnvelopeHeader:
    """Encrypt the file ``src`` into ``dst``, written atomically (no partial file on failure)."""
    with _open_input(Path(src)) as fh, _atomic_output(Path(dst)) as out:
        return encrypt_stream(fh, out, key, chunk_size=chunk_size)


def _start(
    src: Any, key: bytes, size: int | None, chunk_size: int
) -> tuple[EnvelopeHeader, AESGCM, bytes]:
    key = _check_key(key, "envelope key")
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int):
        raise InputError(f"chunk_size must be an integer, not {chunk_size!r}")
    if not MIN_CHUNK_SIZE <= chunk_size <= MAX_CHUNK_SIZE:
        raise InputError(
            f"chunk_size must be in [{MIN_CHUNK_SIZE}, {MAX_CHUNK_SIZE}] bytes, not {chunk_size}"
        )
    if size is None:
        size = _remaining_size(src)
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise InputError(f"size must be a non-negative integer, not {size!r}")
    if -(-size // chunk_size) > MAX_CHUNKS:
        raise InputError(f"{size} bytes is too large for chunks of {chunk_size} bytes")
    salt = _new_salt()
    aead, prefix, commitment = _derive(key, salt)
    return EnvelopeHeader(chunk_size, size, salt, commitment), aead, prefix


def _sealed(src: Any, header: EnvelopeHeader, aead: AESGCM, prefix: bytes) -> Iterator[bytes]:
    associated = header.to_bytes()
    yield associated
    last = header.chunks - 1
    buffer = memoryview(bytearray(header.chunk_length(0)))  # reused: no allocation per read
    done = 0
    for index in range(last + 1):
        want = header.chunk_length(index)
        got = _fill(src, buffer[:want], "the input")
        done += got
        if got < want:
            raise InputError(
                f"the input ended after {done} bytes; {header.plaintext_size} were expected",
                hint="was the file changed while it was being encrypted?",
            )
        yield aead.encrypt(_nonce(prefix, index, index == last), buffer[:want], associated)
    if _fill(src, memoryview(bytearray(1)), "the input"):
        raise InputError(
            f"the input holds more than the {header.plaintext_size} bytes expected",
            hint="was the file changed while it was being encrypted?",
        )


def _new_salt() -> bytes:
    """A fresh salt (the seam a format test replaces to get fixed output)."""
    return os.urandom(SALT_SIZE)


# --- decryption --------------------------------------------------------------------------------
def read_header(src: Any) -> EnvelopeHeader:
    """Read and check the header of an envelope (no key needed); the stream is left after it."""
    buffer = bytearray(HEADER_SIZE)
    got = _fill(src, memoryview(buffer), "the envelope")
    return parse_header(bytes(buffer[:got]))


def parse_header(data: bytes) -> EnvelopeHeader:
    """Check and decode the first :data:`HEADER_SIZE` bytes of an envelope."""
    data = bytes(data[:HEADER_SIZE])
    if not data:
        raise EnvelopeError("the envelope is empty: not a Noosphere envelope")
    if data[: len(MAGIC)] != MAGIC[: len(data)]:
        raise EnvelopeError(f"not a Noosphere envelope: it starts with {data[:8]!r}, not {MAGIC!r}")
    if len(data) < HEADER_SIZE:
        raise EnvelopeTruncatedError(
            f"envelope truncated in its header ({len(data)} of {HEADER_SIZE} bytes)"
        )
    _, version, suite, chunk_size, size, salt, commitment = _HEADER.unpack(data)
    if version != VERSION:
        raise EnvelopeError(
            f"envelope format version {version} is not supported (this reads version {VERSION})",
            hint="upgrade Noosphere" if version > VERSION else None,
        )
    if suite != SUITE:
        raise EnvelopeError(f"envelope cipher suite {suite} is unknown (expected {SUITE})")
    if not MIN_CHUNK_SIZE <= chunk_size <= MAX_CHUNK_SIZE:
        raise EnvelopeError(
            f"corrupt envelope header: chunk size {chunk_size} is outside "
            f"[{MIN_CHUNK_SIZE}, {MAX_CHUNK_SIZE}]"
        )
    header = EnvelopeHeader(chunk_size, size, salt, commitment, version)
    if header.chunks > MAX_CHUNKS:
        raise EnvelopeError(
            f"corrupt envelope header: {size} bytes of plaintext in chunks of {chunk_size} "
            f"exceed the format's {MAX_CHUNKS} chunks"
        )
    return header


def iter_decrypt(src: Any, key: bytes, *, max_plaintext: int | None = None) -> Iterator[bytes]:
    """The plaintext of the envelope ``src``, chunk by chunk, each verified before it is given.

    The header, the size limit ``max_plaintext`` and the key are checked at once (so a server
    can refuse before it starts a response); the chunks are read as the iterator is consumed.
    Raises :class:`WrongKeyError`, :class:`EnvelopeTooLargeError`, :class:`EnvelopeError` for a
    malformed header, and, while iterating, :class:`EnvelopeTruncatedError` or
    :class:`EnvelopeTamperedError`: treat those as an abort of whatever was streamed so far.
    """
    key = _check_key(key, "envelope key")
    header = read_header(src)
    if max_plaintext is not None and header.plaintext_size > max_plaintext:
        raise EnvelopeTooLargeError(
            f"the envelope declares {header.plaintext_size:_} bytes of plaintext, more than the "
            f"{max_plaintext:_} allowed"
        )
    aead, prefix, commitment = _derive(key, header.salt)
    if not hmac.compare_digest(commitment, header.commitment):
        raise WrongKeyError(
            "wrong key for this envelope: the key does not match the envelope's key commitment",
            hint="use the key the dataset was encrypted with (or the envelope header was altered)",
        )
    return _opened(src, header, aead, prefix)


def decrypt_stream(src: Any, dst: Any, key: bytes, *, max_plaintext: int | None = None) -> int:
    """Decrypt the envelope ``src`` into ``dst``; return the plaintext size (see
    :func:`iter_decrypt`; on an error ``dst`` holds the verified chunks before it)."""
    total = 0
    for piece in iter_decrypt(src, key, max_plaintext=max_plaintext):
        dst.write(piece)
        total += len(piece)
        del piece  # freed before the next chunk is opened, so its memory is reused
    return total


def decrypt_file(
    src: str | Path, dst: str | Path, key: bytes, *, max_plaintext: int | None = None
) -> int:
    """Decrypt the envelope file ``src`` into ``dst``, atomically: ``dst`` appears only once
    the whole envelope has verified. Returns the plaintext size."""
    with _open_input(Path(src)) as fh, _atomic_output(Path(dst)) as out:
        return decrypt_stream(fh, out, key, max_plaintext=max_plaintext)


def _opened(src: Any, header: EnvelopeHeader, aead: AESGCM, prefix: bytes) -> Iterator[bytes]:
    associated = header.to_bytes()
    count = header.chunks
    buffer = memoryview(bytearray(header.chunk_length(0) + TAG_SIZE))
    for index in range(count):
        want = header.chunk_length(index) + TAG_SIZE
        got = _fill(src, buffer[:want], "the envelope")
        if got < want:
            raise EnvelopeTruncatedError(
                f"envelope truncated in chunk {index + 1} of {count} ({got} of {want} bytes): "
                "the upload or download was cut short"
            )
        try:
            sealed = buffer[:want]
            plain = aead.decrypt(_nonce(prefix, index, index == count - 1), sealed, associated)
        except InvalidTag:
            raise EnvelopeTamperedError(
                f"chunk {index + 1} of {count} failed authentication: the envelope was altered "
                "(this chunk or the header), or its chunks were reordered, dropped or taken "
                "from another envelope"
            ) from None
        yield plain
    if _fill(src, memoryview(bytearray(1)), "the envelope"):
        raise EnvelopeTamperedError(
            f"unexpected bytes after the final chunk (the envelope is {header.ciphertext_size} "
            "bytes): something was appended to it"
        )


# --- key wrapping ------------------------------------------------------------------------------
def wrap_key(master_key: bytes, data_key: bytes, context: bytes) -> bytes:
    """Seal a dataset key under a node's master key, bound to ``context`` (e.g. the dataset id).

    The result (:data:`WRAPPED_KEY_SIZE` bytes) is ``version (1) || key id (8) || nonce (12) ||
    AES-256-GCM(kek, nonce, data_key, ad=b"noosphere.keywrap/v1" || 0x00 || context)``, where
    ``kek || key id = HKDF-SHA256(master_key, info=b"noosphere.keywrap/v1", length=40)``.
    """
    kek, key_id = _wrapping_key(master_key)
    data_key = _check_key(data_key, "data key")
    nonce = os.urandom(12)
    sealed = kek.encrypt(nonce, data_key, _wrap_ad(context))
    return bytes([_WRAP_VERSION]) + key_id + nonce + sealed


def unwrap_key(master_key: bytes, wrapped: bytes, context: bytes) -> bytes:
    """The dataset key sealed by :func:`wrap_key`; the same ``context`` must be given."""
    kek, key_id = _wrapping_key(master_key)
    wrapped = bytes(wrapped)
    if len(wrapped) != WRAPPED_KEY_SIZE or wrapped[0] != _WRAP_VERSION:
        raise EnvelopeError(
            f"not a wrapped key: expected {WRAPPED_KEY_SIZE} bytes of version {_WRAP_VERSION}, "
            f"got {len(wrapped)} bytes" + (f" of version {wrapped[0]}" if wrapped else "")
        )
    if not hmac.compare_digest(wrapped[1:9], key_id):
        raise WrongKeyError(
            f"wrong master key: this dataset key was wrapped under key {wrapped[1:9].hex()}, "
            f"not {key_id.hex()}"
        )
    try:
        return kek.decrypt(wrapped[9:21], wrapped[21:], _wrap_ad(context))
    except InvalidTag:
        raise EnvelopeTamperedError(
            "the wrapped dataset key failed authentication: it was altered, or the context "
            "differs from the one it was wrapped with"
        ) from None


def _wrapping_key(master_key: bytes) -> tuple[AESGCM, bytes]:
    master_key = _check_key(master_key, "master key")
    okm = HKDF(algorithm=hashes.SHA256(), length=40, salt=None, info=_WRAP_INFO).derive(master_key)
    return AESGCM(okm[:32]), okm[32:]


def _wrap_ad(context: bytes) -> bytes:
    if not isinstance(context, bytes | bytearray | memoryview):
        raise InputError(f"the key-wrap context must be bytes, not {type(context).__name__}")
    return _WRAP_INFO + b"\x00" + bytes(context)


# --- helpers -----------------------------------------------------------------------------------
def _check_key(key: Any, what: str) -> bytes:
    if not isinstance(key, bytes | bytearray | memoryview):
        raise InputError(f"the {what} must be bytes, not {type(key).__name__}")
    key = bytes(key)
    if len(key) != KEY_SIZE:
        raise InputError(f"the {what} must be {KEY_SIZE} bytes, not {len(key)}")
    return key


def _derive(key: bytes, salt: bytes) -> tuple[AESGCM, bytes, bytes]:
    okm = HKDF(algorithm=hashes.SHA256(), length=71, salt=salt, info=_INFO).derive(key)
    return AESGCM(okm[:32]), okm[32 : 32 + _PREFIX_SIZE], okm[32 + _PREFIX_SIZE :]


def _nonce(prefix: bytes, index: int, final: bool) -> bytes:
    return prefix + index.to_bytes(4, "big") + (b"\x01" if final else b"\x00")


def _fill(src: Any, view: memoryview, what: str) -> int:
    """Fill ``view`` from ``src`` as far as the stream goes; the number of bytes read."""
    readinto = getattr(src, "readinto", None)
    total, size = 0, len(view)
    while total < size:
        try:
            if readinto is not None:
                got = readinto(view[total:])
            else:
                piece = src.read(size - total)
                got = None if piece is None else len(piece)
                if got:
                    view[total : total + got] = piece
        except OSError as exc:
            raise InputError(f"reading {what} failed: {exc.strerror or exc}") from None
        if got is None:
            raise InputError(f"cannot read {what} from a non-blocking stream with no data ready")
        if got == 0:
            break
        total += got
    return total


def _remaining_size(src: Any) -> int:
    """Bytes left in ``src``: from the file's size, or by seeking to its end and back."""
    try:
        info = os.fstat(src.fileno())
        if stat.S_ISREG(info.st_mode):
            return int(info.st_size - src.tell())
    except (AttributeError, OSError, ValueError):
        pass
    try:
        if src.seekable():
            here = src.tell()
            end = src.seek(0, io.SEEK_END)
            src.seek(here)
            return int(end - here)
    except (AttributeError, OSError, ValueError):
        pass
    raise InputError("cannot tell how many bytes the input holds", hint="pass size=")


@contextmanager
def _open_input(path: Path) -> Iterator[BinaryIO]:
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    with fh:
        yield fh


@contextmanager
def _atomic_output(path: Path, mode: int = 0o600) -> Iterator[BinaryIO]:
    """A file object whose content replaces ``path`` only if the block ends without error."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
