"""Printing tables in the terminal."""

from __future__ import annotations

import pandas as pd


def print_table(table: pd.DataFrame) -> None:
    with pd.option_context("display.max_rows", None, "display.max_columns", None, "display.width", 200,
                           "display.max_colwidth", 60):
        print(table.to_string(index=False))
