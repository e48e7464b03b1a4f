"""Drawdown holds placed by the nightly circuit breaker and lifted by risk officers."""
