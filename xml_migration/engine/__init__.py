"""The engine: reads one XML document and maps it to rows with a compiled plan.

Pure Python: imports neither Dagster nor any database driver.
"""
