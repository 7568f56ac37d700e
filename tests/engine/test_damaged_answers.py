"""A personal answer whose seal no longer opens: the conversation still shows every other answer
and marks that one with the core's text, and answering again does not write over it (Doctor
restores it or sets it aside first)."""

from __future__ import annotations

import base64
import json

import pytest

from dreamtree_desktop.context import UNREADABLE_TEXT
from dreamtree_desktop.errors import UserInputError

PROMPT = "1.4.1.who"  # module 1.4: sealed


def _damage(ctx, row_id: str) -> str:
    stored = ctx.db.scalar("SELECT response_text FROM user_responses WHERE id = ?", (row_id,))
    body = json.loads(stored)
    raw = bytearray(base64.b64decode(body["ciphertext"]))
    raw[3] ^= 0x10
    body["ciphertext"] = base64.b64encode(bytes(raw)).decode()
    damaged = json.dumps(body)
    with ctx.db.transaction():
        ctx.db.execute("UPDATE user_responses SET response_text = ? WHERE id = ?", (damaged, row_id))
    return damaged


def test_the_thread_marks_the_damaged_answer_and_shows_the_rest(walker, ctx):
    walker.answer_through("1.4.2")
    row_id = ctx.db.scalar("SELECT id FROM user_responses WHERE prompt_id = ?", (PROMPT,))
    damaged = _damage(ctx, row_id)
    answers = {m.prompt_id: m.text for m in walker.wb.thread() if m.kind == "answer"}
    assert answers[PROMPT] == UNREADABLE_TEXT
    others = [text for pid, text in answers.items() if pid != PROMPT and pid.startswith("1.4.")]
    assert others and UNREADABLE_TEXT not in others

    with pytest.raises(UserInputError, match="could not be opened, so it was not changed") as refused:
        walker.wb.answer(PROMPT, "a new answer typed over it")
    assert refused.value.exit_code == 2 and "Doctor" in str(refused.value)
    assert ctx.db.scalar("SELECT response_text FROM user_responses WHERE id = ?", (row_id,)) == damaged
    # Another personal answer still saves.
    walker.wb.answer("1.4.2.giving", "Sorting donations on Saturdays.")
    assert walker.wb.answer_of("1.4.2.giving") == "Sorting donations on Saturdays."
