"""Loan applications submitted by relationship managers."""
