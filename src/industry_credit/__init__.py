"""industry-credit: credit decisioning for Shanghai's smart-terminal industry."""

__version__ = "0.1.0"
