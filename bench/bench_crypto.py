"""Unlocking a folder locked with a password (Argon2id + open), and the cost of sealing fields."""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dreamtree_desktop.accounts import claim
from dreamtree_desktop.appdata import open_app_data
from dreamtree_desktop.context import UserContext
from dreamtree_desktop.security.unlock import unlock_vault
from dreamtree_desktop.security.vault import read_vault
from dreamtree_desktop.storage.db import Database

PASSWORD = "bench-password-correct-horse"
RUNS = 5
FIELDS = 10_000


def measure() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "data"
        with open_app_data(folder) as app:
            claim(app, "bench@example.org", PASSWORD, lock=True)
        kdf = read_vault(folder / "vault.json").kdf

        unlock, derive_only, open_db = [], [], []
        for _ in range(RUNS):
            start = time.perf_counter()
            with open_app_data(folder, PASSWORD):
                unlock.append(time.perf_counter() - start)
        for _ in range(RUNS):
            start = time.perf_counter()
            keys = unlock_vault(folder, PASSWORD)
            derive_only.append(time.perf_counter() - start)
            start = time.perf_counter()
            Database(folder / "dreamtree.db", keys.db_key).close()
            open_db.append(time.perf_counter() - start)
            keys.wipe()

        with open_app_data(folder, PASSWORD) as app:
            ctx = UserContext.from_app(app)
            values = [f"Contact note {i}: met at the spring fair, follow up in May." for i in range(FIELDS)]
            start = time.perf_counter()
            sealed = [ctx.seal("user_contacts", "notes", f"row-{i}", v) for i, v in enumerate(values)]
            seal_s = time.perf_counter() - start
            start = time.perf_counter()
            opened = [ctx.unseal("user_contacts", "notes", f"row-{i}", s) for i, s in enumerate(sealed)]
            unseal_s = time.perf_counter() - start
            assert opened == values
    return {
        "kdf": f"argon2id m={kdf.m_kib} KiB t={kdf.t} p={kdf.p}",
        "unlock_open_ms": statistics.median(unlock) * 1000,
        "unlock_vault_ms": statistics.median(derive_only) * 1000,
        "open_db_ms": statistics.median(open_db) * 1000,
        "seal_total_ms": seal_s * 1000,
        "unseal_total_ms": unseal_s * 1000,
    }


def main() -> dict[str, Any]:
    f = measure()
    print(f"KDF: {f['kdf']}")
    print(
        f"unlock = Argon2id + open DB (open_app_data with password), median of {RUNS}: "
        f"{f['unlock_open_ms']:.0f} ms"
    )
    print(
        f"  unlock_vault alone (Argon2id, HKDF, two unwraps), median of {RUNS}: {f['unlock_vault_ms']:.0f} ms"
    )
    print(f"  opening the SQLCipher database with the raw key, median of {RUNS}: {f['open_db_ms']:.1f} ms")
    print(
        f"encrypt {FIELDS:,} fields (ctx.seal):   {f['seal_total_ms']:.0f} ms "
        f"({f['seal_total_ms'] * 1000 / FIELDS:.1f} µs/field)"
    )
    print(
        f"decrypt {FIELDS:,} fields (ctx.unseal): {f['unseal_total_ms']:.0f} ms "
        f"({f['unseal_total_ms'] * 1000 / FIELDS:.1f} µs/field)"
    )
    return f


if __name__ == "__main__":
    main()
