"""The conversation thread: transitions, blocks with citations, answers, celebrations."""

from __future__ import annotations

import re


def test_fresh_thread_shows_only_the_first_exercise(wb):
    content = wb.content
    messages = wb.thread()
    assert [(m.kind, m.content_type) for m in messages[:2]] == [
        ("transition", "part"),
        ("transition", "module"),
    ]
    assert messages[0].text == content.parts[0].transition
    assert messages[1].text == content.modules["1.1"].transition
    assert {m.exercise_id for m in messages} == {"1.1.1"}
    assert [m.text for m in messages[2:]] == [b.text for b in content.by_id["1.1.1"].blocks]
    assert not any(m.kind in ("answer", "celebration") for m in messages)
    everything = wb.thread(limit_to_accessible=False)
    assert {m.exercise_id for m in everything} == {ex.id for ex in content.exercises}


def test_citations_follow_the_numbers_in_the_text(wb):
    refs = wb.content.references
    seen = 0
    for m in wb.thread(limit_to_accessible=False):
        numbers = sorted({int(n) for n in re.findall(r"\[(\d+)\]", m.text)} & set(refs))
        assert sorted(c.number for c in m.citations) == numbers
        for c in m.citations:
            assert c.short == refs[c.number].short and c.full == refs[c.number].full
        seen += len(m.citations)
    assert seen > 10


def test_answers_follow_their_prompts_and_celebrations_follow_completion(walker):
    wb = walker.wb
    walker.answer_through("1.1.4")
    messages = wb.thread()
    assert messages[-1].exercise_id == "1.1.5"
    assert not any(m.kind == "celebration" for m in messages)
    answers = {m.prompt_id: m for m in messages if m.kind == "answer"}
    assert answers["1.1.1.experiences"].text == "3 experiences"
    assert answers["1.1.2.skills"].text == "10 skills"
    assert answers["1.1.4.soft-skills-rank"].text.splitlines()[0] == "1. 1.1.4.soft-skills item 5"
    assert answers["1.1.4.personality"].input_type == "tool"
    walker.answer_exercise("1.1.5")
    messages = wb.thread()
    kinds = [(m.kind, m.content_type, m.exercise_id) for m in messages]
    celebration = kinds.index(("celebration", "module", "1.1.5"))
    assert messages[celebration].text == wb.content.modules["1.1"].celebration
    # The next module's transition comes after the celebration.
    assert kinds[celebration + 1] == ("transition", "module", "1.2.1")


def test_private_answers_render_decrypted(walker):
    walker.answer_through("1.3.2")
    walker.wb.answer("1.4.1.who", "Grandad and his allotment")
    texts = [m.text for m in walker.wb.thread() if m.kind == "answer" and m.prompt_id == "1.4.1.who"]
    assert texts == ["Grandad and his allotment"]
