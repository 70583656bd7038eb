"""Ingestion: discover agency files, archive their bytes, parse them against a contract, load or quarantine."""
