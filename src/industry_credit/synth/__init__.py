"""Synthetic population of Shanghai smart-terminal enterprises with a known ground-truth PD.

Public API (the package itself imports nothing, so ``industry-credit`` starts fast)::

    synth.config.SynthConfig(enterprises=2000, seed=20261031, default_rate=0.03,
                             as_of="2026-10-31", chunk_blocks=4, ...)
    synth.generate.generate(cfg, out_dir) -> Population     # Parquet per table + manifest
    synth.load.load_population(out_dir, database_url) -> LoadReport   # COPY, one transaction
    synth.documents.application_documents(out_dir, ids=None, limit=None) -> list[dict]
    synth.truth.true_pd(drivers, intercept, noise=None), logit_without_intercept, DRIVER_DOCS

How it is made (details in each module's docstring and docs/synthetic.md):

1. ``skeleton``: for all N firms, sector, district, true lifecycle stage, size, code, name and
   the core enterprise each supplies (Zipf over the cores' rank). Cores are ids 1..n_core.
2. ``firms`` + ``activity`` + ``network`` + ``extras``, block by block (8192 firms, one random
   stream per block): latent health h and deterioration d drive the statements, 24 months of
   alternative data (Chinese New Year dip, Q4 peak, slides before default), the firm's supply
   links, IP, policy support, green data, market plans and the loan request.
3. ``truth``: the PD is a logistic function of *drivers* computed from those tables (leverage,
   liquidity, profitability, cash-flow coverage, growth, delivery, buyers' payment record,
   concentration, the firm's own paying, activity trends, downtime and cancellation jumps,
   subsidy dependence, import dependence, market plan, compliance, guidance funds, sector,
   technology route, and contagion from distressed core buyers) plus N(0, 0.3) unobserved
   noise; the intercept is calibrated by bisection to the target default rate and
   ``defaulted_12m`` is drawn from the PD. ``true_pd`` is the oracle: training never reads it.
"""
