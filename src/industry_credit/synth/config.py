"""Configuration of a synthetic population and the per-sector parameters it draws from.

Everything that shapes the population is here so that the committed seed config
(``data/seeds/synth_config.json``) plus this module reproduce a population exactly.
The sector parameters are plausible orders of magnitude for Shanghai's smart-terminal
industry, not estimates from real data.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Final

import numpy as np

from industry_credit.vocabulary import DISTRICTS, SECTORS, STAGES, TECH_ROUTES

# Enterprises are generated in fixed blocks with one random stream per block, so the data do
# not depend on how many blocks are processed (and written) together.
BLOCK_SIZE: Final[int] = 8192

# Population shares of the sectors (sum 1); `other` are firms outside the plan's ten directions.
SECTOR_SHARES: Final[dict[str, float]] = {
    "ai_pc": 0.08,
    "ai_phone": 0.06,
    "compute_terminal": 0.07,
    "robot": 0.12,
    "smart_glasses": 0.05,
    "satellite_terminal": 0.03,
    "silver_economy": 0.05,
    "industrial_terminal": 0.14,
    "future_terminal": 0.02,
    "edge_ai_chip": 0.06,
    "edge_model": 0.08,
    "other": 0.24,
}
DISTRICT_SHARES: Final[dict[str, float]] = {
    "pudong": 0.30,
    "songjiang": 0.12,
    "qingpu": 0.08,
    "lingang": 0.10,
    "other_shanghai": 0.28,
    "outside_shanghai": 0.12,
}
# Frontier sectors: more start-ups, more guidance-fund and VC equity [000 §(二)].
FRONTIER: Final[frozenset[str]] = frozenset(
    {"future_terminal", "edge_ai_chip", "robot", "edge_model", "smart_glasses"}
)
# Core enterprises (链主) are large AI-PC, AI-phone and AI-server makers.
CORE_SECTORS: Final[tuple[str, ...]] = ("ai_pc", "ai_phone", "compute_terminal")
# Consumer terminals carry a market plan (break-even vs capacity and sales plan) [000 §(四)3].
CONSUMER_SECTORS: Final[frozenset[str]] = frozenset(
    {"ai_phone", "ai_pc", "smart_glasses", "silver_economy"}
)
ROBOT_CONSUMER_SHARE: Final[float] = 0.35

STAGE_SHARES_FRONTIER: Final[tuple[float, ...]] = (0.40, 0.35, 0.17, 0.08)
STAGE_SHARES_OTHER: Final[tuple[float, ...]] = (0.18, 0.32, 0.35, 0.15)


@dataclass(frozen=True)
class SectorParams:
    """Per-sector shape of the accounts and the chain; ratios are fractions of revenue."""

    rd_ratio: float  # R&D expense / revenue for a mature firm
    margin: float  # operating margin before R&D for a mature firm
    assets_to_revenue: float  # asset intensity (compute terminals are asset-heavy)
    leverage: float  # typical total liabilities / total assets
    export_prob: float  # share of firms with customs exports
    import_dependence: float  # typical imported share of components bought
    core_buyer_prob: float  # probability that a non-core firm supplies a core enterprise
    tech_life_months: int  # median technology life of the core product
    routes: tuple[float, float, float, float, float]  # x86, arm, risc_v, other, none
    pd_effect: float  # sector effect on the default log-odds


SECTOR_PARAMS: Final[dict[str, SectorParams]] = {
    "ai_pc": SectorParams(
        0.05, 0.14, 0.7, 0.55, 0.45, 0.30, 0.35, 30, (0.6, 0.3, 0.05, 0.05, 0.0), -0.15
    ),
    "ai_phone": SectorParams(
        0.07, 0.15, 0.6, 0.55, 0.50, 0.30, 0.30, 24, (0.0, 0.9, 0.05, 0.05, 0.0), 0.0
    ),
    "compute_terminal": SectorParams(
        0.08, 0.18, 1.6, 0.62, 0.30, 0.40, 0.45, 36, (0.55, 0.3, 0.05, 0.1, 0.0), 0.05
    ),
    "robot": SectorParams(
        0.15, 0.22, 0.9, 0.45, 0.35, 0.25, 0.25, 36, (0.1, 0.6, 0.15, 0.1, 0.05), 0.2
    ),
    "smart_glasses": SectorParams(
        0.14, 0.20, 0.7, 0.50, 0.40, 0.30, 0.20, 18, (0.0, 0.8, 0.1, 0.1, 0.0), 0.25
    ),
    "satellite_terminal": SectorParams(
        0.12, 0.22, 1.4, 0.58, 0.20, 0.20, 0.25, 60, (0.1, 0.5, 0.1, 0.3, 0.0), 0.1
    ),
    "silver_economy": SectorParams(
        0.08, 0.18, 0.7, 0.45, 0.15, 0.10, 0.15, 48, (0.0, 0.6, 0.1, 0.1, 0.2), -0.05
    ),
    "industrial_terminal": SectorParams(
        0.06, 0.16, 0.9, 0.52, 0.25, 0.15, 0.45, 60, (0.3, 0.5, 0.05, 0.1, 0.05), -0.3
    ),
    "future_terminal": SectorParams(
        0.35, 0.30, 1.2, 0.40, 0.10, 0.30, 0.10, 48, (0.0, 0.0, 0.0, 0.8, 0.2), 0.55
    ),
    "edge_ai_chip": SectorParams(
        0.25, 0.30, 0.9, 0.45, 0.35, 0.45, 0.50, 30, (0.15, 0.45, 0.35, 0.05, 0.0), 0.3
    ),
    # Modules and boards: component makers close to the chip houses.
    "module_board": SectorParams(
        0.12, 0.20, 0.8, 0.50, 0.40, 0.40, 0.40, 30, (0.3, 0.45, 0.2, 0.05, 0.0), 0.1
    ),
    "edge_model": SectorParams(
        0.30, 0.35, 0.5, 0.35, 0.10, 0.05, 0.35, 18, (0.0, 0.3, 0.1, 0.1, 0.5), 0.15
    ),
    "other": SectorParams(
        0.03, 0.12, 0.8, 0.55, 0.20, 0.10, 0.20, 48, (0.1, 0.3, 0.0, 0.2, 0.4), 0.0
    ),
}

# Median latest-year revenue (CNY) by true stage; lognormal spread REVENUE_SIGMA.
STAGE_REVENUE: Final[tuple[float, ...]] = (8e6, 6e7, 4e8, 2.5e8)
REVENUE_SIGMA: Final[float] = 1.0
# Age in years by true stage: (low, high) of a uniform draw. Start-ups are at least three years
# old so that every firm has three to five fiscal years of statements.
STAGE_AGE: Final[tuple[tuple[float, float], ...]] = (
    (3.0, 5.5),
    (3.5, 12.0),
    (8.0, 30.0),
    (10.0, 30.0),
)
# Revenue growth by true stage: (mean, sd).
STAGE_GROWTH: Final[tuple[tuple[float, float], ...]] = (
    (0.70, 0.30),
    (0.30, 0.12),
    (0.06, 0.05),
    (-0.15, 0.08),
)


@dataclass(frozen=True)
class SynthConfig:
    """What a population is made from; equal configs give byte-identical Parquet."""

    enterprises: int = 2000
    seed: int = 20261031
    default_rate: float = 0.03
    as_of: str = "2026-10-31"
    # Blocks of BLOCK_SIZE enterprises generated and written together (memory vs speed);
    # the data do not depend on it.
    chunk_blocks: int = 4
    core_share: float = 0.0003
    core_floor: int = 8
    portfolio_share: float = 0.12
    months: int = 24
    sector_shares: dict[str, float] = field(default_factory=lambda: dict(SECTOR_SHARES))
    district_shares: dict[str, float] = field(default_factory=lambda: dict(DISTRICT_SHARES))

    def __post_init__(self) -> None:
        if self.enterprises < 50:
            raise ValueError("a population needs at least 50 enterprises")
        if not 0.001 <= self.default_rate <= 0.5:
            raise ValueError("default_rate must lie in [0.001, 0.5]")
        # A sector the shares do not name gets no firms (a configuration written before the
        # sector existed keeps generating the same population).
        if not set(self.sector_shares) <= set(SECTORS) or set(self.district_shares) != set(
            DISTRICTS
        ):
            raise ValueError("sector and district shares must name codes of the vocabulary")
        if not 18 <= self.months <= 36:
            raise ValueError("months must lie in [18, 36]: trends compare with a year earlier")
        date.fromisoformat(self.as_of)

    @property
    def as_of_date(self) -> date:
        return date.fromisoformat(self.as_of)

    @property
    def n_core(self) -> int:
        """A few hundred core enterprises at a million firms, never fewer than the floor."""
        return int(min(max(round(self.core_share * self.enterprises), self.core_floor), BLOCK_SIZE))

    @property
    def last_fiscal_year(self) -> int:
        """Annual accounts are filed by the end of April of the following year."""
        d = self.as_of_date
        return d.year - 1 if d.month >= 5 else d.year - 2

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> SynthConfig:
        data: dict[str, Any] = json.loads(text)
        return cls(**data)

    @classmethod
    def from_file(cls, path: Path) -> SynthConfig:
        return cls.from_json(path.read_text(encoding="utf-8"))


def shares_array(shares: dict[str, float], codes: tuple[str, ...]) -> np.ndarray:
    """Probabilities in vocabulary order, normalised."""
    p = np.array([shares.get(c, 0.0) for c in codes], dtype=np.float64)
    return np.asarray(p / p.sum())


def sector_table(attr: str) -> np.ndarray:
    """One SectorParams attribute for every sector, indexable by sector code index."""
    return np.array([getattr(SECTOR_PARAMS[s], attr) for s in SECTORS], dtype=np.float64)


def route_table() -> np.ndarray:
    """Cumulative tech-route probabilities per sector, shape (sectors, routes)."""
    p = np.array([SECTOR_PARAMS[s].routes for s in SECTORS], dtype=np.float64)
    return np.cumsum(p / p.sum(axis=1, keepdims=True), axis=1)


def block_rng(seed: int, purpose: int, block: int) -> np.random.Generator:
    """An independent stream per (purpose, block): random access without generating the rest."""
    return np.random.Generator(
        np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(purpose, block)))
    )


# Purposes of the random streams.
STREAM_SKELETON: Final[int] = 1
STREAM_DETAIL: Final[int] = 2
STREAM_LINKS: Final[int] = 3
STREAM_LABEL: Final[int] = 4

SECTOR_INDEX: Final[dict[str, int]] = {s: i for i, s in enumerate(SECTORS)}
DISTRICT_INDEX: Final[dict[str, int]] = {d: i for i, d in enumerate(DISTRICTS)}
STAGE_INDEX: Final[dict[str, int]] = {s: i for i, s in enumerate(STAGES)}
ROUTE_INDEX: Final[dict[str, int]] = {r: i for i, r in enumerate(TECH_ROUTES)}
