"""Dagster definitions, one module per concern; assembled in `xml_migration.definitions`."""
