"""The rulebook: the one place where every rule about user data lives.

fields.py checks single values; records.py holds the rule of each column of each user table
and of each kind of record; settings.py the settings row. Every door that writes user data
uses them: the tool modules, the answer engine, both import formats and sync.
"""

from __future__ import annotations

from .fields import record_id
from .records import COLUMNS, check_column, check_columns, check_record, check_tree, check_tree_edges
from .settings import check_settings

__all__ = [
    "COLUMNS",
    "check_column",
    "check_columns",
    "check_record",
    "check_settings",
    "check_tree",
    "check_tree_edges",
    "record_id",
]
