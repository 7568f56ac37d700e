"""Database.checkpoint_later: a large commit the person waits for leaves its pages in the
write-ahead log; they are durable there, and reach the database file at the next checkpoint."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from dreamtree_desktop.appdata import open_app_data

ROWS = [(f"test.{n:05d}", "x" * 400) for n in range(3000)]  # about 1.2 MB: past 1,000 pages of 4 KiB


def _wal(db_path: Path) -> int:
    wal = Path(f"{db_path}-wal")
    return wal.stat().st_size if wal.exists() else 0


def test_the_pages_wait_in_the_log_until_the_checkpoint(data_dir: Path) -> None:
    with open_app_data(data_dir) as app:
        db = app.db
        every = db.scalar("PRAGMA wal_autocheckpoint")
        db.checkpoint()
        size = Path(db.path).stat().st_size
        with db.checkpoint_later():
            with db.transaction():
                db.executemany("INSERT INTO app_meta(key, value) VALUES (?, ?)", ROWS)
            assert db.scalar("PRAGMA wal_autocheckpoint") == 0
        assert db.scalar("PRAGMA wal_autocheckpoint") == every
        assert _wal(db.path) > 1_000_000
        assert Path(db.path).stat().st_size == size  # nothing copied into the file yet
        assert db.scalar("SELECT COUNT(*) FROM app_meta WHERE key LIKE 'test.%'") == len(ROWS)
        db.checkpoint()
        assert _wal(db.path) == 0
        assert Path(db.path).stat().st_size > size + 1_000_000


def test_a_commit_left_in_the_log_survives_a_kill(data_dir: Path) -> None:
    with open_app_data(data_dir):
        pass  # the folder and its keys exist
    script = textwrap.dedent(f"""
        import os
        from pathlib import Path
        from dreamtree_desktop.appdata import open_app_data
        app = open_app_data(Path({str(data_dir)!r}))
        rows = [(f"test.{{n:05d}}", "x" * 400) for n in range(3000)]
        with app.db.checkpoint_later(), app.db.transaction():
            app.db.executemany("INSERT INTO app_meta(key, value) VALUES (?, ?)", rows)
        os._exit(0)  # killed right after the commit: no checkpoint, no close
    """)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(Path(__file__).resolve().parents[2]),
                                                                      os.environ.get("PYTHONPATH")]))}
    subprocess.run([sys.executable, "-c", script], check=True, env=env, timeout=120)
    with open_app_data(data_dir) as app:
        assert app.db.scalar("SELECT COUNT(*) FROM app_meta WHERE key LIKE 'test.%'") == len(ROWS)
