"""The public metadata document of a Data NFT: what a buyer can read before buying.

A JSON object, stored in the content store and named on chain by its CID (the Data NFT's
``metadata_cid``). Version 1::

    {
      "schema": "noosphere/data-metadata", "version": 1,
      "title": "…", "description": "…", "licence": "…", "tags": ["…", …],
      "file": {"format": "csv" | "tsv" | "parquet" | "npz", "size": plaintext bytes},
      "envelope": {"scheme": "noos-env/1", "cipher": "AES-256-GCM",
                   "chunk_size": …, "ciphertext_size": …},
      "profile": the quality report of noosphere.ml.profile (schema, statistics, preview),
      "provider": {"endpoint": URL, "signer": checksummed address}     (optional)
    }

``provider`` names the key that signs the dataset's compute-to-data receipts (the provider
node's hotkey, learned from its ``GET /provider`` at publication) and the endpoint it was
learned from. The document's CID is set on chain only by the owner or manager, so this binds
that key to the dataset: an audit accepts receipts signed by it. Documents without it (older
ones, or a provider unreachable at publication) stay valid; their receipts must then be signed
by the owner or manager.

Written as canonical JSON (sorted keys, no spaces, UTF-8), so the same document has the same
CID. :func:`load_metadata` reads untrusted bytes: at most :data:`MAX_METADATA_BYTES`, strict JSON
(no NaN, no duplicate keys), the schema and version known, every field of the right type and
size, no unknown field. Each refusal is a :class:`~noosphere.errors.MetadataError` naming the
field.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from noosphere.errors import MetadataError

SCHEMA = "noosphere/data-metadata"
VERSION = 1
ENVELOPE_SCHEME = "noos-env/1"
CIPHER = "AES-256-GCM"
FORMATS = ("csv", "tsv", "parquet", "npz")
COLUMN_TYPES = ("int", "float", "bool", "categorical")
MAX_METADATA_BYTES = 4 << 20
MAX_TITLE = 200
MAX_DESCRIPTION = 20_000
MAX_LICENCE = 50_000
MAX_TAGS = 32
MAX_TAG = 40
_FIELDS = {"schema", "version", "title", "description", "licence", "tags", "file", "envelope",
           "profile"}  # fmt: skip
_OPTIONAL = {"provider"}
MAX_DEPTH = 32
_MAX_INT = 2**63 - 1
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)


@dataclass(frozen=True)
class EnvelopeInfo:
    """How the content is encrypted (public: the key is not in it)."""

    chunk_size: int
    ciphertext_size: int
    scheme: str = ENVELOPE_SCHEME
    cipher: str = CIPHER


@dataclass(frozen=True)
class ProviderBinding:
    """The provider node named by a metadata document: its URL and its signing address."""

    endpoint: str
    signer: str

    def to_dict(self) -> dict[str, str]:
        """The JSON form."""
        return {"endpoint": self.endpoint, "signer": self.signer}


@dataclass(frozen=True)
class Metadata:
    """A validated metadata document; :meth:`to_json` gives its canonical bytes."""

    title: str
    description: str
    licence: str
    tags: tuple[str, ...]
    format: str
    size: int
    envelope: EnvelopeInfo
    profile: dict[str, Any] = field(repr=False)
    provider: ProviderBinding | None = None

    @property
    def provider_signer(self) -> str | None:
        """The address that signs this dataset's compute-to-data receipts, if named."""
        return None if self.provider is None else self.provider.signer

    # --- the profile, for display and search ---------------------------------------------------
    @property
    def rows(self) -> int:
        """Rows of the dataset."""
        return int(self.profile["rows"])

    @property
    def columns(self) -> list[dict[str, Any]]:
        """The column profiles (name, type, missing, distinct, summary…)."""
        return list(self.profile["columns"])

    @property
    def column_names(self) -> list[str]:
        """Column names in file order."""
        return [str(c["name"]) for c in self.profile["columns"]]

    @property
    def label(self) -> str | None:
        """The label column, if the publisher named or the profile found one."""
        label = self.profile.get("label")
        return None if label is None else str(label)

    @property
    def task(self) -> str | None:
        """``classification``, ``regression`` or None."""
        task = self.profile.get("task")
        return None if task is None else str(task)

    # --- encoding ------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The document as JSON-ready values."""
        doc: dict[str, Any] = {
            "schema": SCHEMA,
            "version": VERSION,
            "title": self.title,
            "description": self.description,
            "licence": self.licence,
            "tags": list(self.tags),
            "file": {"format": self.format, "size": self.size},
            "envelope": {
                "scheme": self.envelope.scheme,
                "cipher": self.envelope.cipher,
                "chunk_size": self.envelope.chunk_size,
                "ciphertext_size": self.envelope.ciphertext_size,
            },
            "profile": self.profile,
        }
        if self.provider is not None:  # absent, not null: older documents keep their CID
            doc["provider"] = self.provider.to_dict()
        return doc

    def to_json(self) -> bytes:
        """Canonical JSON bytes (sorted keys, no spaces, UTF-8, no NaN)."""
        try:
            text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"),
                              ensure_ascii=False, allow_nan=False)  # fmt: skip
        except (TypeError, ValueError) as exc:
            raise MetadataError(f"metadata: cannot be written as JSON ({exc})") from None
        data = text.encode("utf-8")
        if len(data) > MAX_METADATA_BYTES:
            raise MetadataError(
                f"metadata: {len(data):_} bytes, more than the {MAX_METADATA_BYTES:_} allowed",
                hint="shorten the description or licence text (a very wide table profiles long)",
            )
        return data


def build_metadata(
    *,
    title: str,
    description: str = "",
    licence: str = "",
    tags: tuple[str, ...] | list[str] = (),
    format: str,
    size: int,
    envelope: EnvelopeInfo,
    profile: dict[str, Any],
    provider: ProviderBinding | None = None,
) -> Metadata:
    """A metadata document from its parts, checked as :func:`load_metadata` checks one."""
    try:  # as JSON reads it back: lists, not tuples
        profile = json.loads(json.dumps(profile, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise MetadataError(f"metadata: the profile is not JSON ({exc})") from None
    doc = Metadata(title, description, licence, tuple(tags), format, size, envelope, profile,
                   provider)  # fmt: skip
    raw = doc.to_dict()
    raw["tags"] = [_normal_tag(t) if isinstance(t, str) else t for t in raw["tags"]]
    raw["title"] = title.strip() if isinstance(title, str) else title
    metadata = _from_dict(raw)
    metadata.to_json()  # the size bound
    return metadata


def load_metadata(data: bytes) -> Metadata:
    """Parse and validate untrusted metadata bytes (see the module notes)."""
    return _from_dict(read_strict_json(data, MAX_METADATA_BYTES))


def read_strict_json(data: bytes, max_bytes: int, what: str = "metadata") -> Any:
    """Decode untrusted JSON bytes strictly: bounded size and nesting, UTF-8, no duplicate keys,
    no NaN or Infinity; each refusal is a :class:`MetadataError` starting with ``what``."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise MetadataError(f"{what}: expected bytes, not {type(data).__name__}")
    data = bytes(data)
    if len(data) > max_bytes:
        raise MetadataError(f"{what}: {len(data):_} bytes, more than the {max_bytes:_} allowed")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MetadataError(f"{what}: not UTF-8 ({exc.reason} at byte {exc.start})") from None
    _check_depth(text)
    try:
        return json.loads(text, parse_constant=_no_constant, object_pairs_hook=_no_duplicates)
    except MetadataError:
        raise
    except RecursionError:
        raise MetadataError(f"{what}: JSON nested too deeply") from None
    except ValueError as exc:
        raise MetadataError(f"{what}: not valid JSON ({exc})") from None


# --- validation ----------------------------------------------------------------------------------
def _check_depth(text: str) -> None:
    """Refuse nesting deeper than :data:`MAX_DEPTH` before parsing: the C decoder recurses, and
    a process with a raised recursion limit would overflow its stack on ``[[[[…``."""
    bare = _STRINGS.sub("", text)  # brackets inside strings do not nest
    if not any(c in bare for c in "[{"):
        return
    steps = np.frombuffer(bare.encode("utf-8"), dtype=np.uint8)
    delta = np.zeros(steps.shape, dtype=np.int64)
    delta[(steps == ord("[")) | (steps == ord("{"))] = 1
    delta[(steps == ord("]")) | (steps == ord("}"))] = -1
    if int(np.cumsum(delta).max()) > MAX_DEPTH:
        raise MetadataError(f"metadata: JSON nested too deeply (more than {MAX_DEPTH} levels)")


def _no_constant(name: str) -> Any:
    raise MetadataError(f"metadata: {name} is not a JSON number")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise MetadataError(f"metadata: key {key!r} appears twice")
        out[key] = value
    return out


def _from_dict(raw: Any) -> Metadata:
    if not isinstance(raw, dict):
        raise MetadataError(f"metadata: expected a JSON object, not {_kind(raw)}")
    if raw.get("schema") != SCHEMA:
        raise MetadataError(
            f"metadata: schema {raw.get('schema')!r} is not {SCHEMA!r}",
            hint="is this CID a Data NFT metadata document?",
        )
    version = raw.get("version")
    if version != VERSION or isinstance(version, bool):
        raise MetadataError(
            f"metadata: version {version!r} is not supported (this client reads {VERSION})",
            hint="upgrade noosphere if the document is newer",
        )
    unknown = sorted(set(raw) - _FIELDS - _OPTIONAL)
    if unknown:
        raise MetadataError(f"metadata: unknown field {', '.join(map(repr, unknown))}")
    missing = sorted(_FIELDS - set(raw))
    if missing:
        raise MetadataError(f"metadata: missing field {', '.join(map(repr, missing))}")
    title = _text(raw["title"], "title", MAX_TITLE, multiline=False)
    if not title.strip():
        raise MetadataError("metadata: title is empty")
    description = _text(raw["description"], "description", MAX_DESCRIPTION, multiline=True)
    licence = _text(raw["licence"], "licence", MAX_LICENCE, multiline=True)
    tags = _tags(raw["tags"])
    file = _object(raw["file"], "file", {"format", "size"})
    fmt = file["format"]
    if fmt not in FORMATS:
        raise MetadataError(f"metadata: file.format {fmt!r} is not one of {', '.join(FORMATS)}")
    size = _count(file["size"], "file.size")
    env = _object(raw["envelope"], "envelope", {"scheme", "cipher", "chunk_size",
                                                 "ciphertext_size"})  # fmt: skip
    if env["scheme"] != ENVELOPE_SCHEME or env["cipher"] != CIPHER:
        raise MetadataError(
            f"metadata: envelope {env['scheme']!r}/{env['cipher']!r} is not supported "
            f"({ENVELOPE_SCHEME}/{CIPHER})"
        )
    envelope = EnvelopeInfo(
        _count(env["chunk_size"], "envelope.chunk_size"),
        _count(env["ciphertext_size"], "envelope.ciphertext_size"),
    )
    if envelope.ciphertext_size < size:
        raise MetadataError("metadata: envelope.ciphertext_size is smaller than file.size")
    profile = _profile(raw["profile"])
    provider = _provider(raw["provider"]) if "provider" in raw else None
    return Metadata(title, description, licence, tags, fmt, size, envelope, profile, provider)


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
            type(None): "null"}.get(type(value), "a number")  # fmt: skip


def _object(value: Any, name: str, keys: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MetadataError(f"metadata: {name} must be an object, not {_kind(value)}")
    if set(value) != keys:
        extra, lack = sorted(set(value) - keys), sorted(keys - set(value))
        what = "unknown" if extra else "missing"
        raise MetadataError(f"metadata: {name} has {what} field {', '.join(extra or lack)}")
    return value


def _count(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _MAX_INT:
        raise MetadataError(f"metadata: {name} must be a non-negative integer, not {value!r}")
    return value


def _text(value: Any, name: str, limit: int, *, multiline: bool) -> str:
    if not isinstance(value, str):
        raise MetadataError(f"metadata: {name} must be a string, not {_kind(value)}")
    if len(value) > limit:
        raise MetadataError(f"metadata: {name} has {len(value):_} characters, more than {limit:_}")
    allowed = "\n\t" if multiline else ""
    for char in value:
        if char not in allowed and unicodedata.category(char) in ("Cc", "Cf", "Cs"):
            raise MetadataError(
                f"metadata: {name} contains the control character U+{ord(char):04X}"
            )
    return value


def _provider(value: Any) -> ProviderBinding:
    """``provider``: an http(s) endpoint and a checksummed (EIP-55) signing address."""
    from eth_utils import is_checksum_address

    from noosphere.chain.data_terms import check_endpoint
    from noosphere.errors import InputError

    raw = _object(value, "provider", {"endpoint", "signer"})
    endpoint = _text(raw["endpoint"], "provider.endpoint", 1_000, multiline=False)
    try:
        check_endpoint(endpoint)
    except InputError as error:
        raise MetadataError(f"metadata: provider.{error.message}") from None
    signer = raw["signer"]
    if not isinstance(signer, str) or not is_checksum_address(signer):
        raise MetadataError(
            f"metadata: provider.signer must be a checksummed address, not {signer!r:.80}",
            hint="0x + 40 hex digits with the EIP-55 capitals, as `noos data publish` writes it",
        )
    return ProviderBinding(endpoint, signer)


def _normal_tag(tag: str) -> str:
    return " ".join(tag.strip().lower().split())


def _tags(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise MetadataError(f"metadata: tags must be a list, not {_kind(value)}")
    if len(value) > MAX_TAGS:
        raise MetadataError(f"metadata: {len(value)} tags, more than {MAX_TAGS}")
    tags: list[str] = []
    for tag in value:
        tag = _text(tag, "a tag", MAX_TAG, multiline=False)
        if not tag or tag != _normal_tag(tag) or "," in tag:
            raise MetadataError(
                f"metadata: tag {tag!r} must be non-empty lowercase words without commas"
            )
        if tag in tags:
            raise MetadataError(f"metadata: tag {tag!r} appears twice")
        tags.append(tag)
    return tuple(tags)


def _profile(value: Any) -> dict[str, Any]:
    """The parts of a quality report this package reads must be well formed."""
    if not isinstance(value, dict):
        raise MetadataError(f"metadata: profile must be an object, not {_kind(value)}")
    _count(value.get("rows"), "profile.rows")
    columns = value.get("columns")
    if not isinstance(columns, list) or not columns:
        raise MetadataError("metadata: profile.columns must be a non-empty list")
    names: set[str] = set()
    for i, column in enumerate(columns):
        where = f"profile.columns[{i}]"
        if not isinstance(column, dict):
            raise MetadataError(f"metadata: {where} must be an object")
        name = _text(column.get("name"), f"{where}.name", 1_000, multiline=False)
        if name in names:
            raise MetadataError(f"metadata: column {name!r} appears twice in the profile")
        names.add(name)
        if column.get("type") not in COLUMN_TYPES:
            raise MetadataError(
                f"metadata: {where}.type {column.get('type')!r} is not one of "
                + ", ".join(COLUMN_TYPES)
            )
        _count(column.get("missing", 0), f"{where}.missing")
        _count(column.get("distinct", 0), f"{where}.distinct")
    for key in ("label", "task"):
        if value.get(key) is not None:
            _text(value[key], f"profile.{key}", 1_000, multiline=False)
    if value.get("label") is not None and value["label"] not in names:
        raise MetadataError(f"metadata: profile.label {value['label']!r} is not a column")
    return value


__all__ = [
    "MAX_METADATA_BYTES",
    "SCHEMA",
    "VERSION",
    "EnvelopeInfo",
    "Metadata",
    "ProviderBinding",
    "build_metadata",
    "load_metadata",
]
