"""The database layer: dialects, DDL, source reader, loaders, processing log, integrity checks.

Knows nothing of Dagster.
"""
