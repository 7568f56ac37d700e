"""The workbook conversation: guide messages, the user's answers and the composer below them."""

from .. import _refguard  # noqa: F401
