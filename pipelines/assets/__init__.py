"""Dagster assets, one module per stage: ingest, transform (dbt), quality, report."""
