"""Enterprises and the data that arrives about them."""
