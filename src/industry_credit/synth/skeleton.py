"""The skeleton: what every enterprise must know about every other one.

Supply links point across the whole population, so before any block is generated in detail
we draw, for all N firms, the few attributes a counterparty needs: sector, district, true
lifecycle stage, size, code, name, core flag, and the core enterprise each firm supplies.
That is O(N) memory of about 100 bytes a firm; everything else is generated block by block.

Core enterprises (链主) are ids 1..n_core: the largest AI-PC, AI-phone and AI-server makers.
Each non-core firm supplies a core enterprise with a sector-dependent probability, the core
chosen by Zipf weights over its rank, so a few cores have thousands of suppliers (heavy tail).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from industry_credit import numerics as nm
from industry_credit.synth.config import (
    BLOCK_SIZE,
    CORE_SECTORS,
    FRONTIER,
    REVENUE_SIGMA,
    SECTOR_INDEX,
    STAGE_REVENUE,
    STAGE_SHARES_FRONTIER,
    STAGE_SHARES_OTHER,
    STREAM_SKELETON,
    SynthConfig,
    block_rng,
    sector_table,
    shares_array,
)
from industry_credit.synth.identity import company_names, uscc_codes
from industry_credit.vocabulary import DISTRICTS, SECTORS

ZIPF_EXPONENT = 1.1


@dataclass
class Skeleton:
    n: int
    n_core: int
    sector: np.ndarray  # int8, index into SECTORS
    district: np.ndarray  # int8, index into DISTRICTS
    stage: np.ndarray  # int8, true stage, index into STAGES
    log_revenue: np.ndarray  # float64, latest-year revenue scale (log CNY)
    is_core: np.ndarray  # bool
    core_buyer: np.ndarray  # int64 id of the core enterprise supplied, 0 for none
    core_share: np.ndarray  # float64 share of sales to that core buyer
    uscc: pa.Array
    name: pa.Array
    attach_cdf: np.ndarray  # cumulative preferential-attachment weights over ids 1..n

    def pick_counterparties(self, u: np.ndarray) -> np.ndarray:
        """Ids drawn with probability proportional to size (preferential attachment)."""
        return np.asarray(
            np.searchsorted(self.attach_cdf, u * self.attach_cdf[-1], side="right") + 1
        )

    def block_slice(self, block: int) -> slice:
        return slice(block * BLOCK_SIZE, min((block + 1) * BLOCK_SIZE, self.n))


def n_blocks(n: int) -> int:
    return (n + BLOCK_SIZE - 1) // BLOCK_SIZE


def _stage_draw(rng: np.random.Generator, sector: np.ndarray) -> np.ndarray:
    frontier = np.isin(sector, [SECTOR_INDEX[s] for s in FRONTIER])
    u = rng.random(len(sector))
    cdf_f = np.cumsum(STAGE_SHARES_FRONTIER)
    cdf_o = np.cumsum(STAGE_SHARES_OTHER)
    stage = np.where(
        frontier, np.searchsorted(cdf_f, u, side="right"), np.searchsorted(cdf_o, u, side="right")
    )
    return np.minimum(stage, 3).astype(np.int8)


def build_skeleton(cfg: SynthConfig) -> Skeleton:
    """Draw the skeleton block by block (one stream per block, so chunking cannot change it)."""
    n, n_core = cfg.enterprises, cfg.n_core
    sector_p = shares_array(cfg.sector_shares, SECTORS)
    district_p = shares_array(cfg.district_shares, DISTRICTS)
    core_prob = sector_table("core_buyer_prob")
    zipf = np.arange(1, n_core + 1, dtype=np.float64) ** -ZIPF_EXPONENT
    zipf_cdf = np.cumsum(zipf / zipf.sum())

    parts: dict[str, list[np.ndarray]] = {
        k: [] for k in ("sector", "district", "stage", "logrev", "core_buyer", "core_share")
    }
    names: list[pa.Array] = []
    codes: list[pa.Array] = []
    for b in range(n_blocks(n)):
        rng = block_rng(cfg.seed, STREAM_SKELETON, b)
        ids = np.arange(b * BLOCK_SIZE + 1, min((b + 1) * BLOCK_SIZE, n) + 1, dtype=np.int64)
        m = len(ids)
        sector = rng.choice(len(SECTORS), size=m, p=sector_p).astype(np.int8)
        district = rng.choice(len(DISTRICTS), size=m, p=district_p).astype(np.int8)
        stage = _stage_draw(rng, sector)
        logrev = nm.log(np.asarray(STAGE_REVENUE)[stage]) + REVENUE_SIGMA * rng.standard_normal(m)
        supplies = rng.random(m) < core_prob[sector]
        core_buyer = np.searchsorted(zipf_cdf, rng.random(m), side="right") + 1
        core_share = 0.10 + 0.55 * rng.beta(2.0, 3.0, size=m)
        core = ids <= n_core
        if core.any():
            # Core enterprises: big mature makers, revenue falling with rank (id).
            k = int(core.sum())
            sector[core] = np.array([SECTOR_INDEX[s] for s in CORE_SECTORS], dtype=np.int8)[
                rng.integers(0, len(CORE_SECTORS), size=k)
            ]
            stage[core] = 2
            rank = ids[core].astype(np.float64)
            logrev[core] = nm.log(8e10) - 0.9 * nm.log(rank) + 0.2 * rng.standard_normal(k)
            district[core] = rng.choice(4, size=k)  # key districts only
        # Core enterprises have no core buyer: contagion flows from cores to their suppliers.
        core_buyer = np.where(supplies & ~core, core_buyer, 0)
        large = logrev > nm.log(1e9)
        names.append(company_names(rng, sector.astype(np.int64), district.astype(np.int64), large))
        # Codes per block keep the (n, 18) digit matrix small; they depend on id and district only.
        codes.append(uscc_codes(ids, district.astype(np.int64), cfg.seed))
        for key, arr in (
            ("sector", sector),
            ("district", district),
            ("stage", stage),
            ("logrev", logrev),
            ("core_buyer", core_buyer),
            ("core_share", np.where(core_buyer > 0, core_share, 0.0)),
        ):
            parts[key].append(arr)

    ids_all = np.arange(1, n + 1, dtype=np.int64)
    district_all = np.concatenate(parts["district"])
    logrev_all = np.concatenate(parts["logrev"])
    weight = nm.exp(0.8 * (logrev_all - logrev_all.max()))
    is_core = ids_all <= n_core
    # Cores attract many more ordinary trade links than their size alone implies.
    weight = np.where(is_core, weight * 5.0, weight)
    return Skeleton(
        n=n,
        n_core=n_core,
        sector=np.concatenate(parts["sector"]),
        district=district_all,
        stage=np.concatenate(parts["stage"]),
        log_revenue=logrev_all,
        is_core=is_core,
        core_buyer=np.concatenate(parts["core_buyer"]).astype(np.int64),
        core_share=np.concatenate(parts["core_share"]),
        uscc=pa.concat_arrays(codes),
        name=pa.concat_arrays(names),
        attach_cdf=np.cumsum(weight),
    )
