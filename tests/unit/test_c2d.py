"""Compute-to-data: allow-listed recipes train in a sandbox; hostile ones get a specific error."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from noosphere.errors import InputError, NoosphereError
from noosphere.ml import c2d
from noosphere.ml.c2d import _data
from noosphere.ml.c2d._policy import Policy
from noosphere.ml.recipes import to_onnx, train
from noosphere.storage import display, import_bytes

N_ROWS, N_FEATURES, CLASSES = 300, 8, ("cat", "dog", "eel")
FAST = c2d.JobLimits(max_memory=1 << 30, max_cpu_seconds=60, max_wall_seconds=60)


# --- fixtures ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 300-row CSV: 8 float features and a text label of three classes."""
    from sklearn.datasets import make_classification

    X, y = make_classification(
        n_samples=N_ROWS, n_features=N_FEATURES, n_informative=5, n_classes=3, random_state=7
    )
    path = tmp_path_factory.mktemp("c2d-data") / "animals.csv"
    lines = [",".join([f"f{i}" for i in range(N_FEATURES)] + ["label"])]
    lines += [
        ",".join([f"{v:.6f}" for v in row] + [CLASSES[c]]) for row, c in zip(X, y, strict=True)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def logreg_job(dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> c2d.JobResult:
    recipe = c2d.builtin_recipes()["logreg"]
    work = tmp_path_factory.mktemp("c2d-work")
    result = c2d.run_job(
        dataset, recipe, {"C": 0.5}, allow_list=[recipe.hash], limits=FAST, workdir=work
    )
    assert list(work.iterdir()) == []
    return result


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path / "work"


def _recipe(source: str, name: str = "custom") -> c2d.Recipe:
    return c2d.Recipe(name, textwrap.dedent(source).encode())


def _run(
    dataset: Path, recipe: c2d.Recipe, workdir: Path, params: Any = None, **kwargs: Any
) -> c2d.JobResult:
    kwargs.setdefault("limits", FAST)
    return c2d.run_job(dataset, recipe, params, allow_list=[recipe.hash], workdir=workdir, **kwargs)


def _leftovers(workdir: Path) -> list[str]:
    return [p.name for p in workdir.iterdir()] if workdir.exists() else []


# --- recipes and parameters --------------------------------------------------------------------
def test_the_public_surface_is_pinned() -> None:
    assert sorted(c2d.__all__) == sorted(
        [
            "HOLDOUT_BP", "ComputeToDataError", "JobLimits", "JobResult", "OutputRefusedError",
            "RawRowsInOutputError", "Recipe", "RecipeFailedError", "RecipeNotAllowedError",
            "RecipeParamsError", "SandboxResourceError", "SandboxRun", "SandboxViolationError",
            "Workspace", "builtin_recipes", "canonical_params", "check_allow_list",
            "check_metrics", "check_no_raw_rows", "check_params", "find_raw_rows",
            "normalize_hash", "params_hash", "run_job", "run_recipe",
        ]
    )  # fmt: skip
    assert all(issubclass(getattr(c2d, n), NoosphereError) for n in c2d.__all__ if "Error" in n)


def test_builtin_recipes_are_shipped_files_with_their_hashes() -> None:
    recipes = c2d.builtin_recipes()
    assert set(recipes) == {"logreg", "mlp", "random_forest", "gradient_boosting"}
    folder = Path(c2d.__file__).parent / "recipes"
    for name, recipe in recipes.items():
        data = (folder / f"{name}.py").read_bytes()
        assert recipe.hash == "0x" + hashlib.sha256(data).hexdigest()
        assert c2d.Recipe.from_file(folder / f"{name}.py") == recipe
    assert len({r.hash for r in recipes.values()}) == 4


def test_params_hash_is_the_sha256_of_canonical_json() -> None:
    a = c2d.params_hash({"b": 1, "a": [1, 2.5], "c": "x"})
    assert a == c2d.params_hash('{"c": "x", "a": [1, 2.5], "b": 1}')
    canonical = b'{"a":[1,2.5],"b":1,"c":"x"}'
    assert c2d.canonical_params(c2d.check_params({"b": 1, "a": (1, 2.5), "c": "x"})) == canonical
    assert a == "0x" + hashlib.sha256(canonical).hexdigest()
    assert c2d.params_hash({"b": 2, "a": [1, 2.5], "c": "x"}) != a
    assert c2d.params_hash(None) == c2d.params_hash({}) == c2d.params_hash("{}")


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ("{not json", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        ('{"C": NaN}', "not a JSON number"),
        ("[1, 2]", "must be a JSON object"),
        ('{"a": 1, "a": 2}', "appears twice"),
        ({"model": {"C": 1}}, "is an object"),
        ({"C": float("inf")}, "not a finite number"),
        ({"path": object()}, "is object"),
        ({"s": "x" * 300}, "at most 256"),
        ({f"k{i}": 1 for i in range(65)}, "at most 64"),
        ({f"k{i}": "v" * 200 for i in range(30)}, "canonical JSON"),
        ({"deep": [[[[1]]]]}, "too deeply"),
        ({"big": 2**70}, "64-bit"),
        ("{" + '"x": 1,' * 5000 + '"y": 2}', "long"),
    ],
)
def test_bad_params_are_refused_with_what_is_wrong(params: Any, match: str) -> None:
    with pytest.raises(c2d.RecipeParamsError, match=match):
        c2d.check_params(params)


def test_a_recipe_not_on_the_allow_list_is_refused_before_anything_runs(tmp_path: Path) -> None:
    recipes = c2d.builtin_recipes()
    work = tmp_path / "work"
    missing = tmp_path / "no-such-dataset.csv"  # never opened: the allow-list comes first
    with pytest.raises(c2d.RecipeNotAllowedError, match=r"not on the dataset's allow-list"):
        c2d.run_job(missing, recipes["mlp"], {}, allow_list=[recipes["logreg"].hash], workdir=work)
    with pytest.raises(c2d.RecipeNotAllowedError):
        c2d.run_job(missing, recipes["mlp"], {}, allow_list=[], workdir=work)
    assert not work.exists()
    # hashes are accepted as 0x-hex (any case) or 32 raw bytes; malformed ones are errors
    raw = bytes.fromhex(recipes["mlp"].hash[2:])
    assert c2d.check_allow_list(recipes["mlp"], [raw]) == recipes["mlp"].hash
    assert c2d.check_allow_list(recipes["mlp"], [recipes["mlp"].hash.upper()[2:]])
    with pytest.raises(InputError, match="not a recipe hash"):
        c2d.check_allow_list(recipes["mlp"], ["0x1234"])


def test_recipes_and_limits_are_checked() -> None:
    with pytest.raises(NoosphereError, match="not UTF-8"):
        c2d.Recipe("bad", b"\xff\xfe")
    with pytest.raises(NoosphereError, match="1 to"):
        c2d.Recipe("empty", b"")
    with pytest.raises(NoosphereError, match="recipe name"):
        c2d.Recipe("../evil", b"x = 1")
    with pytest.raises(InputError, match="max_memory"):
        c2d.JobLimits(max_memory=0)
    with pytest.raises(InputError, match="max_wall_seconds"):
        c2d.JobLimits(max_wall_seconds=float("nan"))


# --- a real job ---------------------------------------------------------------------------------
def test_a_builtin_recipe_returns_a_model_whose_predictions_match(
    dataset: Path, logreg_job: c2d.JobResult
) -> None:
    import onnxruntime as ort

    result = logreg_job
    assert result.recipe_hash == c2d.builtin_recipes()["logreg"].hash
    assert result.params_hash == c2d.params_hash({"C": 0.5})
    assert result.output_cid == display(import_bytes(result.onnx).cid)
    assert result.dataset_sha256 == "0x" + hashlib.sha256(dataset.read_bytes()).hexdigest()
    assert result.classes == CLASSES and result.label == "label"
    assert result.n_features == N_FEATURES
    assert result.isolation["audit_hook"] is True
    assert result.isolation["rlimits"]["RLIMIT_AS"] == FAST.max_memory

    # the same training, done here, gives the same probabilities
    data = _data.load_labelled(dataset, None, max_bytes=1 << 30, max_rows=10**6)
    train_rows, test_rows = _data.split(
        data.y, _data.split_seed(bytes.fromhex(result.dataset_sha256[2:]), result.params_hash)
    )
    local = train("logreg", data.X[train_rows], data.y[train_rows], seed=result.seed, C=0.5)
    session = ort.InferenceSession(result.onnx, providers=["CPUExecutionProvider"])
    (probabilities,) = session.run(["probabilities"], {"input": data.X})
    np.testing.assert_allclose(probabilities, local.predict_proba(data.X), atol=1e-4)

    metrics = result.metrics
    assert metrics["n_train"] == train_rows.size and metrics["n_test"] == test_rows.size
    assert metrics["n_train"] + metrics["n_test"] == N_ROWS
    assert sum(metrics["test_class_counts"]) == metrics["n_test"]
    predicted = np.argmax(probabilities[test_rows], axis=1)
    assert metrics["accuracy"] == pytest.approx(np.mean(predicted == data.y[test_rows]))
    assert 0.6 < metrics["accuracy"] <= 1.0
    assert json.loads(json.dumps(result.summary()))["output_cid"] == result.output_cid


def test_same_inputs_give_the_same_model_with_or_without_kernel_isolation(
    dataset: Path, logreg_job: c2d.JobResult, workdir: Path
) -> None:
    recipe = c2d.builtin_recipes()["logreg"]
    again = _run(dataset, recipe, workdir, '{"C":0.5}', kernel_isolation=False)
    assert again.onnx == logreg_job.onnx and again.output_cid == logreg_job.output_cid
    assert again.metrics == logreg_job.metrics and again.seed == logreg_job.seed
    # the fallback path: no namespaces, no Landlock, the audit hook alone
    assert again.isolation["netns"] is False and again.isolation["landlock"] == 0
    assert again.isolation["audit_hook"] is True
    assert _leftovers(workdir) == []


@pytest.mark.parametrize("name", ["mlp", "random_forest", "gradient_boosting"])
def test_every_builtin_recipe_trains_in_the_sandbox(
    dataset: Path, workdir: Path, name: str
) -> None:
    result = _run(dataset, c2d.builtin_recipes()[name], workdir)
    assert result.metrics["accuracy"] > 0.5
    assert _leftovers(workdir) == []


def test_bad_params_for_a_builtin_recipe_fail_with_its_message(
    dataset: Path, workdir: Path
) -> None:
    match = "has no parameter 'max_iters'; did you mean 'max_iter'"
    with pytest.raises(c2d.RecipeFailedError, match=match):
        _run(dataset, c2d.builtin_recipes()["logreg"], workdir, {"max_iters": 10})
    assert _leftovers(workdir) == []


# --- hostile recipes ----------------------------------------------------------------------------
HOSTILE: dict[str, tuple[str, type[NoosphereError], str]] = {
    "socket": (
        """
        import socket
        def train(X, y, params, seed):
            socket.create_connection(("127.0.0.1", 9), timeout=1)
        """,
        c2d.SandboxViolationError,
        "network",
    ),
    "socket_caught": (
        """
        import socket
        def train(X, y, params, seed):
            try:
                s = socket.socket()
                s.connect(("127.0.0.1", 9))
            except OSError:
                pass  # the refusal is reported anyway
        """,
        c2d.SandboxViolationError,
        "network",
    ),
    "etc_passwd": (
        """
        def train(X, y, params, seed):
            return open("/etc/passwd").read()
        """,
        c2d.SandboxViolationError,
        "file",
    ),
    "home": (
        """
        import os
        def train(X, y, params, seed):
            return os.listdir(params["home"])
        """,
        c2d.SandboxViolationError,
        "file",
    ),
    "write_outside": (
        """
        def train(X, y, params, seed):
            with open(params["target"], "w") as fh:
                fh.write("escaped")
        """,
        c2d.SandboxViolationError,
        "file",
    ),
    "symlink": (
        """
        import os
        def train(X, y, params, seed):
            os.symlink("/etc/passwd", "passwd")
        """,
        c2d.SandboxViolationError,
        "file",
    ),
    "subprocess": (
        """
        import subprocess
        def train(X, y, params, seed):
            subprocess.run(["id"])
        """,
        c2d.SandboxViolationError,
        "process",
    ),
    "fork_exec": (
        """
        import _posixsubprocess, os
        def train(X, y, params, seed):
            r, w = os.pipe()
            _posixsubprocess.fork_exec(
                [b"/bin/true"], [b"/bin/true"], True, (), None, None, -1, -1, -1, -1, -1, -1,
                r, w, False, False, -1, None, None, None, -1, None, False)
        """,
        c2d.SandboxViolationError,
        "process",
    ),
    "ctypes": (
        """
        import ctypes
        def train(X, y, params, seed):
            ctypes.CDLL("libc.so.6").getpid()
        """,
        c2d.SandboxViolationError,
        "native code",
    ),
    "memory": (
        """
        import numpy as np
        def train(X, y, params, seed):
            return np.ones(4 << 30, dtype=np.uint8)
        """,
        c2d.SandboxResourceError,
        "memory",
    ),
    "busy_loop": (
        """
        def train(X, y, params, seed):
            while True:
                pass
        """,
        c2d.SandboxResourceError,
        "cpu",
    ),
    "sleeps": (
        """
        import time
        def train(X, y, params, seed):
            time.sleep(3600)
        """,
        c2d.SandboxResourceError,
        "wall_clock",
    ),
    "big_file": (
        """
        def train(X, y, params, seed):
            with open("big.bin", "wb") as fh:
                for _ in range(64):
                    fh.write(bytes(1 << 20))
        """,
        c2d.SandboxResourceError,
        "output",
    ),
    "raises": (
        """
        def check(value):
            raise ValueError(f"bad value {value}")

        def train(X, y, params, seed):
            print("starting")
            check(42)
        """,
        c2d.RecipeFailedError,
        "ValueError: bad value 42",
    ),
    "no_train": (
        """
        def fit(X, y):
            pass
        """,
        c2d.RecipeFailedError,
        "defines no train",
    ),
    "not_a_model": (
        """
        def train(X, y, params, seed):
            return 42
        """,
        c2d.RecipeFailedError,
        "cannot export",
    ),
    "knn": (
        """
        from sklearn.neighbors import KNeighborsClassifier
        def train(X, y, params, seed):
            return KNeighborsClassifier(n_neighbors=3).fit(X, y)
        """,
        c2d.RawRowsInOutputError,
        "rows of the dataset verbatim",
    ),
}
_LIMITS = {
    "busy_loop": c2d.JobLimits(max_cpu_seconds=2, max_wall_seconds=30),
    "sleeps": c2d.JobLimits(max_wall_seconds=2),
    "big_file": c2d.JobLimits(max_file_bytes=8 << 20),
}


def _what(error: NoosphereError) -> str:
    if isinstance(error, c2d.SandboxViolationError):
        return error.what
    if isinstance(error, c2d.SandboxResourceError):
        return error.resource
    return str(error)


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_recipe_gets_its_specific_error_and_leaves_nothing_behind(
    dataset: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    source, error, what = HOSTILE[case]
    work, temp = tmp_path / "work", tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))  # where anything else would go
    target = tmp_path / "escaped.txt"
    params = {"home": str(Path.home()), "target": str(target)}
    recipe_file = tmp_path / f"{case}.py"
    recipe_file.write_text(textwrap.dedent(source))
    with pytest.raises(error) as info:
        _run(
            dataset, c2d.Recipe.from_file(recipe_file), work, params, limits=_LIMITS.get(case, FAST)
        )
    assert what in _what(info.value), str(info.value)
    assert _leftovers(work) == [] and _leftovers(temp) == []
    assert not target.exists()
    if case == "raises":
        assert 'File "<recipe raises>", line 3, in check' in str(info.value)
        assert "starting" in info.value.log  # type: ignore[attr-defined]
    if case == "knn":  # every training row is in the model
        data = _data.load_labelled(dataset, None, max_bytes=1 << 30, max_rows=10**6)
        n_train = N_ROWS - sum(min(n - 1, n // 5) for n in np.bincount(data.y))
        assert info.value.n_rows == n_train  # type: ignore[attr-defined]


@pytest.mark.parametrize("case", ["socket", "etc_passwd"])
def test_without_kernel_isolation_the_audit_hook_still_refuses(
    dataset: Path, workdir: Path, case: str
) -> None:
    source, error, what = HOSTILE[case]
    with pytest.raises(error) as info:
        _run(dataset, _recipe(source, case), workdir, {}, kernel_isolation=False)
    assert _what(info.value) == what


_NATIVE = """
import importlib.machinery, importlib.util, os, shutil
def train(X, y, params, seed):
    shutil.copyfile(params["so"], "mine.so")  # any shared library the recipe could write
    loader = importlib.machinery.ExtensionFileLoader("_bisect", os.path.abspath("mine.so"))
    importlib.util.module_from_spec(importlib.util.spec_from_loader("_bisect", loader))
    raise RuntimeError("native code written to the scratch dir was loaded")
"""


def test_native_code_written_to_scratch_cannot_be_loaded(dataset: Path, workdir: Path) -> None:
    import _bisect

    with pytest.raises(c2d.RecipeFailedError) as info:
        _run(dataset, _recipe(_NATIVE, "native"), workdir, {"so": _bisect.__file__})
    if "was loaded" in str(info.value):
        pytest.skip("no mount namespace here: the scratch dir cannot be made noexec")
    assert "failed to map segment" in str(info.value)
    assert _leftovers(workdir) == []


_KERNEL_PROBE = """
import json, os, socket, subprocess, sys, sysconfig
from noosphere.ml.c2d import _kernel
scratch = sys.argv[1]
out = {"netns": _kernel.unshare_network()}
roots = [p for p in sys.path if os.path.isdir(p)] + [sysconfig.get_paths()["stdlib"]]
out["landlock"] = _kernel.landlock(roots + ["/lib", "/lib64", "/usr/lib"], [], [scratch])
def attempt(action):
    try:
        action()
        return "allowed"
    except OSError as exc:
        return exc.__class__.__name__
out["connect"] = attempt(lambda: socket.create_connection(("127.0.0.1", 9), timeout=2))
out["read"] = attempt(lambda: open("/etc/passwd").read())
out["write"] = attempt(lambda: open(os.path.join(scratch, "..", "escaped"), "w"))
out["exec"] = attempt(lambda: subprocess.run(["/bin/true"]))
out["scratch"] = attempt(lambda: open(os.path.join(scratch, "ok"), "w").close())
print(json.dumps(out))
"""


def test_the_kernel_layers_hold_without_the_audit_hook(tmp_path: Path) -> None:
    """Namespaces and Landlock alone (what stands against native code)."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    proc = subprocess.run(
        [sys.executable, "-I", "-c", _KERNEL_PROBE, str(scratch)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    out = json.loads(proc.stdout)
    if not out["netns"] and not out["landlock"]:
        pytest.skip("this kernel allows neither user namespaces nor Landlock")
    assert out["connect"] != "allowed"
    assert out["scratch"] == "allowed"
    assert not (tmp_path / "escaped").exists()
    if out["landlock"]:
        assert out["read"] == out["write"] == out["exec"] == "PermissionError"


# --- the audit-hook policy, without a sandbox --------------------------------------------------
def test_the_policy_resolves_paths_before_deciding(tmp_path: Path) -> None:
    lib, scratch = tmp_path / "lib", tmp_path / "scratch"
    lib.mkdir()
    scratch.mkdir()
    (lib / "mod.py").write_text("x = 1")
    (scratch / "link").symlink_to("/etc/passwd")
    policy = Policy([str(lib)], [str(scratch)])
    assert policy.check("open", (str(lib / "mod.py"), "r", 0)) is None
    assert policy.check("open", (str(scratch / "new.bin"), "wb", 0)) is None
    assert policy.check("open", (str(lib / "mod.py"), "w", 0)) == (
        "file",
        f"open({str(lib / 'mod.py')!r}): write outside the scratch dir",
    )
    assert policy.check("open", (str(scratch / "link"), "r", 0))[0] == "file"  # type: ignore[index]
    assert policy.check("open", (str(scratch / ".." / "lib" / "x"), None, os.O_WRONLY))
    assert policy.check("open", (str(lib), "r", 0))  # a directory descriptor outside scratch
    assert policy.check("open", ("/no/such/file", "r", 0)) is None  # fails by itself
    assert policy.check("open", (3, "r", 0)) is None
    assert policy.check("os.rename", (str(scratch / "a"), str(lib / "a"), None, None))
    assert policy.check("os.listdir", ("/etc",)) == (
        "file",
        "os.listdir('/etc'): read outside the allowed paths",
    )
    assert policy.check("socket.getaddrinfo", ("example.org", 80)) is not None
    assert policy.check("import", ("_posixsubprocess", None)) == (
        "native code",
        "re-import of _posixsubprocess",
    )
    assert policy.check("import", ("json", None)) is None
    assert policy.check("compile", (None, "<x>")) is None


# --- output checks -----------------------------------------------------------------------------
def _model_with(tensors: dict[str, np.ndarray]) -> onnx.ModelProto:
    inits = [numpy_helper.from_array(v, name=k) for k, v in tensors.items()]
    node = helper.make_node("Identity", ["input"], ["output"])
    graph = helper.make_graph(
        [node],
        "g",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [None, 4])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [None, 4])],
        inits,
    )
    return helper.make_model(graph)


def test_find_raw_rows_finds_stored_rows_however_they_are_laid_out() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 4)).astype(np.float32)
    X[7] = 0.0  # a constant row: zero-filled weights would match it, so it is not counted
    model = _model_with(
        {
            "rows": X[[1, 2, 3]],
            "flat": X[[3, 9]].ravel().astype(np.float64),  # float64, stored flat
            "transposed": X[[20, 21, 22, 23, 24]].T.copy(),  # [features, m]
            "zeros": np.zeros((3, 4), np.float32),
            "weights": rng.normal(size=(4, 4)).astype(np.float32),
        }
    )
    count, places = c2d.find_raw_rows(model, X)
    assert count == 9
    assert {p.split("'")[1] for p in places} == {"rows", "flat", "transposed"}
    assert c2d.find_raw_rows(_model_with({"w": rng.normal(size=(8, 4))}), X) == (0, [])
    with pytest.raises(c2d.RawRowsInOutputError, match="9 rows of the dataset verbatim"):
        c2d.check_no_raw_rows(model, X)


def test_an_ordinary_model_holds_no_rows() -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 6)).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    for name in ("logreg", "random_forest"):
        model = onnx.load_from_string(to_onnx(train(name, X, y, seed=0), 6))
        assert c2d.find_raw_rows(model, X) == (0, [])


@pytest.mark.parametrize(
    ("metrics", "match"),
    [
        ({"accuracy": "0.9"}, "aggregate numbers"),
        ({"predictions": [0, 1, 1, 0]}, "more than the 3 classes"),
        ({"accuracy": float("nan")}, "not a finite number"),
        ({"nested": {"a": 1}}, "aggregate numbers"),
        ({"Bad Name": 1}, "lowercase identifier"),
        ({f"m{i}": 1 for i in range(40)}, "at most 32"),
        ({"flag": True}, "aggregate numbers"),
    ],
)
def test_metrics_that_are_not_aggregate_are_refused(metrics: Any, match: str) -> None:
    with pytest.raises(c2d.OutputRefusedError, match=match):
        c2d.check_metrics(metrics, 3)


def test_aggregate_metrics_pass() -> None:
    got = c2d.check_metrics({"accuracy": np.float64(0.5), "counts": [1, 2, 3], "n": 4}, 3)
    assert got == {"accuracy": 0.5, "counts": [1, 2, 3], "n": 4}
    assert type(got["accuracy"]) is float
