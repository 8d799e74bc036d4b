"""Cells written as what they are: a text value stays text in every workbook the tool writes.

openpyxl decides a cell's type from the value: a string beginning with "=" becomes a formula
(`=HYPERLINK(…)` would then be live in Excel, and the export would not import back), and a
string equal to an error code ("#N/A", "#REF!") becomes an error value. A catalogue value is
never either: it is written as a string cell, whatever its first character.
"""
from __future__ import annotations


def as_text(cell) -> None:
    """Make a cell holding a str a string cell (shared string), never a formula or an error."""
    if isinstance(cell.value, str) and cell.data_type != "s":
        cell.data_type = "s"


def append(ws, values) -> None:
    """ws.append(values), with every str value kept as text."""
    ws.append(values)
    if any(isinstance(v, str) and (v.startswith("=") or v.startswith("#")) for v in values):
        for cell in ws[ws.max_row]:
            as_text(cell)
