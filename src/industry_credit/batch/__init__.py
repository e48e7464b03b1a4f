"""Nightly portfolio rescoring (issue 8): ``industry-credit rescore --as-of YYYY-MM-DD``.

Modules: ``scope`` (who is rescored, the as-of cut-off, the chunk plan), ``reader`` (COPY out
per chunk into frames), ``compute`` (the pure per-chunk function), ``contagion`` (supply-chain
propagation and clusters), ``store`` (COPY in, upsert, checkpoints), ``runner`` (lock, resume,
phases), ``report``/``report_html`` (the run report) and ``cli`` (the typer command).
"""
