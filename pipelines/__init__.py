"""Dagster code location for the Resolution 57 monitoring warehouse."""
