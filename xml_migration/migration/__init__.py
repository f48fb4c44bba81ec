"""Migration runs: read source documents, map them with the engine, load them with the db layer.

Used alike by the CLI and the Dagster assets; knows nothing of Dagster.
"""
