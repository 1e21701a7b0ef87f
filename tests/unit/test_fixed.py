"""The I32F32 primitives against Python's exact integers (every result must be the floor)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from noosphere.consensus import FRAC_BITS, ONE, from_u16_proportion, to_float, to_u16_proportion
from noosphere.consensus._fixed import (
    div,
    div_le,
    max_upscale_lines,
    mul,
    normalize,
    normalize_lines,
    reciprocal,
    scale_amount,
    top_k_nonzero,
)
from noosphere.consensus._liquid_alpha import fixed_exp

U64 = np.uint64
proportions = st.one_of(st.integers(0, ONE), st.sampled_from([0, 1, ONE - 1, ONE]))


def test_format_constants() -> None:
    assert FRAC_BITS == 32 and ONE == 2**32
    assert to_float(np.array([ONE, ONE // 2, 0], dtype=U64)).tolist() == [1.0, 0.5, 0.0]


def test_from_u16_proportion_is_the_exact_floor_for_every_u16() -> None:
    b = np.arange(65536, dtype=np.uint16)
    expected = [(int(v) << 32) // 65535 for v in b]
    assert from_u16_proportion(b).tolist() == expected
    assert int(from_u16_proportion(65535)) == ONE


@given(st.lists(st.integers(0, (1 << 47) - 1), min_size=1, max_size=50))
def test_to_u16_proportion_floors_and_saturates(values: list[int]) -> None:
    got = to_u16_proportion(np.array(values, dtype=U64)).tolist()
    assert got == [min((v * 65535) >> 32, 65535) for v in values]


def test_u16_round_trip_loses_at_most_one_unit() -> None:
    """Reading a u16 bond as a proportion and storing it again floors twice (as on chain)."""
    b = np.arange(65536, dtype=np.int64)
    back = to_u16_proportion(from_u16_proportion(b.astype(np.uint16))).astype(np.int64)
    assert ((b - back) >= 0).all() and ((b - back) <= 1).all()
    assert back[65535] == 65535 and back[0] == 0


@given(st.lists(st.tuples(st.integers(0, (1 << 63) - 1), proportions), min_size=1, max_size=40))
def test_mul_is_the_floor_of_the_product(pairs: list[tuple[int, int]]) -> None:
    a = np.array([p[0] for p in pairs], dtype=U64)
    b = np.array([p[1] for p in pairs], dtype=U64)
    assert mul(a, b).tolist() == [(x * y) >> 32 for x, y in pairs]


@given(proportions, st.lists(proportions, min_size=1, max_size=20))
def test_mul_broadcasts_a_scalar(a: int, b: list[int]) -> None:
    assert mul(U64(a), np.array(b, dtype=U64)).tolist() == [(a * y) >> 32 for y in b]


@given(st.data())
def test_div_is_the_floor_of_the_quotient(data: st.DataObject) -> None:
    d = data.draw(st.integers(1, (1 << 63) - 1))
    a = data.draw(st.lists(st.integers(0, min((1 << 63) - 1, d * (1 << 30))), max_size=20))
    got = div(np.array(a, dtype=U64), d).tolist()
    assert got == [(x << 32) // d for x in a]


def test_div_by_zero_gives_zero() -> None:
    assert div(np.array([5, 0], dtype=U64), np.array([0, 0], dtype=U64)).tolist() == [0, 0]


@settings(max_examples=300)
@given(st.data())
def test_div_le_is_exact_for_normalising_divisions(data: st.DataObject) -> None:
    d = data.draw(st.one_of(st.integers(1, (1 << 62) - 1), st.sampled_from([1, 2, ONE, 2**40])))
    upper = min(d, ONE)
    a = data.draw(
        st.lists(
            st.one_of(st.integers(0, upper), st.sampled_from([0, upper, max(upper - 1, 0)])),
            min_size=1,
            max_size=30,
        )
    )
    array = np.array(a, dtype=U64)
    expected = [(x << 32) // d for x in a]
    assert div_le(array, np.array([d], dtype=U64)).tolist() == expected
    assert div_le(array, U64(d), inverse=reciprocal(U64(d))).tolist() == expected


@given(st.lists(st.integers(0, 65535), min_size=1, max_size=30), st.integers(0, 2**20))
def test_div_le_on_u16_rows(values: list[int], extra: int) -> None:
    d = sum(values) + extra
    if d == 0:
        return
    got = div_le(np.array(values, dtype=np.uint16), U64(d), a_max=65535).tolist()
    assert got == [(v << 32) // d for v in values]


@given(
    st.lists(
        st.lists(proportions, min_size=3, max_size=3),
        min_size=1,
        max_size=6,
    )
)
def test_line_normalisation_and_upscaling(rows: list[list[int]]) -> None:
    m = np.array(rows, dtype=U64)
    for axis in (0, 1):
        lines = m.T.tolist() if axis == 0 else m.tolist()
        norm = [[(v << 32) // sum(line) if sum(line) else 0 for v in line] for line in lines]
        up = [[(v << 32) // max(line) if max(line) else 0 for v in line] for line in lines]
        got_norm = normalize_lines(m, axis=axis)
        got_up = max_upscale_lines(m, axis=axis)
        if axis == 0:
            got_norm, got_up = got_norm.T, got_up.T
        assert got_norm.tolist() == norm
        assert got_up.tolist() == up


@given(st.lists(st.integers(0, 2**40), max_size=30))
def test_normalize(values: list[int]) -> None:
    total = sum(values)
    expected = values if total == 0 else [(v << 32) // total for v in values]
    assert normalize(np.array(values, dtype=U64)).tolist() == expected


@given(
    st.lists(proportions, min_size=1, max_size=20),
    st.one_of(st.integers(0, 2**64 - 1), st.integers(2**64, 2**100)),
)
def test_scale_amount_is_exact_for_any_amount(shares: list[int], amount: int) -> None:
    got = scale_amount(np.array(shares, dtype=U64), amount)
    assert got == [(x * amount) >> 32 for x in shares]


@given(st.lists(st.integers(0, 5), max_size=12), st.integers(0, 14))
def test_top_k_nonzero_follows_the_stable_ascending_sort(values: list[int], k: int) -> None:
    expected = [v != 0 for v in values]
    if len(values) >= k:
        for i in sorted(range(len(values)), key=lambda i: values[i])[: len(values) - k]:
            expected[i] = False
    assert top_k_nonzero(np.array(values, dtype=U64), k).tolist() == expected


def reference_exp(x: int) -> int:
    """substrate_fixed's exp on I32F32 raw values (30 Taylor terms), 0 on overflow."""
    if x == 0:
        return ONE
    if x == ONE:
        return 22_802_600 << 9
    y = abs(x)
    result, term = y + ONE, y
    for i in range(2, 32):
        term = (term * y) >> 32
        if term >= 1 << 63:
            return 0
        term //= i
        result += term
        if result >= 1 << 63:
            return 0
    return (ONE << 32) // result if x < 0 else result


@settings(max_examples=300)
@given(
    st.lists(
        st.one_of(
            st.integers(-20 * ONE, 20 * ONE),
            st.integers(-200 * ONE, 200 * ONE),
            st.sampled_from([0, ONE, -ONE, 21 * ONE, -22 * ONE, 5 * ONE]),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_fixed_exp_reproduces_substrate_fixed(xs: list[int]) -> None:
    assert fixed_exp(np.array(xs, dtype=np.int64)).tolist() == [reference_exp(x) for x in xs]


def test_fixed_exp_values() -> None:
    got = fixed_exp(np.array([0, ONE, 5 * ONE, -5 * ONE, 40 * ONE], dtype=np.int64))
    values = got.astype(np.float64) / ONE
    assert values[0] == 1.0
    assert values[1] == pytest.approx(np.e, abs=1e-6)
    assert values[2] == pytest.approx(np.exp(5), rel=1e-8)
    assert values[3] == pytest.approx(np.exp(-5), abs=1e-9)
    assert values[4] == 0.0  # overflow: subtensor's safe_exp gives 0


@pytest.mark.parametrize("scale", [2**16, 2**24, ONE])
@pytest.mark.parametrize("seed", range(3))
def test_div_le_on_large_random_matrices(scale: int, seed: int) -> None:
    """Row and column normalisations of 256 x 512 matrices against Python integers."""
    rng = np.random.default_rng(seed)
    m = rng.integers(0, scale, (256, 512), dtype=np.uint64, endpoint=True)
    m[rng.random(m.shape) < 0.2] = 0
    m[0, 0] = scale  # a line where one value is the whole sum
    m[1:, 0] = 0
    exact = m.astype(object) << 32
    for axis in (0, 1):
        sums = m.astype(object).sum(axis=axis, keepdims=True)
        expected = np.where(sums == 0, 0, exact // np.where(sums == 0, 1, sums))
        a_max = scale if scale < ONE else ONE
        assert normalize_lines(m, axis=axis, a_max=a_max).tolist() == expected.tolist()


def test_fixed_exp_fast_path_agrees_up_to_its_bound() -> None:
    """Arguments within ±20 skip the overflow checks; they must not change a bit."""
    rng = np.random.default_rng(1)
    xs = rng.integers(-20 * ONE, 20 * ONE, 400, endpoint=True).tolist()
    xs += [20 * ONE, -20 * ONE, 20 * ONE - 1, 1, -1]
    assert fixed_exp(np.array(xs, dtype=np.int64)).tolist() == [reference_exp(x) for x in xs]
