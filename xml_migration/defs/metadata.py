"""Metadata values shown in the Dagster UI: tables of counts and frames, charts as images."""

import dagster as dg
import pandas as pd

from xml_migration.bench.charts import markdown_image


def count_table(name: str, counts: dict[str, int]) -> dg.TableMetadataValue:
    """A two-column table of counts by name, in name order."""
    return dg.MetadataValue.table(
        records=[dg.TableRecord({name: key, "count": counts[key]}) for key in sorted(counts)],
        schema=dg.TableSchema(
            columns=[dg.TableColumn(name, "string"), dg.TableColumn("count", "int")]
        ),
    )


def _column_type(series: pd.Series) -> str:
    if pd.api.types.is_integer_dtype(series):
        return "int"
    if pd.api.types.is_float_dtype(series):
        return "float"
    return "string"


def frame_table(frame: pd.DataFrame, digits: int = 1) -> dg.TableMetadataValue:
    """`frame` as a table, floats rounded to `digits` decimals."""
    types = {name: _column_type(frame[name]) for name in frame.columns}
    records = [
        dg.TableRecord(
            {
                str(name): round(float(value), digits)
                if types[name] == "float"
                else (int(value) if types[name] == "int" else str(value))
                for name, value in row.items()
            }
        )
        for row in frame.to_dict(orient="records")
    ]
    return dg.MetadataValue.table(
        records=records,
        schema=dg.TableSchema(columns=[dg.TableColumn(str(n), t) for n, t in types.items()]),
    )


def chart(png: bytes, description: str) -> dg.MarkdownMetadataValue:
    """A chart shown inline in the metadata panel, with its description beneath."""
    return dg.MetadataValue.md(f"{markdown_image(png, description)}\n\n{description}")
