"""Tools' domain logic, one module per tool, usable from the workbook (origin = exercise id) and
standalone (origin None, once the tool is unlocked). See docs/tools.md."""

from ._common import ToolLockedError, is_unlocked, require_unlocked

__all__ = ["ToolLockedError", "is_unlocked", "require_unlocked"]
