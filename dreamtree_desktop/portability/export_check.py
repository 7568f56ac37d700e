"""The rulebook over what an export writes. A backup is never refused, but a row that breaks the
rules (kept from an older version, or changed outside the app) would make the file fail to
import, so the export names each one and says how to deal with it."""

from __future__ import annotations

from typing import Any

from ..context import UserContext
from .audit import Finding, audit
from .catalog import Catalog

SHOWN = 10  # rows named in the warning; doctor lists them all


def export_problems(ctx: UserContext, catalog: Catalog | None = None) -> list[Finding]:
    """Every stored row the export carries that the rulebook refuses (the checks of `doctor`)."""
    findings, _counts = audit(ctx, catalog or Catalog.load(ctx.db))
    return findings


def export_warning(findings: list[Finding]) -> str | None:
    """The warning for the user, naming table and row; None when every row passes."""
    if not findings:
        return None
    count = len(findings)
    lines = [
        f"{count} stored row{'s' if count != 1 else ''} break{'s' if count == 1 else ''} the rules the app's "
        f"forms apply. The backup holds {'it' if count == 1 else 'them'} as stored, but importing the "
        f"backup will refuse {'it' if count == 1 else 'them'} until fixed:"
    ]
    lines += [f"  {f}" for f in findings[:SHOWN]]
    if count > SHOWN:
        lines.append(f"  ... and {count - SHOWN} more.")
    lines.append(
        "Run 'dreamtree doctor' to see them, and 'dreamtree doctor --quarantine FILE' to move them "
        "aside into FILE; then export again."
    )
    return "\n".join(lines)


def findings_json(findings: list[Finding]) -> list[dict[str, Any]]:
    return [f.as_dict() for f in findings]


# A pointer into a record of a document: /standalone/<table>/<i>/... or
# /modules/<id>/rows/<table>/<i>/...
def record_at(doc: Any, pointer: str) -> tuple[str, str] | None:
    """(table, record id) of the record `pointer` points into, if it does."""
    parts = pointer.split("/")[1:]
    if parts[:1] == ["standalone"] and len(parts) >= 3:
        section, rest = doc.get("standalone"), parts[1:]
    elif parts[:1] == ["modules"] and len(parts) >= 5 and parts[2] == "rows":
        section, rest = ((doc.get("modules") or {}).get(parts[1]) or {}).get("rows"), parts[3:]
    else:
        return None
    try:
        record = section[rest[0]][int(rest[1])]
        return rest[0], str(record["id"])
    except (KeyError, IndexError, TypeError, ValueError):
        return None


def refused_record_hint(table: str, row_id: str) -> str:
    return (
        f"Nothing was changed. The {table} record {row_id} breaks the rules the app's forms apply (kept "
        "from an older version, or edited by hand). Correct or remove that record in the file and import "
        "again; or, in the data folder the backup came from, run 'dreamtree doctor --quarantine FILE' to "
        "move such rows aside, then export again."
    )
