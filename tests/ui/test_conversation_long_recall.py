"""A long earlier list quoted beside a question is cut to its first lines, saying how many more."""

from __future__ import annotations

from typing import Any

from dreamtree_desktop.context import UserContext
from dreamtree_desktop.tools import stories
from tests.ui.test_conversation import answer_until, open_page
from ui.conversation.flow import RECALL_LINES
from ui.conversation.page import ConversationPage


def test_a_recalled_list_of_many_stories_is_quoted_in_part(qtbot: Any, onboarded: UserContext,
                                                          services: Any) -> None:
    answer_until(onboarded, "2.5.1.assessment")
    extra = 30
    for n in range(RECALL_LINES + extra):
        stories.create(onboarded, {"title": f"Story number {n}", "situation": "At work"})
    page: ConversationPage = open_page(qtbot, services)
    page.show_exercise("2.5.1")
    quoted = [m for m in page.messages if m.kind == "recall" and m.exercise_id == "2.5.1"]
    assert quoted, "the stories are recalled beside the question"
    lines = quoted[0].text.split("\n")
    assert len(lines) == RECALL_LINES + 1
    assert "Story number 0" in quoted[0].text
    assert lines[-1].startswith("… and ") and lines[-1].endswith("more lines")
    # nothing is lost: every story is still there in the tool
    assert len(services.worker.call_sync(stories.list_)) >= RECALL_LINES + extra
