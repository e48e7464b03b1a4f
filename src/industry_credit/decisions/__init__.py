"""The decision pipeline and decisions with full provenance."""
