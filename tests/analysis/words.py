"""The layers' explanations as the pages show them: the codes and numbers of explain_<layer> rendered by
objectivity.analysis.wording (a test of the words reads them, a test of the numbers reads the codes)."""

import polars as pl

from objectivity.analysis.wording import explanation


def in_words(frame: pl.DataFrame) -> pl.DataFrame:
    """`frame` with every explain_<layer> column in words ("" stays "")."""
    columns = [c for c in frame.columns if c.startswith("explain_")]
    return frame.with_columns(pl.col(c).map_elements(explanation, return_dtype=pl.String) for c in columns)
