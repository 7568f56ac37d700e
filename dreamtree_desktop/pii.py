"""Which stored fields are personal (docs/security.md, "Personal fields") and so held as encrypted envelopes."""

from __future__ import annotations

# Always encrypted, whatever wrote them.
PII_COLUMNS: dict[str, frozenset[str]] = {
    "user_budget": frozenset(
        {"monthly_expenses", "annual_needs", "hourly_batna", "benefits_needed", "notes", "expense_lines"}
    ),
    "user_contacts": frozenset({"name", "title", "relationship_status", "notes", "linkedin_url"}),
    "user_settings": frozenset({"location"}),
}
# Encrypted when the prompt that wrote them is PII (module 1.4 "Love"): user_responses.response_text
# and user_list_items.content of lists such prompts own.
PROMPT_PII_COLUMNS: dict[str, str] = {"user_responses": "response_text", "user_list_items": "content"}

# What a PII field holds after a password reset made it unrecoverable.
LOST_MARKER = '{"v":1,"lost":true}'


def is_pii_column(table: str, column: str) -> bool:
    return column in PII_COLUMNS.get(table, ())
