"""Synthetic population of Shanghai smart-terminal enterprises with a known ground-truth PD."""
