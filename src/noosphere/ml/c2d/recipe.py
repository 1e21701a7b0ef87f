"""Compute-to-data recipes and their parameters, identified by hashes a Data NFT can allow-list.

A recipe is the text of a Python file that defines ``train(X, y, params, seed)`` and returns a
fitted scikit-learn classifier (or pipeline): ``X`` is float32 ``[rows, features]``, ``y`` int64
labels ``0..k-1``, ``params`` the job's parameters (a dict decoded from JSON), ``seed`` an int in
``[0, 2**32)`` derived from the job's inputs. Its **recipe hash** is ``0x`` + the SHA-256 hex of
the file's exact bytes (a bytes32, as a Data NFT's allow-list holds it); the sandbox runs exactly
the bytes that were hashed.

The built-in recipes (:func:`builtin_recipes`) are thin wrappers over
:func:`noosphere.ml.recipes.train`, so a compute-to-data model is the same estimator a miner
trains. A recipe's hash covers only its own file, not the library it calls: pin the package
version alongside the allow-list when that matters.

Parameters are a JSON object of at most :data:`MAX_PARAMS` keys whose values are JSON scalars or
lists (of scalars or lists, :data:`MAX_DEPTH` deep), no more than :data:`MAX_PARAMS_BYTES` in
canonical form. The **parameters hash** is ``0x`` + the SHA-256 hex of the canonical JSON
(sorted keys, no spaces, UTF-8, no NaN or infinities).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from noosphere.errors import InputError
from noosphere.ml.errors import RecipeError, RecipeNotAllowedError, RecipeParamsError

MAX_RECIPE_BYTES = 256 * 1024
"""A recipe file is at most this long."""

MAX_PARAMS_BYTES = 4096
"""Canonical parameters are at most this long."""

MAX_PARAMS = 64
"""A parameters object has at most this many keys."""

MAX_DEPTH = 3
"""Lists in parameters nest at most this deep."""

MAX_LIST = 256
"""A list in the parameters has at most this many items."""

MAX_STRING = 256
"""A string in the parameters (a key or a value) is at most this long."""

_HASH_RE = re.compile(r"^0x[0-9a-f]{64}$")
_NAME_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_INT_BOUND = 2**63


def sha256_hex(data: bytes) -> str:
    """``0x`` + the SHA-256 hex digest of ``data`` (the form recipe and parameter hashes take)."""
    return "0x" + hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Recipe:
    """A recipe: a name (for messages and logs only) and the exact bytes of its source file."""

    name: str
    source: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME_RE.match(self.name):
            raise RecipeError(
                f"a recipe name is 1-64 letters, digits, '_', '.' or '-', not {self.name!r}"
            )
        if not isinstance(self.source, bytes):
            raise RecipeError(f"recipe {self.name!r}: source must be bytes")
        if not 0 < len(self.source) <= MAX_RECIPE_BYTES:
            raise RecipeError(
                f"recipe {self.name!r} is {len(self.source):_} bytes; a recipe file holds "
                f"1 to {MAX_RECIPE_BYTES:_} bytes"
            )
        try:
            self.source.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise RecipeError(f"recipe {self.name!r} is not UTF-8 text ({exc.reason})") from None

    @property
    def hash(self) -> str:
        """The recipe hash: ``0x`` + SHA-256 hex of the source bytes."""
        return sha256_hex(self.source)

    @classmethod
    def from_file(cls, path: str | Path, *, name: str | None = None) -> Recipe:
        """Read a recipe file (its name defaults to the file's stem)."""
        path = Path(path)
        try:
            size = path.stat().st_size
            if size > MAX_RECIPE_BYTES:
                raise RecipeError(
                    f"{path} is {size:_} bytes; a recipe file holds at most {MAX_RECIPE_BYTES:_}"
                )
            source = path.read_bytes()
        except OSError as exc:
            raise RecipeError(f"cannot read recipe {path}: {exc.strerror or exc}") from None
        return cls(name or path.stem, source)


def builtin_recipes() -> dict[str, Recipe]:
    """The built-in recipes by name (``logreg``, ``mlp``, ``random_forest``,
    ``gradient_boosting``), read from the files shipped in ``noosphere/ml/c2d/recipes``."""
    folder = resources.files("noosphere.ml.c2d") / "recipes"
    out: dict[str, Recipe] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".py") and not entry.name.startswith("_"):
            name = entry.name[: -len(".py")]
            out[name] = Recipe(name, entry.read_bytes())
    return out


def check_allow_list(recipe: Recipe, allow_list: Iterable[str | bytes]) -> str:
    """Return the recipe's hash if it is on ``allow_list`` (``0x`` hex strings or 32-byte
    values); raise :class:`RecipeNotAllowedError` otherwise, and :class:`InputError` for a
    malformed entry."""
    if not isinstance(recipe, Recipe):
        raise InputError(f"expected a Recipe, not {type(recipe).__name__}")
    if isinstance(allow_list, str | bytes) or not isinstance(allow_list, Iterable):
        raise InputError("the allow-list must be a collection of recipe hashes, not one value")
    allowed = {normalize_hash(entry) for entry in allow_list}
    digest = recipe.hash
    if digest not in allowed:
        raise RecipeNotAllowedError(
            f"recipe {recipe.name!r} (hash {digest}) is not on the dataset's allow-list "
            f"({len(allowed)} recipe{'s' if len(allowed) != 1 else ''} allowed); nothing was run",
            hint="the data owner adds recipe hashes to the Data NFT's allow-list",
        )
    return digest


def normalize_hash(value: str | bytes) -> str:
    """A recipe hash as lowercase ``0x`` + 64 hex digits (from that text or 32 raw bytes)."""
    if isinstance(value, bytes | bytearray) and len(value) == 32:
        return "0x" + bytes(value).hex()
    if isinstance(value, str):
        text = value.strip().lower()
        text = text if text.startswith("0x") else "0x" + text
        if _HASH_RE.match(text):
            return text
    raise InputError(f"not a recipe hash (0x + 64 hex digits, or 32 bytes): {value!r}")


# --- parameters --------------------------------------------------------------------------------
def _reject_constant(name: str) -> Any:
    raise RecipeParamsError(f"recipe parameters: {name} is not a JSON number")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise RecipeParamsError(f"recipe parameters: key {key!r} appears twice")
        out[key] = value
    return out


def _check_value(value: Any, where: str, depth: int) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        if not -_INT_BOUND <= value < _INT_BOUND:
            raise RecipeParamsError(f"recipe parameters: {where} is beyond a 64-bit integer")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise RecipeParamsError(f"recipe parameters: {where} is not a finite number")
        return value
    if isinstance(value, str):
        if len(value) > MAX_STRING:
            raise RecipeParamsError(
                f"recipe parameters: {where} is a string of {len(value)} characters "
                f"(at most {MAX_STRING})"
            )
        return value
    if isinstance(value, list | tuple):
        if depth >= MAX_DEPTH:
            raise RecipeParamsError(f"recipe parameters: {where} nests lists too deeply")
        if len(value) > MAX_LIST:
            raise RecipeParamsError(
                f"recipe parameters: {where} has {len(value)} items (at most {MAX_LIST})"
            )
        return [_check_value(v, f"{where}[{i}]", depth + 1) for i, v in enumerate(value)]
    kind = "an object" if isinstance(value, Mapping) else type(value).__name__
    raise RecipeParamsError(
        f"recipe parameters: {where} is {kind}; values are JSON scalars or lists"
    )


def check_params(params: Any) -> dict[str, Any]:
    """Parse and check recipe parameters: a mapping, or JSON text or bytes of an object.

    Returns a plain ``dict`` (tuples become lists). Raises :class:`RecipeParamsError` naming the
    problem: not JSON, not an object, a non-finite number, an object inside, too many keys or
    items, too long (see the module notes).
    """
    if params is None:
        return {}
    if isinstance(params, bytes | bytearray | str):
        text = params if isinstance(params, str) else bytes(params)
        if len(text) > 4 * MAX_PARAMS_BYTES:
            raise RecipeParamsError(
                f"recipe parameters are {len(text):_} long; at most {MAX_PARAMS_BYTES:_} bytes"
            )
        try:
            params = json.loads(
                text, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant
            )
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise RecipeParamsError(f"recipe parameters are not JSON: {exc}") from None
        except RecursionError:
            raise RecipeParamsError("recipe parameters nest too deeply") from None
    if not isinstance(params, Mapping):
        raise RecipeParamsError(
            f"recipe parameters must be a JSON object, not {type(params).__name__}"
        )
    if len(params) > MAX_PARAMS:
        raise RecipeParamsError(f"recipe parameters have {len(params)} keys; at most {MAX_PARAMS}")
    out: dict[str, Any] = {}
    for key, value in params.items():
        if not isinstance(key, str) or not 0 < len(key) <= MAX_STRING:
            raise RecipeParamsError(f"recipe parameters: key {key!r} is not a short string")
        out[key] = _check_value(value, repr(key), 0)
    size = len(canonical_params(out))
    if size > MAX_PARAMS_BYTES:
        raise RecipeParamsError(
            f"recipe parameters are {size:_} bytes as canonical JSON; at most {MAX_PARAMS_BYTES:_}"
        )
    return out


def canonical_params(params: Mapping[str, Any]) -> bytes:
    """The canonical JSON of checked parameters: sorted keys, no spaces, UTF-8."""
    return json.dumps(
        params, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def params_hash(params: Any) -> str:
    """The parameters hash: ``0x`` + SHA-256 hex of the canonical JSON of checked ``params``."""
    return sha256_hex(canonical_params(check_params(params)))
