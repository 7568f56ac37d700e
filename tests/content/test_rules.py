"""`dreamtree content check` holds the workbook to the promises its text makes: each rule fails
on a seed copy that breaks it, naming the file and the prompt."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from dreamtree_cli import run_dreamtree

from dreamtree_desktop.assets import seed_data_dir
from dreamtree_desktop.content.rules import check_all, part_figures
from dreamtree_desktop.content.validate import SeedValidationError, load_seed

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def seed_copy(tmp_path: Path) -> Path:
    target = tmp_path / "seed"
    shutil.copytree(seed_data_dir(), target)
    return target


def _edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count))


def _check(seed: Path) -> subprocess.CompletedProcess[str]:
    return run_dreamtree("content", "check", "--seed-dir", str(seed))


def test_bundled_workbook_keeps_its_promises() -> None:
    assert [str(p) for p in check_all(load_seed(seed_data_dir()))] == []


def test_cli_prints_words_per_exercise_per_part_and_skill_counts() -> None:
    result = run_dreamtree("content", "check", "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    out = json.loads(result.stdout)
    assert sorted(out["parts"]) == ["1", "2", "3"]
    assert all(p["words_per_exercise"] > 0 for p in out["parts"].values())
    counts = out["counts"]
    assert counts["skills"] == sum(counts[f"skills_{k}"] for k in ("transferable", "self_management", "knowledge"))
    assert counts["recall_links"] >= 47 and counts["later_prompts"] >= 5 and counts["optional_prompts"] >= 11
    text = run_dreamtree("content", "check").stdout
    assert "words/exercise" in text and "skills transferable" in text and "recall links" in text


def test_a_promise_to_skip_needs_optional_prompts(seed_copy: Path) -> None:
    _edit(seed_copy / "workbook/1.4.toml", "max_length = 3000, optional = true", "max_length = 3000")
    result = _check(seed_copy)
    assert result.returncode == 2
    assert "workbook/1.4.toml: 1.4.1.who: the module transition promises skipping" in result.stdout


def test_a_block_promising_a_skip_covers_its_exercise(seed_copy: Path) -> None:
    _edit(seed_copy / "workbook/2.1.toml", '  type = "instruction"\n  text = """',
          '  type = "instruction"\n  text = """You can skip this one if it does not apply. ')
    problems = [str(p) for p in check_all(load_seed(seed_copy))]
    assert problems and all("promises skipping" in p and "workbook/2.1.toml: 2.1.1." in p for p in problems)


def test_a_prompt_waiting_for_a_meeting_must_be_set_aside(seed_copy: Path) -> None:
    _edit(seed_copy / "workbook/3.5.toml", "max_length = 2000, later = true", "max_length = 2000")
    result = _check(seed_copy)
    assert result.returncode == 2
    assert '3.5.3.learned: the prompt waits for something to happen first ("After a meeting")' in result.stdout


def test_set_aside_prompts_come_last_in_their_exercise(seed_copy: Path) -> None:
    _edit(seed_copy / "workbook/3.5.toml", "max_length = 1500, later = true", "max_length = 1500", count=2)
    _edit(seed_copy / "workbook/3.5.toml", "max_length = 1500 }", "max_length = 1500, later = true }")
    problems = [str(p) for p in check_all(load_seed(seed_copy))]
    assert any("come after the exercise's other prompts" in p for p in problems), problems


def test_part_figures_count_blocks_and_module_texts_but_not_examples(seed_copy: Path) -> None:
    before = part_figures(load_seed(seed_copy))["3"]
    _edit(seed_copy / "workbook/3.4.toml", 'prompt.example = "', 'prompt.example = "one two three four five ')
    assert part_figures(load_seed(seed_copy))["3"] == before
    _edit(seed_copy / "workbook/3.4.toml", 'text = """', 'text = """one two three four five ')
    assert part_figures(load_seed(seed_copy))["3"]["words"] == before["words"] + 5


def test_naming_an_earlier_module_needs_a_recall_link_from_it(seed_copy: Path) -> None:
    _edit(seed_copy / "workbook/2.4.toml", '  from = "values.compass"\n  mode = "show"\n  into = "2.4.2.coherence"',
          '  from = "skills.top10"\n  mode = "show"\n  into = "2.4.2.coherence"')
    result = _check(seed_copy)
    assert result.returncode == 2
    assert ("workbook/2.4.toml: 2.4.2.coherence: names module 2.1 but no recall link of 2.4.2 brings in an "
            "answer from it") in result.stdout



def test_seventy_five_job_contexts_each_its_own(seed_copy: Path) -> None:
    seed = load_seed(seed_data_dir())
    contexts = [lv["job_context"] for c in seed.competencies for lv in c["level"]]
    assert len(contexts) == 75 and len({" ".join(c.split()).casefold() for c in contexts}) == 75
    first = seed.competencies[0]["level"][0]["job_context"]
    second = seed.competencies[0]["level"][1]["job_context"]
    _edit(seed_copy / "competencies.toml", f'job_context = "{second}"', f'job_context = "{first}"')
    with pytest.raises(SeedValidationError) as info:
        load_seed(seed_copy)
    assert any("competency[0].level[1].job_context" in str(p) and "repeats the job context of "
               "analytical-thinking level 1" in str(p) for p in info.value.problems)


def test_part_3_depth_rules(seed_copy: Path) -> None:
    figures = part_figures(load_seed(seed_data_dir()))["3"]
    assert figures["words_per_exercise"] >= 430 and figures["checkboxes"] <= 12
    path = seed_copy / "workbook/3.4.toml"
    text = path.read_text()
    # Strip 3.4 down to its prompts: the module falls below the per-module minimum.
    import re

    path.write_text(re.sub(r'type = "(instruction|reflection)"\n  text = """.*?"""',
                           'type = "\\1"\n  text = """Short."""', text, flags=re.S))
    problems = [str(p) for p in check_all(load_seed(seed_copy))]
    assert any("module 3.4: averages" in p for p in problems), problems
    extra = "\n".join(
        f'  [[exercise.block]]\n  type = "prompt"\n  text = """Done {n}."""\n  prompt.id = "3.4.2.tick-{n}"\n'
        f'  prompt.input = "checkbox"\n  prompt.target = {{ table = "user_checklists" }}\n' for n in range(4))
    _edit(seed_copy / "workbook/3.4.toml", "  [[exercise.recall]]\n  from = \"contacts\"", extra +
          "\n  [[exercise.recall]]\n  from = \"contacts\"")
    problems = [str(p) for p in check_all(load_seed(seed_copy))]
    assert any("has 13 checkbox prompts; at most 12" in p for p in problems), problems


@pytest.mark.parametrize("variant", ["write REPORTS", "Write report", "Write-reports", "Organize events",
                                     "Analyze data", "Visualize data sets"])
def test_near_duplicate_skills_are_refused(seed_copy: Path, variant: str) -> None:
    original = {"write REPORTS": "Write reports", "Write report": "Write reports", "Write-reports": "Write reports",
                "Organize events": None, "Analyze data": "Analyse data", "Visualize data sets": None}[variant]
    _edit(seed_copy / "skills.toml", '  "Edit documents",', f'  "Edit documents",\n  "{variant}",')
    if original is None:  # a variant of a skill that is not in the list is simply a new skill
        load_seed(seed_copy)
        return
    with pytest.raises(SeedValidationError) as info:
        load_seed(seed_copy)
    assert any(f"duplicate skill {variant!r}: the same as {original!r} in transferable" in str(p)
               or f"duplicate skill {original!r}: the same as {variant!r} in transferable" in str(p)
               for p in info.value.problems), info.value.problems


def test_at_least_1400_skills_across_the_three_kinds() -> None:
    seed = load_seed(seed_data_dir())
    assert sum(len(v) for v in seed.skills.values()) >= 1400
    assert all(len(seed.skills[k]) >= 300 for k in ("transferable", "self_management", "knowledge"))


def test_naming_an_earlier_part_needs_a_recall_link_from_it(seed_copy: Path) -> None:
    _edit(seed_copy / "workbook/2.5.toml", '  from = "stories"\n  mode = "show"\n  into = "2.5.1.assessment"',
          '  from = "career_options"\n  mode = "show"\n  into = "2.5.1.assessment"')
    problems = [str(p) for p in check_all(load_seed(seed_copy))]
    assert problems == ["workbook/2.5.toml: 2.5.1.block[1]: names part 1 but no recall link of 2.5.1 brings in "
                        "an answer from it"]


def test_a_set_aside_prompt_needs_somewhere_to_go(seed_copy: Path) -> None:
    path = seed_copy / "workbook/3.5.toml"
    text = path.read_text()
    start = text.index('  [[exercise.block]]\n  type = "reflection"\n  text = """After each meeting')
    end = text.index('[[exercise]]\nid = "3.5.4"')
    path.write_text(text[:start] + text[end:])
    problems = [str(p) for p in check_all(load_seed(seed_copy))]
    assert any("3.5.3.thanks: a prompt set aside for later needs a block after it" in p for p in problems)


def test_other_ways_of_promising_a_skip_are_caught(seed_copy: Path) -> None:
    _edit(seed_copy / "workbook/2.2.toml", '  type = "instruction"\n  text = """',
          '  type = "instruction"\n  text = """If you would rather not answer, move on. ')
    problems = [str(p) for p in check_all(load_seed(seed_copy))]
    assert problems and all("promises skipping" in p for p in problems)
