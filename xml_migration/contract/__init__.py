"""The mapping contract: model, validation, expression language and compilation to a plan.

Pure Python: imports neither Dagster nor any database driver.
"""
