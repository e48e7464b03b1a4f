"""Same config => same bytes; chunking does not change the data; another seed changes it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pyarrow.parquet as pq

from industry_credit.config import PROJECT_ROOT
from industry_credit.synth.config import SynthConfig
from industry_credit.synth.generate import MANIFEST, generate
from industry_credit.synth.tables import ALL_TABLES

CFG = SynthConfig(enterprises=17_000, seed=123, chunk_blocks=1)


def _files(d: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(d.iterdir())}


def test_same_seed_same_bytes_and_chunking_is_invisible(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate(CFG, a)
    generate(CFG, b)
    assert _files(a) == _files(b)
    assert set(_files(a)) >= {f"{t}.parquet" for t in ALL_TABLES} | {MANIFEST}
    generate(replace(CFG, chunk_blocks=3), c)
    for t in ALL_TABLES:
        assert pq.read_table(a / f"{t}.parquet").equals(pq.read_table(c / f"{t}.parquet")), t


def test_different_seed_different_data(tmp_path: Path) -> None:
    small = replace(CFG, enterprises=600)
    generate(small, tmp_path / "a")
    generate(replace(small, seed=124), tmp_path / "b")
    for t in ("enterprises", "financial_statements", "alternative_data_monthly"):
        assert not pq.read_table(tmp_path / "a" / f"{t}.parquet").equals(
            pq.read_table(tmp_path / "b" / f"{t}.parquet")
        ), t


def test_committed_seed_population_is_reproducible(tmp_path: Path) -> None:
    """data/seeds/population is exactly what data/seeds/synth_config.json generates."""
    seeds = PROJECT_ROOT / "data" / "seeds"
    generate(SynthConfig.from_file(seeds / "synth_config.json"), tmp_path)
    assert _files(tmp_path) == _files(seeds / "population")
    assert sum(len(b) for b in _files(tmp_path).values()) < 3_000_000
