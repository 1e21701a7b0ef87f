"""The vectorised epoch against a scalar reference written straight from subtensor's code.

The reference below uses Python integers and loops, one function per subtensor function
(``weighted_median`` with its mid-pivot partitioning, ``mat_ema_alpha``, ``alpha_sigmoid`` with
``substrate_fixed``'s Taylor ``exp``...), with I32F32 semantics: multiply floors, divide
truncates. Hypothesis draws small subnets of every shape; the two must agree bit for bit.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import noosphere.consensus._columns as columns
from noosphere.consensus import EpochInputs, Hyperparameters, run_epoch

ONE = 1 << 32
I64_MAX = (1 << 63) - 1
E_FIXED = 22_802_600 << 9


# --- I32F32 arithmetic -----------------------------------------------------------------------
def fmul(a: int, b: int) -> int:
    return (a * b) >> 32


def fdiv(a: int, b: int) -> int:
    if b == 0:
        return 0
    q = abs(a << 32) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def normalize(xs: list[int]) -> list[int]:
    s = sum(xs)
    return list(xs) if s == 0 else [fdiv(x, s) for x in xs]


def col_normalize(m: list[list[int]]) -> list[list[int]]:
    if not m:
        return m
    sums = [sum(col) for col in zip(*m, strict=True)]
    return [[fdiv(v, s) if s else v for v, s in zip(row, sums, strict=True)] for row in m]


def u16_proportion(b: int) -> int:
    return fdiv(b << 32, 65535 << 32)


def to_u16(x: int) -> int:
    return max(0, min(65535, (x * 65535) >> 32))


def weighted_median(stake: list[int], score: list[int], minority: int, total: int) -> int:
    """subtensor's iterative mid-pivot search, partition by partition."""
    part, lo, hi = list(range(len(stake))), 0, total
    for _ in range(len(stake) + 1):
        if not part:
            return 0
        if len(part) == 1:
            return score[part[0]]
        pivot = score[part[len(part) // 2]]
        lower = [i for i in part if score[i] < pivot]
        upper = [i for i in part if score[i] > pivot]
        lo_stake = sum(stake[i] for i in lower)
        hi_stake = sum(stake[i] for i in upper)
        if minority < lo + lo_stake and lower:
            part, hi = lower, lo + lo_stake
        elif hi - hi_stake <= minority and upper:
            part, lo = upper, hi - hi_stake
        else:
            return pivot
    return 0


def weighted_median_col(stake: list[int], w: list[list[int]], kappa: int) -> list[int]:
    voters = [i for i, s in enumerate(stake) if s > 0]
    if not voters:
        return [0] * (len(w[0]) if w else 0)
    use = normalize([stake[i] for i in voters])
    total = sum(use)
    return [
        weighted_median(use, [w[i][j] for i in voters], total - kappa, total)
        for j in range(len(w[0]))
    ]


def fixed_exp(x: int) -> int:
    if x == 0:
        return ONE
    if x == ONE:
        return E_FIXED
    y = -x if x < 0 else x
    result, term = y + ONE, y
    for i in range(2, 32):
        term = fmul(term, y)
        if term > I64_MAX:
            return 0
        term = term // i
        result += term
        if result > I64_MAX:
            return 0
    return fdiv(ONE, result) if x < 0 else result


def alpha_sigmoid(c: int, w: int, b: int, low: int, high: int, steepness: int) -> int:
    diff = max(0, min(ONE, w - c)) if w >= b else max(0, min(ONE, b - w))
    slope = fdiv(steepness << 32, -100 << 32)
    e = fixed_exp(fmul(slope, diff - ONE // 2))
    sigmoid = fdiv(ONE, min(ONE + e, I64_MAX))
    return max(low, min(high, low + fmul(sigmoid, high - low)))


# --- the epoch ---------------------------------------------------------------------------------
def reference_epoch(case: dict[str, Any], hp: Hyperparameters) -> dict[str, Any]:
    stake_in, n = case["stake"], len(case["stake"])
    lu, reg, permit = case["last_update"], case["block_at_registration"], case["permit"]
    block, tempo = case["current_block"], case["tempo"]
    inactive = [u + hp.activity_cutoff < block for u in lu]
    filtered = [0 if s < hp.stake_threshold else s for s in stake_in]
    total = sum(filtered)
    stake = [((s << 64) // total) >> 32 if total else 0 for s in filtered]
    permit_new = [s != 0 for s in stake]
    if n >= hp.max_allowed_validators:
        for i in sorted(range(n), key=lambda i: stake[i])[: n - hp.max_allowed_validators]:
            permit_new[i] = False
    active = normalize([0 if inactive[i] or not permit[i] else stake[i] for i in range(n)])

    w = [[v << 32 for v in row] for row in case["weights"]]
    for i in range(n):
        for j in range(n):
            if not permit[i] or (i == j and i != hp.owner_uid) or lu[i] <= reg[j]:
                w[i][j] = 0
        s = sum(w[i])
        if s > 0:
            w[i] = [fdiv(v, s) for v in w[i]]
    consensus = weighted_median_col(active, w, u16_proportion(hp.kappa))
    clipped = [[min(v, c) for v, c in zip(row, consensus, strict=True)] for row in w]
    trust = [sum(row) for row in clipped]
    ranks = [sum(fmul(active[i], clipped[i][j]) for i in range(n)) for j in range(n)]
    incentive = normalize(ranks)
    beta = u16_proportion(hp.bonds_penalty)
    if beta == 0:
        wb = w
    elif beta == ONE:
        wb = clipped
    else:
        wb = [
            [v1 + fmul(beta, v2 - v1) for v1, v2 in zip(r1, r2, strict=True)]
            for r1, r2 in zip(w, clipped, strict=True)
        ]
    last_tempo = max(block - tempo, 0)
    recent = [last_tempo <= r for r in reg]
    rate = ONE - (((hp.bonds_moving_average << 64) // 1_000_000) >> 32)

    def ema(new: list[list[int]], old: list[list[int]]) -> list[list[int]]:
        return [
            [fmul(rate, a) + fmul(ONE - rate, b) for a, b in zip(ra, rb, strict=True)]
            for ra, rb in zip(new, old, strict=True)
        ]

    if hp.yuma_version == 3:
        bonds = [
            [0 if recent[j] else u16_proportion(b) for j, b in enumerate(row)]
            for row in case["bonds"]
        ]
        if hp.liquid_alpha_enabled and any(consensus):
            low, high = u16_proportion(hp.alpha_low), u16_proportion(hp.alpha_high)
            ema_b = []
            for i in range(n):
                row = []
                for j in range(n):
                    a = alpha_sigmoid(
                        consensus[j], wb[i][j], bonds[i][j], low, high, hp.alpha_sigmoid_steepness
                    )
                    decayed = fmul(ONE - a, bonds[i][j])
                    row.append(min(decayed + max(fmul(a, wb[i][j]), 0), ONE))
                ema_b.append(row)
        else:
            ema_b = ema(wb, bonds)
        norm = col_normalize(ema_b)
        held = [sum(fmul(norm[i][j], incentive[j]) for j in range(n)) for i in range(n)]
        dividends = normalize([fmul(held[i], active[i]) for i in range(n)])
        stored = [[to_u16(v) for v in row] for row in ema_b]
    else:
        bonds = col_normalize(
            [[0 if recent[j] else b << 32 for j, b in enumerate(row)] for row in case["bonds"]]
        )
        delta = col_normalize([[fmul(active[i], v) for v in wb[i]] for i in range(n)])
        ema_b = col_normalize(ema(delta, bonds))
        dividends = normalize(
            [sum(fmul(ema_b[i][j], incentive[j]) for j in range(n)) for i in range(n)]
        )
        maxima = [max(col) for col in zip(*ema_b, strict=True)]
        stored = [
            [to_u16(fdiv(v, m) if m else v) for v, m in zip(row, maxima, strict=True)]
            for row in ema_b
        ]
    combined = sum(incentive) + sum(dividends)
    if combined:
        server = [fdiv(x, combined) for x in incentive]
        validator = [fdiv(x, combined) for x in dividends]
    else:
        server, validator = incentive, (active if any(active) else stake)
    out_bonds = []
    for i in range(n):
        if permit_new[i]:
            out_bonds.append(stored[i])
        elif permit[i]:
            out_bonds.append([0] * n)
        else:
            out_bonds.append(list(case["bonds"][i]))
    emission = case["emission"]
    return {
        "consensus": consensus,
        "incentive": incentive,
        "dividends": dividends,
        "validator_trust": trust,
        "bonds": out_bonds,
        "validator_permit": permit_new,
        "miner_emission": [(x * emission) >> 32 for x in server],
        "validator_emission": [(x * emission) >> 32 for x in validator],
    }


# --- cases -----------------------------------------------------------------------------------
@st.composite
def cases(draw: st.DrawFn, max_n: int = 7) -> tuple[dict[str, Any], Hyperparameters]:
    n = draw(st.integers(1, max_n))
    block = draw(st.integers(0, 30))

    def u16_matrix(density: float) -> list[list[int]]:
        cell = st.one_of(st.just(0), st.integers(1, 65535), st.just(65535))
        rows = draw(st.lists(st.lists(cell, min_size=n, max_size=n), min_size=n, max_size=n))
        keep = draw(st.floats(0, 1)) < density
        return rows if keep else [[0] * n for _ in range(n)]

    stake_value = st.one_of(st.just(0), st.integers(1, 100), st.integers(1, 10**15))
    case = {
        "stake": draw(st.lists(stake_value, min_size=n, max_size=n)),
        "weights": u16_matrix(0.9),
        "bonds": u16_matrix(0.7),
        "last_update": draw(st.lists(st.integers(block // 2, block + 2), min_size=n, max_size=n)),
        "block_at_registration": draw(
            st.lists(
                st.one_of(st.integers(0, block // 3), st.integers(0, block)), min_size=n, max_size=n
            )
        ),
        "permit": draw(
            st.lists(st.sampled_from([True, True, True, False]), min_size=n, max_size=n)
        ),
        "current_block": block,
        "tempo": draw(st.integers(0, 10)),
        "emission": draw(st.one_of(st.just(10**9), st.integers(0, 2**64 - 1))),
    }
    low = draw(st.integers(0, 65535))
    hp = Hyperparameters(
        kappa=draw(st.one_of(st.just(32767), st.integers(0, 65535))),
        bonds_penalty=draw(st.one_of(st.sampled_from([0, 65535]), st.integers(0, 65535))),
        bonds_moving_average=draw(st.one_of(st.just(900_000), st.integers(0, 1_000_000))),
        liquid_alpha_enabled=draw(st.booleans()),
        alpha_low=low,
        alpha_high=draw(st.integers(low, 65535)),
        alpha_sigmoid_steepness=draw(
            st.one_of(st.just(1000), st.integers(-5000, 5000), st.integers(-32768, 32767))
        ),
        max_allowed_validators=draw(st.integers(0, n + 1)),
        activity_cutoff=draw(st.integers(0, 20)),
        yuma_version=draw(st.sampled_from([2, 3])),
        stake_threshold=draw(st.one_of(st.just(0), st.integers(0, 50))),
        owner_uid=draw(st.one_of(st.none(), st.integers(0, n - 1))),
    )
    return case, hp


def to_inputs(case: dict[str, Any], hp: Hyperparameters) -> EpochInputs:
    return EpochInputs(
        stake=np.array(case["stake"], dtype=np.uint64),
        weights=np.array(case["weights"], dtype=np.uint16),
        bonds=np.array(case["bonds"], dtype=np.uint16),
        last_update=np.array(case["last_update"], dtype=np.uint64),
        block_at_registration=np.array(case["block_at_registration"], dtype=np.uint64),
        validator_permit=np.array(case["permit"], dtype=np.bool_),
        current_block=case["current_block"],
        tempo=case["tempo"],
        emission=case["emission"],
        hyperparameters=hp,
    )


def assert_same(case: dict[str, Any], hp: Hyperparameters) -> None:
    expected = reference_epoch(case, hp)
    result = run_epoch(to_inputs(case, hp))
    for name in ("consensus", "incentive", "dividends", "validator_trust"):
        assert getattr(result, name).tolist() == expected[name], name
    assert result.bonds.tolist() == expected["bonds"]
    assert result.validator_permit.tolist() == expected["validator_permit"]
    assert list(result.miner_emission) == expected["miner_emission"]
    assert list(result.validator_emission) == expected["validator_emission"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_matches_scalar_reference(drawn: tuple[dict[str, Any], Hyperparameters]) -> None:
    assert_same(*drawn)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("yuma_version", [2, 3])
def test_matches_reference_across_many_small_blocks(
    seed: int, yuma_version: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bigger subnet cut into many column blocks gives the reference's bits."""
    monkeypatch.setattr(columns, "BLOCK_CELLS", 37)
    monkeypatch.setattr(columns, "SMALL_BLOCK_CELLS", 37)
    rng = np.random.default_rng(seed)
    n, validators = 24, 6
    weights = rng.integers(0, 65536, (n, n))
    weights[validators:] = 0
    weights[rng.random((n, n)) < 0.3] = 0
    bonds = rng.integers(0, 65536, (n, n))
    bonds[validators:] = 0
    case = {
        "stake": [int(s) for s in rng.integers(0, 10**12, n) * (np.arange(n) < validators + 2)],
        "weights": weights.tolist(),
        "bonds": bonds.tolist(),
        "last_update": rng.integers(5, 12, n).tolist(),
        "block_at_registration": rng.integers(0, 10, n).tolist(),
        "permit": (np.arange(n) < validators).tolist(),
        "current_block": 12,
        "tempo": 3,
        "emission": 10**9,
    }
    for liquid in (False, True):
        hp = Hyperparameters(
            yuma_version=yuma_version,
            liquid_alpha_enabled=liquid,
            max_allowed_validators=validators,
            bonds_penalty=int(rng.integers(0, 65536)),
        )
        assert_same(case, hp)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_kappa_quantiles_match_weighted_median(data: st.DataObject) -> None:
    """Both sort paths (uint32 keys for small scores, int64 keys otherwise, and a mix)."""
    from noosphere.consensus._quantile import Vote, kappa_quantiles

    voters = data.draw(st.integers(1, 9))
    uids = data.draw(st.integers(1, 6))
    score = st.one_of(
        st.integers(0, 2**20), st.integers(0, ONE), st.sampled_from([0, ONE, ONE // 2])
    )
    scores = data.draw(
        st.lists(st.lists(score, min_size=uids, max_size=uids), min_size=voters, max_size=voters)
    )
    stake = data.draw(st.lists(st.integers(1, ONE), min_size=voters, max_size=voters))
    kappa = data.draw(st.one_of(st.integers(0, ONE), st.just(u16_proportion(32767))))
    vote = Vote.of(np.array(stake, dtype=np.uint64), kappa)
    got = kappa_quantiles(vote, np.array(scores, dtype=np.uint64)).tolist()
    assert got == weighted_median_col(stake, scores, kappa)
