"""Generate a population and write it as Parquet, one file per table.

Memory: the skeleton is O(N) (~100 bytes a firm) plus ~60 bytes a firm of enterprise columns
kept until the PD intercept is calibrated over the whole population; everything else is built
and written ``chunk_blocks`` blocks at a time. Same config => byte-identical files: the writer
options are fixed, nothing time-dependent is written, and every random draw comes from a stream
keyed by (seed, purpose, block).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from industry_credit.synth.activity import month_starts
from industry_credit.synth.blocks import Block, generate_block
from industry_credit.synth.config import BLOCK_SIZE, STREAM_LABEL, SynthConfig, block_rng
from industry_credit.synth.network import CoreState
from industry_credit.synth.skeleton import Skeleton, build_skeleton, n_blocks
from industry_credit.synth.tables import ALL_TABLES, SCHEMAS
from industry_credit.synth.truth import calibrate_intercept, sigmoid
from industry_credit.vocabulary import DISTRICTS, SECTORS, STAGES, TECH_ROUTES

MANIFEST = "manifest.json"
CONFIG_FILE = "synth_config.json"
_EPOCH = date(1970, 1, 1)


@dataclass
class Population:
    """What ``generate`` did: where, how many rows, the calibration and the time it took."""

    out_dir: Path
    rows: dict[str, int]
    intercept: float
    mean_pd: float
    default_rate: float
    seconds: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)


def parquet_writer(path: Path, schema: pa.Schema) -> pq.ParquetWriter:
    # Fixed options: the bytes depend on the data and the pyarrow version only.
    return pq.ParquetWriter(
        path,
        schema,
        compression="zstd",
        compression_level=3,
        use_dictionary=True,
        write_statistics=True,
        version="2.6",
        data_page_version="1.0",
    )


@dataclass
class _EnterpriseParts:
    founded_days: list[np.ndarray] = field(default_factory=list)
    employees: list[np.ndarray] = field(default_factory=list)
    declared: list[np.ndarray] = field(default_factory=list)
    route: list[np.ndarray] = field(default_factory=list)
    life: list[np.ndarray] = field(default_factory=list)
    sme: list[np.ndarray] = field(default_factory=list)
    giant: list[np.ndarray] = field(default_factory=list)
    portfolio: list[np.ndarray] = field(default_factory=list)
    exposure: list[np.ndarray] = field(default_factory=list)
    logit: list[np.ndarray] = field(default_factory=list)

    def add(self, block: Block) -> None:
        f = block.firms
        self.founded_days.append(f.founded_days.astype(np.int32))
        self.employees.append(f.employees.astype(np.int32))
        self.declared.append(f.declared_stage.astype(np.int8))
        self.route.append(f.tech_route.astype(np.int8))
        self.life.append(f.tech_life.astype(np.int16))
        self.sme.append(f.specialized_sme)
        self.giant.append(f.little_giant)
        self.portfolio.append(f.in_portfolio)
        self.exposure.append(f.exposure)
        self.logit.append(block.logit)


def generate(cfg: SynthConfig, out_dir: Path) -> Population:
    """Write ``<table>.parquet`` for every table, the config and a manifest into ``out_dir``."""
    started = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    sk = build_skeleton(cfg)
    months = month_starts(cfg.as_of_date, cfg.months)
    writers = {
        t: parquet_writer(out_dir / f"{t}.parquet", SCHEMAS[t])
        for t in ALL_TABLES
        if t != "enterprises"
    }
    rows = dict.fromkeys(ALL_TABLES, 0)
    parts = _EnterpriseParts()
    core: CoreState | None = None
    statement_id = link_id = 1
    blocks = n_blocks(cfg.enterprises)
    try:
        for start in range(0, blocks, cfg.chunk_blocks):
            pending: dict[str, list[pa.Table]] = {t: [] for t in writers}
            for b in range(start, min(start + cfg.chunk_blocks, blocks)):
                block, core = generate_block(cfg, sk, b, months, core, statement_id, link_id)
                statement_id += block.tables["financial_statements"].num_rows
                link_id += block.tables["supply_links"].num_rows
                parts.add(block)
                for t, table in block.tables.items():
                    pending[t].append(table)
            for t, tables in pending.items():
                table = pa.concat_tables(tables)
                writers[t].write_table(table)
                rows[t] += table.num_rows
    finally:
        for w in writers.values():
            w.close()

    logit = np.concatenate(parts.logit)
    intercept = calibrate_intercept(logit, cfg.default_rate)
    pd_ = sigmoid(logit + intercept)
    u = np.concatenate(
        [
            block_rng(cfg.seed, STREAM_LABEL, b).random(
                sk.block_slice(b).stop - sk.block_slice(b).start
            )
            for b in range(blocks)
        ]
    )
    defaulted = u < pd_
    _write_enterprises(cfg, sk, parts, pd_, defaulted, out_dir / "enterprises.parquet")
    rows["enterprises"] = cfg.enterprises
    (out_dir / CONFIG_FILE).write_text(cfg.to_json(), encoding="utf-8")
    population = Population(
        out_dir=out_dir,
        rows=rows,
        intercept=round(intercept, 6),
        mean_pd=round(float(pd_.mean()), 6),
        default_rate=round(float(defaulted.mean()), 6),
    )
    manifest = {
        "config": json.loads(cfg.to_json()),
        "rows": rows,
        "intercept": population.intercept,
        "mean_true_pd": population.mean_pd,
        "realised_default_rate": population.default_rate,
        "core_enterprises": sk.n_core,
    }
    (out_dir / MANIFEST).write_text(
        json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    population.seconds = time.perf_counter() - started
    return population


def _codes(vocab: tuple[str, ...], index: np.ndarray) -> pa.Array:
    return pa.array(vocab).take(pa.array(index.astype(np.int64)))


def _write_enterprises(
    cfg: SynthConfig,
    sk: Skeleton,
    parts: _EnterpriseParts,
    pd_: np.ndarray,
    defaulted: np.ndarray,
    path: Path,
) -> None:
    declared = np.concatenate(parts.declared).astype(np.int64)
    stage = pc.if_else(
        pa.array(declared >= 0),
        _codes(STAGES, np.maximum(declared, 0)),
        pa.nulls(len(declared), pa.string()),
    )
    columns = {
        "id": pa.array(np.arange(1, cfg.enterprises + 1, dtype=np.int64)),
        "uscc": sk.uscc,
        "name": sk.name,
        "sector": _codes(SECTORS, sk.sector),
        "district": _codes(DISTRICTS, sk.district),
        "founded_on": pa.array(np.concatenate(parts.founded_days), type=pa.int32()).cast(
            pa.date32()
        ),
        "employees": pa.array(np.concatenate(parts.employees), type=pa.int32()),
        "declared_stage": stage,
        "tech_route": _codes(TECH_ROUTES, np.concatenate(parts.route)),
        "core_product_tech_life_months": pa.array(np.concatenate(parts.life), type=pa.int16()),
        "specialized_sme": pa.array(np.concatenate(parts.sme)),
        "little_giant": pa.array(np.concatenate(parts.giant)),
        "is_core_enterprise": pa.array(sk.is_core),
        "in_portfolio": pa.array(np.concatenate(parts.portfolio)),
        "exposure": pa.array(np.concatenate(parts.exposure)),
        "true_pd": pa.array(pd_),
        "defaulted_12m": pa.array(defaulted),
    }
    schema = SCHEMAS["enterprises"]
    table = pa.Table.from_arrays([columns[f.name] for f in schema], schema=schema)
    with parquet_writer(path, schema) as w:
        step = cfg.chunk_blocks * BLOCK_SIZE
        for start in range(0, table.num_rows, step):
            w.write_table(table.slice(start, step))
