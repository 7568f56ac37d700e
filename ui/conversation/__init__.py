"""The workbook conversation: guide messages, the user's answers and the composer below them."""

from . import _refguard  # noqa: F401  (see _refguard: must run before heavy Qt use)
