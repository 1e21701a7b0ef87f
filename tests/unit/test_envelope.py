"""Encryption envelopes: round trips, the documented format, every attack, key wrapping, memory."""

from __future__ import annotations

import functools
import hashlib
import io
import os
import struct
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from noosphere.errors import (
    EnvelopeError,
    EnvelopeTamperedError,
    EnvelopeTooLargeError,
    EnvelopeTruncatedError,
    InputError,
    NoosphereError,
    WrongKeyError,
)
from noosphere.storage import Store
from noosphere.storage import envelope as env

CHUNK = env.MIN_CHUNK_SIZE  # 4096: small chunks keep the multi-chunk cases cheap
KEY = bytes(range(32))
SALT = bytes(range(32, 64))
SIZES = [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 17]


def seal(data: bytes, key: bytes = KEY, chunk_size: int = CHUNK) -> bytes:
    out = io.BytesIO()
    env.encrypt_stream(io.BytesIO(data), out, key, chunk_size=chunk_size)
    return out.getvalue()


def unseal(blob: bytes, key: bytes = KEY, **kwargs: int) -> bytes:
    return b"".join(env.iter_decrypt(io.BytesIO(blob), key, **kwargs))


def chunks_of(blob: bytes, chunk_size: int = CHUNK) -> tuple[bytes, list[bytes]]:
    """Split an envelope into its header and its sealed chunks."""
    header, body = blob[: env.HEADER_SIZE], blob[env.HEADER_SIZE :]
    step = chunk_size + env.TAG_SIZE
    return header, [body[i : i + step] for i in range(0, len(body), step)]


@pytest.fixture
def fixed_salt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(env, "_new_salt", lambda: SALT)


# --- round trips -------------------------------------------------------------------------------
@pytest.mark.parametrize("size", SIZES)
def test_round_trip(size: int) -> None:
    data = os.urandom(size)
    blob = seal(data)
    header = env.parse_header(blob)
    assert len(blob) == header.ciphertext_size
    assert header.plaintext_size == size
    assert header.chunks == max(1, -(-size // CHUNK))
    assert unseal(blob) == data
    out = io.BytesIO()
    assert env.decrypt_stream(io.BytesIO(blob), out, KEY) == size
    assert out.getvalue() == data


def test_default_chunk_size_and_iterator_pieces() -> None:
    data = os.urandom(env.DEFAULT_CHUNK_SIZE + 5)
    pieces = list(env.iter_encrypt(io.BytesIO(data), KEY))
    assert [len(p) for p in pieces] == [86, env.DEFAULT_CHUNK_SIZE + 16, 5 + 16]
    plain = list(env.iter_decrypt(io.BytesIO(b"".join(pieces)), KEY))
    assert [len(p) for p in plain] == [env.DEFAULT_CHUNK_SIZE, 5]


def test_fresh_salt_each_time() -> None:
    assert seal(b"same") != seal(b"same")
    assert len(env.generate_key()) == 32 and env.generate_key() != env.generate_key()


def test_size_from_file_position_and_explicit(tmp_path: Path) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(b"skip" + b"x" * 5000)
    with path.open("rb") as fh:
        fh.seek(4)
        blob = b"".join(env.iter_encrypt(fh, KEY, chunk_size=CHUNK))
    assert unseal(blob) == b"x" * 5000

    class Pipe:  # no fileno, not seekable: like a socket
        def __init__(self, data: bytes) -> None:
            self._buf = io.BytesIO(data)

        def read(self, n: int) -> bytes:
            return self._buf.read(min(n, 1000))  # short reads

    with pytest.raises(InputError, match="pass size="):
        env.iter_encrypt(Pipe(b"abc"), KEY)  # type: ignore[arg-type]
    pipe: Any = Pipe(b"a" * 9000)
    blob = b"".join(env.iter_encrypt(pipe, KEY, size=9000, chunk_size=CHUNK))
    assert b"".join(env.iter_decrypt(Pipe(blob), KEY)) == b"a" * 9000  # type: ignore[arg-type]


def test_input_size_must_match() -> None:
    with pytest.raises(InputError, match="ended after 10 bytes; 20 were expected"):
        list(env.iter_encrypt(io.BytesIO(b"x" * 10), KEY, size=20, chunk_size=CHUNK))
    with pytest.raises(InputError, match="more than the 5 bytes expected"):
        list(env.iter_encrypt(io.BytesIO(b"x" * 10), KEY, size=5, chunk_size=CHUNK))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"chunk_size": 100}, r"chunk_size must be in \[4096, 16777216\]"),
        ({"chunk_size": 1 << 25}, "chunk_size must be in"),
        ({"chunk_size": True}, "chunk_size must be an integer"),
        ({"size": -1}, "size must be a non-negative integer"),
        ({"size": (1 << 32) * CHUNK + 1, "chunk_size": CHUNK}, "too large"),
    ],
)
def test_bad_encrypt_arguments(kwargs: dict[str, int], match: str) -> None:
    with pytest.raises(InputError, match=match):
        env.iter_encrypt(io.BytesIO(b""), KEY, **kwargs)


@pytest.mark.parametrize("key", [b"short", bytes(33), "x" * 32, None])
def test_bad_keys(key: object) -> None:
    with pytest.raises(InputError, match="envelope key must be"):
        env.iter_encrypt(io.BytesIO(b""), key, size=0)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="envelope key must be"):
        env.iter_decrypt(io.BytesIO(seal(b"")), key)  # type: ignore[arg-type]


# --- the documented format ---------------------------------------------------------------------
def independent_open(blob: bytes, key: bytes) -> bytes:
    """Decrypt by following docs/envelope-format.md with raw primitives only."""
    magic, version, suite, chunk_size, size, salt, commitment = struct.unpack(
        ">8sBBIQ32s32s", blob[:86]
    )
    assert (magic, version, suite) == (b"NOOS-ENV", 1, 1)
    okm = HKDF(hashes.SHA256(), 71, salt, b"noosphere.envelope/v1\x01").derive(key)
    assert okm[39:] == commitment
    aead, prefix = AESGCM(okm[:32]), okm[32:39]
    n = max(1, -(-size // chunk_size))
    out, pos = [], 86
    for i in range(n):
        length = (chunk_size if i < n - 1 else size - (n - 1) * chunk_size) + 16
        nonce = prefix + i.to_bytes(4, "big") + bytes([i == n - 1])
        out.append(aead.decrypt(nonce, blob[pos : pos + length], blob[:86]))
        pos += length
    assert pos == len(blob)
    return b"".join(out)


@pytest.mark.parametrize("size", SIZES)
def test_format_matches_the_documentation(size: int) -> None:
    data = os.urandom(size)
    assert independent_open(seal(data), KEY) == data


def test_known_answer_vectors(fixed_salt: None) -> None:
    """The test vectors printed in docs/envelope-format.md."""
    small = seal(b"hello, noosphere\n")
    assert small.hex() == (
        "4e4f4f532d454e56010100001000000000000000001120212223242526272829"
        "2a2b2c2d2e2f303132333435363738393a3b3c3d3e3f" + small[54:].hex()
    )
    assert hashlib.sha256(small).hexdigest() == KAT_SMALL
    two = seal(bytes(i % 251 for i in range(5000)))
    assert len(two) == 86 + 5000 + 32
    assert hashlib.sha256(two).hexdigest() == KAT_TWO_CHUNKS
    docs = Path(__file__).resolve().parents[2] / "docs" / "envelope-format.md"
    text = docs.read_text()
    assert small.hex() in text.replace("\n", "").replace(" ", "")
    assert KAT_TWO_CHUNKS in text
    empty = seal(b"")
    assert len(empty) == 102 and empty[-16:].hex() in text


KAT_SMALL = "0ecc09e55707e3438173f4c87888c0b94620a029f1606c069002eee55fc7fd89"
KAT_TWO_CHUNKS = "99b47477c8bad952885481c4654247e247f2f962921dba6cee6ad3088f57473c"


def test_read_header_without_key() -> None:
    blob = seal(b"z" * 10_000)
    src = io.BytesIO(blob)
    header = env.read_header(src)
    assert (header.plaintext_size, header.chunk_size, header.chunks) == (10_000, CHUNK, 3)
    assert src.tell() == env.HEADER_SIZE
    assert "salt" not in repr(header)


# --- attacks -----------------------------------------------------------------------------------
def flip(blob: bytes, pos: int, bit: int = 0) -> bytes:
    changed = bytearray(blob)
    changed[pos] ^= 1 << bit
    return bytes(changed)


def assert_rejected(
    blob: bytes, error: type[EnvelopeError] = EnvelopeError, match: str = ""
) -> None:
    """The envelope must fail, and the whole of what it yields before failing is authentic."""
    got: list[bytes] = []
    with pytest.raises(error, match=match):
        got.extend(env.iter_decrypt(io.BytesIO(blob), KEY))
    assert all(isinstance(piece, bytes) for piece in got)


def test_every_header_bit_flip_is_rejected() -> None:
    blob = seal(os.urandom(2 * CHUNK + 3))
    for pos in range(env.HEADER_SIZE):
        for bit in (0, 7):
            changed = flip(blob, pos, bit)
            with pytest.raises(EnvelopeError):
                b"".join(env.iter_decrypt(io.BytesIO(changed), KEY))


@pytest.mark.parametrize(
    ("pos", "error", "match"),
    [
        (0, EnvelopeError, "not a Noosphere envelope"),
        (8, EnvelopeError, "format version 0 is not supported"),
        (9, EnvelopeError, "cipher suite 0 is unknown"),
        (25, WrongKeyError, "wrong key for this envelope"),  # salt
        (60, WrongKeyError, "wrong key for this envelope"),  # commitment
        (21, EnvelopeTamperedError, "chunk 1 of 3 failed authentication"),  # plaintext size
    ],
)
def test_header_flips_name_the_problem(pos: int, error: type[EnvelopeError], match: str) -> None:
    assert_rejected(flip(seal(os.urandom(2 * CHUNK + 3)), pos), error, match)


def test_version_from_the_future_says_upgrade() -> None:
    blob = bytearray(seal(b"x"))
    blob[8] = 2
    with pytest.raises(EnvelopeError, match=r"version 2 is not supported.*upgrade Noosphere"):
        env.iter_decrypt(io.BytesIO(bytes(blob)), KEY)


@pytest.mark.parametrize("where", ["body", "tag"])
@pytest.mark.parametrize("chunk", [0, 1, 2])
def test_flipped_chunk_bit(where: str, chunk: int) -> None:
    blob = seal(os.urandom(2 * CHUNK + 3))
    start = env.HEADER_SIZE + chunk * (CHUNK + 16)
    end = start + (CHUNK if chunk < 2 else 3) + 16
    pos = start + 1 if where == "body" else end - 1
    assert_rejected(flip(blob, pos), EnvelopeTamperedError, f"chunk {chunk + 1} of 3 failed")


def test_no_chunk_is_released_before_it_verifies() -> None:
    data = os.urandom(3 * CHUNK)
    blob = flip(seal(data), env.HEADER_SIZE + 2 * (CHUNK + 16) + 5)  # third chunk altered
    got = []
    with pytest.raises(EnvelopeTamperedError, match="chunk 3 of 3"):
        for piece in env.iter_decrypt(io.BytesIO(blob), KEY):
            got.append(piece)
    assert got == [data[:CHUNK], data[CHUNK : 2 * CHUNK]]


@pytest.mark.parametrize(
    ("cut", "match"),
    [
        (0, "envelope is empty"),
        (40, r"truncated in its header \(40 of 86 bytes\)"),
        (86, r"truncated in chunk 1 of 3 \(0 of 4112 bytes\)"),
        (86 + 4112, r"truncated in chunk 2 of 3 \(0 of 4112"),
        (86 + 4112 + 100, r"truncated in chunk 2 of 3 \(100 of 4112"),
        (86 + 2 * 4112 + 18, r"truncated in chunk 3 of 3 \(18 of 19"),
    ],
)
def test_truncation(cut: int, match: str) -> None:
    blob = seal(os.urandom(2 * CHUNK + 3))
    error = EnvelopeError if cut == 0 else EnvelopeTruncatedError
    assert_rejected(blob[:cut], error, match)


def test_dropped_reordered_appended_and_duplicated_chunks() -> None:
    blob = seal(os.urandom(4 * CHUNK))
    header, chunks = chunks_of(blob)
    assert len(chunks) == 4
    cases = {
        "dropped": header + chunks[0] + chunks[2] + chunks[3],
        "dropped last": header + b"".join(chunks[:3]),
        "swapped": header + chunks[1] + chunks[0] + chunks[2] + chunks[3],
        "duplicated": header + chunks[0] + chunks[0] + chunks[2] + chunks[3],
        "last moved": header + chunks[0] + chunks[1] + chunks[3] + chunks[2],
    }
    for name, changed in cases.items():
        with pytest.raises(EnvelopeTamperedError):
            unseal(changed)
            pytest.fail(f"{name} chunks were accepted")
    assert_rejected(blob + chunks[3], EnvelopeTamperedError, "unexpected bytes after the final")
    assert_rejected(blob + b"\x00", EnvelopeTamperedError, "something was appended")


def test_splice_from_another_envelope_under_the_same_key() -> None:
    one, two = seal(os.urandom(3 * CHUNK)), seal(os.urandom(3 * CHUNK))
    h1, c1 = chunks_of(one)
    h2, c2 = chunks_of(two)
    assert_rejected(h1 + c1[0] + c2[1] + c1[2], EnvelopeTamperedError, "chunk 2 of 3")
    assert_rejected(h1 + b"".join(c2), EnvelopeTamperedError, "chunk 1 of 3")
    assert_rejected(h2 + b"".join(c1), EnvelopeTamperedError, "chunk 1 of 3")


def test_shorter_plaintext_cannot_be_forged_by_dropping_the_tail() -> None:
    # Rewriting the size to drop the last chunk needs a valid header: the header is the AD of
    # every chunk, and the final flag is in the nonce, so the old last-but-one chunk fails.
    blob = seal(os.urandom(3 * CHUNK))
    header, chunks = chunks_of(blob)
    shorter = bytearray(header)
    shorter[14:22] = (2 * CHUNK).to_bytes(8, "big")
    assert_rejected(bytes(shorter) + chunks[0] + chunks[1], EnvelopeTamperedError, "chunk 1 of 2")


def test_wrong_key_is_named() -> None:
    blob = seal(b"secret data")
    with pytest.raises(WrongKeyError, match="wrong key for this envelope") as info:
        env.iter_decrypt(io.BytesIO(blob), env.generate_key())  # fails before any chunk
    assert "encrypted with" in info.value.user_message


def test_oversized_declared_plaintext() -> None:
    blob = seal(os.urandom(CHUNK + 1))
    with pytest.raises(EnvelopeTooLargeError, match=r"declares 4_097 bytes.*than the 4_096"):
        env.iter_decrypt(io.BytesIO(blob), KEY, max_plaintext=CHUNK)
    assert len(unseal(blob, max_plaintext=CHUNK + 1)) == CHUNK + 1
    # a huge declared size (an upload that promises a terabyte) is refused up front with a
    # limit, and without one fails at the first chunk: nothing is allocated from the header
    huge = bytearray(blob[: env.HEADER_SIZE])
    huge[14:22] = (1 << 40).to_bytes(8, "big")
    with pytest.raises(EnvelopeTooLargeError, match="1_099_511_627_776 bytes"):
        env.iter_decrypt(io.BytesIO(bytes(huge)), KEY, max_plaintext=1 << 30)
    assert_rejected(bytes(huge) + blob[env.HEADER_SIZE :], EnvelopeTamperedError, "chunk 1 of")


@pytest.mark.parametrize(
    ("garbage", "match"),
    [
        (b"PK\x03\x04" + bytes(200), "not a Noosphere envelope"),
        (b"\x00" * 200, "not a Noosphere envelope"),
        (b"NOOS-ENV\x01\x01" + b"\x00\x00\x00\x10" + bytes(76), r"chunk size 16 is outside"),
        (
            b"NOOS-ENV\x01\x01" + b"\x00\x00\x10\x00" + b"\xff" * 8 + bytes(64),
            "exceed the format's 4294967296 chunks",
        ),
    ],
)
def test_garbage(garbage: bytes, match: str) -> None:
    with pytest.raises(EnvelopeError, match=match):
        env.iter_decrypt(io.BytesIO(garbage), KEY)


def test_every_error_is_a_noosphere_error() -> None:
    for cls in (WrongKeyError, EnvelopeTamperedError, EnvelopeTruncatedError):
        assert issubclass(cls, EnvelopeError) and issubclass(cls, NoosphereError)
    assert issubclass(EnvelopeTooLargeError, EnvelopeError)


# --- files -------------------------------------------------------------------------------------
def test_files_round_trip_atomically(tmp_path: Path) -> None:
    plain, sealed, back = tmp_path / "data.csv", tmp_path / "data.env", tmp_path / "out.csv"
    data = os.urandom(3 * CHUNK + 5)
    plain.write_bytes(data)
    header = env.encrypt_file(plain, sealed, KEY, chunk_size=CHUNK)
    assert sealed.stat().st_size == header.ciphertext_size
    assert (sealed.stat().st_mode & 0o777) == 0o600
    assert env.decrypt_file(sealed, back, KEY) == len(data)
    assert back.read_bytes() == data


def test_failed_decrypt_leaves_no_file(tmp_path: Path) -> None:
    sealed, out = tmp_path / "data.env", tmp_path / "out.bin"
    data = os.urandom(3 * CHUNK)
    blob = seal(data)
    sealed.write_bytes(blob[:-1])  # truncated in the last chunk: two chunks would be written
    with pytest.raises(EnvelopeTruncatedError):
        env.decrypt_file(sealed, out, KEY)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.env"]
    out.write_bytes(b"previous")
    sealed.write_bytes(flip(blob, 200))
    with pytest.raises(EnvelopeTamperedError):
        env.decrypt_file(sealed, out, KEY)
    with pytest.raises(WrongKeyError):
        env.decrypt_file(sealed, out, env.generate_key())
    assert out.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.env", "out.bin"]


def test_failed_encrypt_leaves_no_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"cannot read .*nope"):
        env.encrypt_file(tmp_path / "nope", tmp_path / "out", KEY)
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "in").write_bytes(b"data")
    with pytest.raises(InputError, match="chunk_size must be in"):
        env.encrypt_file(tmp_path / "in", tmp_path / "out", KEY, chunk_size=1)
    assert [p.name for p in tmp_path.iterdir()] == ["in"]


def test_store_by_cid_and_stream_back(tmp_path: Path, fixed_salt: None) -> None:
    store = Store(tmp_path / "home", sync=False)
    data = os.urandom(300_000)
    cid = store.put_stream(env.encrypting_reader(io.BytesIO(data), KEY, chunk_size=CHUNK))
    assert cid == store.put_bytes(seal(data))  # same bytes, same CID
    assert b"".join(env.iter_decrypt(store.open(cid), KEY)) == data


# --- key wrapping ------------------------------------------------------------------------------
def test_wrap_round_trip() -> None:
    master, data_key = env.generate_key(), env.generate_key()
    wrapped = env.wrap_key(master, data_key, b"dataset:7")
    assert len(wrapped) == env.WRAPPED_KEY_SIZE
    assert env.unwrap_key(master, wrapped, b"dataset:7") == data_key
    assert env.wrap_key(master, data_key, b"dataset:7") != wrapped  # fresh nonce


def test_unwrap_failures() -> None:
    master, data_key = env.generate_key(), env.generate_key()
    wrapped = env.wrap_key(master, data_key, b"dataset:7")
    with pytest.raises(WrongKeyError, match=r"wrong master key: .*wrapped under key [0-9a-f]{16}"):
        env.unwrap_key(env.generate_key(), wrapped, b"dataset:7")
    with pytest.raises(EnvelopeTamperedError, match="context differs"):
        env.unwrap_key(master, wrapped, b"dataset:8")
    for pos in range(9, len(wrapped)):
        with pytest.raises(EnvelopeTamperedError, match="failed authentication"):
            env.unwrap_key(master, flip(wrapped, pos), b"dataset:7")
    with pytest.raises(WrongKeyError):
        env.unwrap_key(master, flip(wrapped, 3), b"dataset:7")  # key id
    with pytest.raises(EnvelopeError, match="not a wrapped key: expected 69 bytes"):
        env.unwrap_key(master, wrapped[:-1], b"dataset:7")
    with pytest.raises(EnvelopeError, match="of version 9"):
        env.unwrap_key(master, b"\x09" + wrapped[1:], b"dataset:7")
    with pytest.raises(InputError, match="context must be bytes"):
        env.wrap_key(master, data_key, "dataset:7")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="master key must be 32 bytes"):
        env.wrap_key(b"k" * 16, data_key, b"")
    with pytest.raises(InputError, match="data key must be 32 bytes"):
        env.wrap_key(master, b"k" * 16, b"")


# --- constant memory ---------------------------------------------------------------------------
class Generated(io.RawIOBase):
    """``size`` pseudo-random bytes produced on demand (never held in memory)."""

    def __init__(self, size: int) -> None:
        self._left = size
        self._block = hashlib.shake_256(b"envelope test").digest(1 << 16)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n = min(len(buffer), self._left, len(self._block))
        buffer[:n] = self._block[:n]
        self._left -= n
        return n


def plaintext_digest(pieces: Iterator[bytes]) -> tuple[int, str]:
    hasher, total = hashlib.sha256(), 0
    for piece in pieces:
        hasher.update(piece)
        total += len(piece)
    return total, hasher.hexdigest()


def test_memory_is_bounded_by_the_chunk_size() -> None:
    size = 200 << 20
    expected = plaintext_digest(iter(functools.partial(Generated(size).read, 1 << 20), b""))
    tracemalloc.start()
    try:
        sealed = env.encrypting_reader(Generated(size), KEY, size=size)
        got = plaintext_digest(env.iter_decrypt(sealed, KEY))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert got == expected
    # two reused read buffers, one ciphertext and two plaintext chunks: ~5 MiB for any size
    assert peak < 8 * env.DEFAULT_CHUNK_SIZE, f"peak {peak / 2**20:.1f} MiB for 200 MiB"
