"""Ingestion: landing partitions into the raw layer, bad input into quarantine."""
