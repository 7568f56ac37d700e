"""`dreamtree --self-test` from the checkout: it passes, and writes nowhere but its throwaway folder.

Each run gets its own HOME, XDG folders and TMPDIR under tmp_path, so "nothing appeared" can be
checked exactly. (CI runs the same command on the frozen bundle: packaging/build.)
"""

from __future__ import annotations

import os
import re
import struct
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STEPS = ("folder", "database", "integrity", "content", "crypto", "qt", "window", "close", "isolation")


def isolated_env(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    tmp = tmp_path / "tmp"
    home.mkdir()
    tmp.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "DREAMTREE_"))}
    env.update(
        HOME=str(home),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_STATE_HOME=str(home / ".local" / "state"),
        TMPDIR=str(tmp),
        QT_QPA_PLATFORM="offscreen",
        # Set on purpose: the self-test must ignore it.
        DREAMTREE_DATA_DIR=str(tmp_path / "env-data-dir"),
    )
    return env


def run_dreamtree(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ui.launch", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
    )


def everything_under(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*"))


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def test_self_test_alias_passes_and_leaves_no_trace(tmp_path: Path) -> None:
    env = isolated_env(tmp_path)
    result = run_dreamtree("--self-test", env=env)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    for step in STEPS:
        ok_line = re.search(rf"^\s*ok\s+{step}\b", result.stdout, re.M)
        assert ok_line, f"step {step} not reported ok:\n{output}"
    assert "Self-test passed" in result.stdout
    # The default data folder lives under HOME (XDG_DATA_HOME): nothing at all appeared there.
    assert everything_under(tmp_path / "home") == []
    assert not (tmp_path / "env-data-dir").exists()
    # Without --keep the throwaway folder is removed again.
    assert everything_under(tmp_path / "tmp") == []


def test_kept_folder_holds_the_database_and_the_screenshot_and_nothing_leaks(tmp_path: Path) -> None:
    env = isolated_env(tmp_path)
    cli_data_dir = tmp_path / "cli-data-dir"
    result = run_dreamtree("--data-dir", str(cli_data_dir), "self-test", "--keep", env=env)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "--data-dir is ignored" in result.stdout
    match = re.search(r"throwaway folder (\S+)", result.stdout)
    assert match, output
    folder = Path(match.group(1))
    assert folder.parent == (tmp_path / "tmp").resolve()

    db = folder / "data" / "dreamtree.db"
    assert db.is_file()
    assert not db.read_bytes().startswith(b"SQLite format 3"), "the database is not encrypted"
    width, height = png_size(folder / "main-window.png")
    assert width >= 100 and height >= 100
    assert str(folder / "main-window.png") in result.stdout

    assert not cli_data_dir.exists()
    assert not (tmp_path / "env-data-dir").exists()
    assert everything_under(tmp_path / "home") == []
    inside = {folder, *everything_under(folder)}
    assert [p for p in everything_under(tmp_path / "tmp") if p.resolve() not in inside] == []


def test_a_failing_step_exits_1_and_names_the_step(tmp_path: Path) -> None:
    env = isolated_env(tmp_path)
    result = run_dreamtree("self-test", "--platform", "no-such-platform", env=env)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert re.search(r"^FAIL\s+qt\s+the Qt platform plugin 'no-such-platform'", result.stdout, re.M), output
    assert "Self-test FAILED at step 'qt'" in result.stdout
    assert not re.search(r"^\s*ok\s+window\b", result.stdout, re.M)
    assert everything_under(tmp_path / "home") == []
