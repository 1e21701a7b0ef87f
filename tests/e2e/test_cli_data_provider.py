"""``noos data download|compute|jobs|register-key`` against the session's anvil and a real provider
node, as users run them: a buyer downloads an order's plaintext, trains an allow-listed recipe on it
(compute-to-data) and saves the job's model and signed receipt; and the bad inputs, each one clear
line that sends nothing.

The ``world`` fixture (wallets, protocol, in-process provider node) is reused from test_cli_data.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.e2e import test_cli_data
from tests.e2e.test_cli_data import CSV, World

world = test_cli_data.world  # the fixture, shared

pytestmark = pytest.mark.anvil


# The label column under a name the sandbox would also find by itself.
LABELLED = CSV.replace(",species\n", ",label\n", 1)


def _publish(w: World, text: str = LABELLED, label: str = "label") -> None:
    path = w.files / "iris.csv"
    path.write_text(text)
    out = w.ok("data", "publish", str(path), "--title", "Iris petals", "--price", "1",
               "--label", label, "--allow-recipe", "logreg", "--endpoint", w.endpoint,
               "--from", "owner", "--yes")  # fmt: skip
    assert "published dataset 1" in out and "key registered with the provider" in out
    ordered = w.ok("data", "order", "1", "--buy", "--from", "buyer", "--yes")
    assert "order 1 started on dataset 1" in ordered


def test_download_compute_and_fetch_the_receipt(world: World) -> None:
    w = world
    _publish(w)
    got = w.files / "got.csv"
    out = w.ok("data", "download", "1", "-o", str(got), "--from", "buyer")
    assert f"downloaded dataset 1 ({len(LABELLED.encode()):,} bytes" in out
    assert got.read_bytes() == LABELLED.encode()

    model = w.files / "model.onnx"
    out = w.ok("data", "compute", "1", "--recipe", "logreg", "--wait", "-o", str(model),
               "--from", "buyer")  # fmt: skip
    match = re.search(r"job (\S+) queued at", out)
    assert match, out
    job_id = match.group(1)
    assert "done" in out and "model saved to" in out
    assert model.is_file() and model.stat().st_size > 0

    receipt = w.files / "r.json"
    out = w.ok("data", "jobs", job_id, "--receipt", str(receipt), "--from", "buyer")
    assert "receipt saved to" in out and "verified" in out
    record = json.loads(receipt.read_text())
    assert record  # a signed receipt, written atomically


def test_bad_inputs_are_one_clear_line(world: World) -> None:
    w = world
    _publish(w)
    out = str(w.files / "x.csv")
    w.refused(("data", "download", "7", "-o", out, "--from", "buyer"), "no order 7")
    w.refused(("data", "download", "1", "-o", out, "--from", "admin"),
              "HTTP 403", "order 1 is not yours")  # fmt: skip
    assert not (w.files / "x.csv").exists()
    # the error names the recipe by hash only, not as the user typed it ("random_forest")
    w.refused(("data", "compute", "1", "--recipe", "random_forest", "--from", "buyer"),
              "is not on the allow-list of dataset 1", "nothing was run")  # fmt: skip
    assert not (w.home / "c2d-jobs.json").exists()  # no job remembered
    unknown = "0" * 32
    w.refused(
        ("data", "jobs", unknown, "--from", "buyer"), f"job {unknown} was not started from here"
    )
    w.refused(("data", "jobs", unknown, "--endpoint", w.endpoint, "--from", "buyer"), unknown)
    w.refused(("data", "jobs", "nosuchjob", "--endpoint", w.endpoint, "--from", "buyer"),
              "a job id is 32 lower-case hex digits")  # fmt: skip
    w.refused(("data", "register-key", "9", "--from", "owner"), "no dataset 9")
    w.refused(("data", "download", "abc", "-o", out, "--from", "buyer"), "'abc' is not a number")


def test_compute_trains_on_the_published_label(world: World) -> None:
    w = world
    _publish(w, CSV, "species")
    out = w.ok("data", "compute", "1", "--recipe", "logreg", "--wait", "--from", "buyer")
    assert "done" in out
