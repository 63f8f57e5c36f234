"""DCMS Desktop: dental clinic management for the front desk, the chair and the office."""

__version__ = "0.1.0"
