"""The one atomic-write helper: private from the first byte, all or nothing, no leftovers."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from dreamtree_desktop import paths
from dreamtree_desktop.paths import atomic_copy, atomic_file, atomic_write_bytes, atomic_write_text


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_temp_file_is_private_before_any_byte_is_written(tmp_path: Path) -> None:
    target = tmp_path / "vault.json"
    with atomic_file(target) as tmp:
        assert tmp.parent == tmp_path and tmp.stat().st_size == 0
        assert _mode(tmp) == 0o600
        assert not target.exists()
        tmp.write_bytes(b"{}")
    assert target.read_bytes() == b"{}" and _mode(target) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["vault.json"]


def test_a_failed_write_leaves_the_old_file_and_no_temp_file(tmp_path: Path) -> None:
    target = tmp_path / "settings.json"
    atomic_write_text(target, "old")
    with pytest.raises(RuntimeError), atomic_file(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("disk full")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"]


def test_file_and_folder_are_synced_before_the_write_returns(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[str] = []
    real_fsync = os.fsync

    def record(fd: int) -> None:
        synced.append("dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file")
        real_fsync(fd)

    monkeypatch.setattr(paths.os, "fsync", record)
    atomic_write_bytes(tmp_path / "device.key", b"k" * 32, mode=0o400)
    assert synced == ["file", "dir"]
    assert _mode(tmp_path / "device.key") == 0o400


def test_a_copy_is_private_even_when_the_source_is_not(tmp_path: Path) -> None:
    source = tmp_path / "backup.db"
    source.write_bytes(b"x" * 1000)
    source.chmod(0o644)
    atomic_copy(source, tmp_path / "copy.db")
    assert (tmp_path / "copy.db").read_bytes() == b"x" * 1000
    assert _mode(tmp_path / "copy.db") == 0o600


def test_no_core_module_renames_files_by_itself() -> None:
    """Every writer goes through the helpers in paths.py (permissions first, fsync, rename)."""
    root = Path(paths.__file__).parent
    offenders = [
        str(p.relative_to(root)) for p in root.rglob("*.py")
        if p.name != "paths.py" and any(
            call in p.read_text(encoding="utf-8")
            for call in ("os.replace(", "os.rename(", ".write_bytes(", ".write_text(", "os.chmod("))
    ]
    assert offenders == []
