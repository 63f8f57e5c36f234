"""Reusable Qt widgets, independent of patients and databases."""
