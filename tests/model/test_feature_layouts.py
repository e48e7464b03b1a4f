"""Features do not depend on how the input tables are laid out.

``build_features`` takes shortcuts when child rows arrive grouped by enterprise in the
enterprises' order (no hashing of every row, no sort, the monthly panel transposed instead of
scattered, and worked in blocks of firms). Shuffled tables take the general paths. Both must
give every feature the same bits.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from industry_credit.ml import features, monthly
from industry_credit.ml.data import infer_as_of
from industry_credit.ml.features import build_features as build_table
from industry_credit.ml.frames import INPUT_TABLES, EnterpriseFrames


def build_features(frames: EnterpriseFrames, as_of: object) -> pd.DataFrame:
    return build_table(frames, as_of).to_pandas()  # type: ignore[arg-type]


def _tables(frames: EnterpriseFrames) -> dict[str, pd.DataFrame]:
    return {name: frames.to_pandas(name) for name in INPUT_TABLES}


def _assert_same_bits(expected: pd.DataFrame, actual: pd.DataFrame) -> None:
    assert list(actual.columns) == list(expected.columns)
    assert actual.index.equals(expected.index)
    for col in expected.columns:
        a, b = expected[col], actual[col]
        if isinstance(a.dtype, pd.CategoricalDtype):
            assert a.equals(b), col
            continue
        x = np.asarray(a, dtype=np.float64).view(np.int64)
        y = np.asarray(b, dtype=np.float64).view(np.int64)
        assert np.array_equal(x, y), (col, np.flatnonzero(x != y)[:5])


def _shuffled(frames: EnterpriseFrames, seed: int) -> EnterpriseFrames:
    """Child rows interleaved across firms (every firm's first row, then every second row, ...,
    firms in random order), each firm's own rows kept in their order: sums over a firm's rows
    add in the same order, so only the layout changes."""
    rng = np.random.default_rng(seed)
    tables = {}
    for name, table in _tables(frames).items():
        if name != "enterprises" and len(table):
            firm = table["enterprise_id"]
            rank = pd.Series(rng.permutation(firm.nunique()), index=firm.unique())
            within = table.groupby("enterprise_id").cumcount().to_numpy()
            order = np.lexsort((rank.loc[firm].to_numpy(), within))
            table = table.iloc[order].reset_index(drop=True)
        tables[name] = table
    return EnterpriseFrames.from_pandas(tables)


def _with_gaps(frames: EnterpriseFrames) -> EnterpriseFrames:
    """Some monthly values missing, as a late or partial feed has them."""
    tables = _tables(frames)
    alt = tables["alternative_data_monthly"] = tables["alternative_data_monthly"].copy()
    rng = np.random.default_rng(11)
    for col in ("electricity_kwh", "order_cancellation_rate"):
        alt.loc[rng.random(len(alt)) < 0.05, col] = np.nan
    return EnterpriseFrames.from_pandas(tables)


@pytest.mark.parametrize("gaps", [False, True], ids=["complete", "with-gaps"])
def test_row_order_and_blocks_do_not_change_a_bit(
    population: Path, monkeypatch: pytest.MonkeyPatch, gaps: bool
) -> None:
    frames = EnterpriseFrames.from_parquet_dir(population)
    if gaps:
        frames = _with_gaps(frames)
    as_of = infer_as_of(frames, population)
    one_block = build_features(frames, as_of)
    # A block size that does not divide the population, so the last block is partial.
    monkeypatch.setattr(monthly, "BLOCK_FIRMS", 97)
    blocked = build_features(frames, as_of)
    shuffled = build_features(_shuffled(frames, seed=3), as_of)
    _assert_same_bits(one_block, blocked)
    _assert_same_bits(one_block, shuffled)


def test_two_threads_give_the_same_bits(population: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Large batches build the monthly and loan features on a second thread."""
    frames = EnterpriseFrames.from_parquet_dir(population)
    as_of = infer_as_of(frames, population)
    monkeypatch.setattr(features, "PARALLEL_FIRMS", frames.enterprises.n + 1)
    one_thread = build_features(frames, as_of)
    monkeypatch.setattr(features, "PARALLEL_FIRMS", 1)
    _assert_same_bits(one_thread, build_features(frames, as_of))
    _assert_same_bits(one_thread.iloc[[5]], build_features(_only_firm(frames, 5), as_of))


def _only_firm(frames: EnterpriseFrames, row: int) -> EnterpriseFrames:
    firm = frames.enterprises["id"][row]
    tables = {}
    for name, table in _tables(frames).items():
        column = "id" if name == "enterprises" else "enterprise_id"
        tables[name] = table[table[column] == firm].reset_index(drop=True)
    return EnterpriseFrames.from_pandas(tables)


def test_months_outside_the_window_are_ignored(population: Path) -> None:
    """Rows for the as-of month itself and for months over two years back change nothing,
    whether they sit among a firm's rows (grouped feed) or anywhere (shuffled feed)."""
    frames = EnterpriseFrames.from_parquet_dir(population)
    as_of = infer_as_of(frames, population)
    expected = build_features(frames, as_of)
    tables = _tables(frames)
    alt = tables["alternative_data_monthly"]
    firms = alt["enterprise_id"].drop_duplicates().iloc[:50]
    extra = []
    for months_back in (0, 25):
        rows = alt[alt["enterprise_id"].isin(firms)].drop_duplicates("enterprise_id").copy()
        month = pd.Timestamp(as_of).to_period("M") - months_back
        rows["month"] = pd.Series(month.to_timestamp(), index=rows.index).astype(alt["month"].dtype)
        rows["electricity_kwh"] = 1e12  # would dominate any window it leaked into
        extra.append(rows)
    panel = pd.concat([alt, *extra]).sort_values(["enterprise_id", "month"], kind="stable")
    tables["alternative_data_monthly"] = panel.reset_index(drop=True)
    grouped = EnterpriseFrames.from_pandas(tables)
    _assert_same_bits(expected, build_features(grouped, as_of))
    _assert_same_bits(expected, build_features(_shuffled(grouped, seed=5), as_of))
