"""Which stored fields are personal (docs/security.md, "Personal fields") and so held as encrypted envelopes."""

from __future__ import annotations

# Always encrypted, whatever wrote them. The edited resume holds the person's email, phone and
# address, so it is sealed whole.
PII_COLUMNS: dict[str, frozenset[str]] = {
    "user_budget": frozenset(
        {"monthly_expenses", "annual_needs", "hourly_batna", "benefits_needed", "notes", "expense_lines"}
    ),
    "user_contacts": frozenset({"name", "title", "relationship_status", "notes", "linkedin_url"}),
    "user_profile": frozenset({"resume_json"}),
    # The personal fields of an unsaved edit, sealed together (dreamtree_desktop/drafts.py).
    "edit_drafts": frozenset({"sealed_fields"}),
}
# Encrypted when the prompt that wrote them is PII: user_responses.response_text and
# user_list_items.content of lists such prompts own.
PROMPT_PII_COLUMNS: dict[str, str] = {"user_responses": "response_text", "user_list_items": "content"}

# The app_meta key a migration leaves when stored values became personal and wait to be sealed
# (portability/sealing.py seals them at the next open with the key).
SEAL_FLAG = "seal_personal_fields"

# Prompts outside module 1.4 ("Love", personal throughout) whose answers name real people or
# say things about them, or hold places lived and money figures. Reviewed against every prompt
# of the workbook; the content loader marks these is_pii, keyed by prompt id.
PERSONAL_PROMPTS: frozenset[str] = frozenset(
    {
        "1.2.1.past-places",  # the places the person has lived
        "1.2.3.best-people",  # people they loved working with, described
        "2.4.3.first-step",  # who they could ask about an unknown
        "3.3.2.heard",  # a conversation and what the other person did
        "3.4.2.intro-request",  # a note to someone they know, naming the people to meet
        "3.4.2.first",  # the one person to talk to first, and why
        "3.5.2.draft",  # an outreach message to a named person
        "3.5.2.follow-up",  # the follow-up to that person
        "3.5.3.learned",  # what someone told them in a meeting
        "3.5.3.next",  # who they were told to talk to next
        "3.5.4.keep-in-touch",  # people to thank or keep in touch with
        "3.5.4.first-note",  # a note to one person on that list
        "3.5.5.offer-criteria",  # the walk-away pay figure
    }
)

# The schema step (PRAGMA user_version) that made each prompt above personal. A backup or a cloud
# copy written before that step holds the answer in plain text; the rulebook accepts it there and
# the import or sync seals it (portability/personal.py, plain_accepted). Prompts not listed here
# (module 1.4) were personal from the first schema: a plain answer to them is always refused.
_SEALED_IN_STEP_8 = frozenset({"2.4.3.first-step", "3.5.3.learned"})
PERSONAL_SINCE: dict[str, int] = {
    prompt: 8 if prompt in _SEALED_IN_STEP_8 else 5 for prompt in PERSONAL_PROMPTS
}

# What a PII field holds after a password reset made it unrecoverable.
LOST_MARKER = '{"v":1,"lost":true}'


def is_pii_column(table: str, column: str) -> bool:
    return column in PII_COLUMNS.get(table, ())


def is_personal_prompt(prompt_id: str) -> bool:
    return prompt_id in PERSONAL_PROMPTS
