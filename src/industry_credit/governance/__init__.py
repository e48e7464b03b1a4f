"""Model governance: outcomes backtesting, champion/challenger comparison and their reports."""
