from __future__ import annotations

import uuid

# Reference rows seeded from files get ids derived from their content, so every install (and
# every export) names the same skill the same way.
_SEED_NAMESPACE = uuid.UUID("6f1c8f0e-4b8e-4d53-9a51-0c7f2f0d5e11")


def new_id() -> str:
    return str(uuid.uuid4())


def seed_id(*parts: str) -> str:
    return str(uuid.uuid5(_SEED_NAMESPACE, "\x1f".join(parts)))
