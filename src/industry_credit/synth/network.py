"""The supply graph: each block's own links to buyers and suppliers anywhere in the population.

``role`` is what the counterparty is to the enterprise. A firm's rows are:

* its core buyer (from the skeleton) with the skeleton's share of sales;
* ordinary buyers and suppliers drawn by size-weighted preferential attachment (a heavy-tailed
  in-degree: big firms and core enterprises are everybody's counterparty);
* for a core enterprise, its largest assigned suppliers (up to ``CORE_SUPPLIER_ROWS``).

Shares of buyers sum to at most 1 (a share of the firm's sales) and so do shares of suppliers
(a share of its purchases). On a buyer row, ``on_time_delivery_rate`` is the firm's delivery
to that buyer (worse with low health and deterioration) and ``avg_payment_days`` is how long the
buyer takes to pay (for a core buyer, the core's own payment record). On a supplier row, the
days are how long the firm takes to pay its supplier (longer when it slides) and
``imported_component_share`` the imported share of what it buys there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from industry_credit import numerics as nm
from industry_credit.synth.firms import Firms
from industry_credit.synth.skeleton import Skeleton

CORE_SUPPLIER_ROWS = 300
BUYER, SUPPLIER = 0, 1


@dataclass
class CoreState:
    """What suppliers see of core enterprises: payment record and distress (log-odds)."""

    pay_days: np.ndarray  # index by core id; [0] unused
    logit: np.ndarray  # own default log-odds of each core; [0] unused
    reference: float  # the median core log-odds: contagion is distress relative to it

    def distress(self, core_id: np.ndarray) -> np.ndarray:
        return np.asarray(self.logit[core_id] - self.reference)


def core_pay_days(rng: np.random.Generator, health: np.ndarray) -> np.ndarray:
    """Days a core enterprise takes to pay suppliers: longer for weaker cores."""
    return np.clip(55.0 - 14.0 * health + 8.0 * rng.standard_normal(len(health)), 15.0, 240.0)


def _dirichlet_split(rng: np.random.Generator, owner: np.ndarray, total: np.ndarray) -> np.ndarray:
    """Split ``total[owner]`` among each owner's rows with flat Dirichlet weights."""
    w = rng.gamma(1.0, size=len(owner))
    sums = np.bincount(owner, weights=w, minlength=len(total))
    return np.asarray(w / np.where(sums[owner] > 0, sums[owner], 1.0) * total[owner])


def draw_links(
    rng: np.random.Generator, f: Firms, sk: Skeleton, core: CoreState
) -> dict[str, np.ndarray]:
    """Link rows of the block's firms as arrays (counterparty ids; codes are looked up later)."""
    n = len(f.ids)
    local = np.arange(n)
    h, d = f.health, f.deterioration
    cb = sk.core_buyer[f.ids - 1]
    has_core = cb > 0
    cshare = sk.core_share[f.ids - 1]

    # Buyers: core buyer first, then random ones (at least one buyer in all).
    k_b = rng.poisson(np.where(f.is_core, 4.0, 1.2)) + (~has_core)
    owner_b = np.repeat(local, k_b)
    cp_b = sk.pick_counterparties(rng.random(len(owner_b)))
    total_b = np.clip(0.35 + 0.6 * rng.random(n), cshare + 0.05, 0.98) - cshare
    total_b = np.where(f.is_core, 0.3 + 0.4 * rng.random(n), total_b)
    share_b = _dirichlet_split(rng, owner_b, total_b)
    owner_b = np.concatenate([local[has_core], owner_b])
    cp_b = np.concatenate([cb[has_core], cp_b])
    share_b = np.concatenate([cshare[has_core], share_b])

    # Suppliers: random ones for everybody, plus a core's largest assigned suppliers.
    k_s = 1 + rng.poisson(1.5, size=n)
    owner_s = np.repeat(local, k_s)
    cp_s = sk.pick_counterparties(rng.random(len(owner_s)))
    total_s = np.where(f.is_core, 0.1 + 0.2 * rng.random(n), 0.3 + 0.6 * rng.random(n))
    share_s = _dirichlet_split(rng, owner_s, total_s)
    if f.is_core.any():
        o2, c2, s2 = _core_supplier_rows(f, sk)
        owner_s = np.concatenate([o2, owner_s])
        cp_s = np.concatenate([c2, cp_s])
        share_s = np.concatenate([s2, share_s])

    owner = np.concatenate([owner_b, owner_s])
    cp = np.concatenate([cp_b, cp_s]).astype(np.int64)
    role = np.concatenate([np.full(len(owner_b), BUYER), np.full(len(owner_s), SUPPLIER)])
    share = np.concatenate([share_b, share_s])
    eid = f.ids[owner]
    # Drop self links and repeated (enterprise, counterparty, role), keeping the first row.
    key = (eid * (sk.n + 1) + cp) * 2 + role
    keep = cp != eid
    _, first = np.unique(key, return_index=True)
    unique_mask = np.zeros(len(key), dtype=bool)
    unique_mask[first] = True
    keep &= unique_mask
    owner, cp, role, share, eid = owner[keep], cp[keep], role[keep], share[keep], eid[keep]
    m = len(owner)
    buyer = role == BUYER

    otd_firm = np.clip(0.975 + 0.012 * h - 0.08 * d, 0.5, 1.0)[owner]
    otd = np.where(
        buyer, otd_firm + 0.006 * rng.standard_normal(m), 0.96 + 0.02 * rng.standard_normal(m)
    )
    cp_is_core = sk.is_core[cp - 1]
    buyer_days = np.where(
        cp_is_core,
        core.pay_days[np.where(cp_is_core, cp, 0)] + 4.0 * rng.standard_normal(m),
        60.0 + 18.0 * rng.standard_normal(m),
    )
    own_days = 45.0 + 45.0 * d[owner] - 5.0 * h[owner] + 8.0 * rng.standard_normal(m)
    days = np.where(buyer, buyer_days, own_days)
    imported = np.where(
        buyer, 0.0, f.import_dependence[owner] * nm.exp(0.3 * rng.standard_normal(m))
    )
    return {
        "owner": owner,
        "enterprise_id": eid,
        "counterparty_id": cp,
        "role": role,
        "is_core_enterprise": cp_is_core,
        "share": np.round(np.clip(share, 0.0, 1.0), 6),
        "on_time_delivery_rate": np.round(np.clip(otd, 0.0, 1.0), 6),
        "avg_payment_days": np.clip(np.round(days), 0, 720).astype(np.int64),
        "imported_component_share": np.round(np.clip(imported, 0.0, 1.0), 6),
    }


def _core_supplier_rows(f: Firms, sk: Skeleton) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each core in the block, its largest suppliers, sharing 60% of its purchases."""
    suppliers = np.flatnonzero(sk.core_buyer > 0)
    core_of = sk.core_buyer[suppliers]
    # Sort by (core, size descending) and keep the top rows of each core.
    order = np.lexsort((-sk.log_revenue[suppliers], core_of))
    suppliers, core_of = suppliers[order], core_of[order]
    starts = np.searchsorted(core_of, core_of, side="left")
    rank = np.arange(len(core_of)) - starts
    top = rank < CORE_SUPPLIER_ROWS
    in_block = np.isin(core_of, f.ids[f.is_core])
    sel = top & in_block
    sup_ids = suppliers[sel] + 1
    cores = core_of[sel]
    owner = np.searchsorted(f.ids, cores)
    w = nm.exp(sk.log_revenue[sup_ids - 1] - sk.log_revenue.max())
    sums = np.bincount(owner, weights=w, minlength=len(f.ids))
    return owner, sup_ids, 0.6 * w / sums[owner]
