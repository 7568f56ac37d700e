"""The one rule both the command line and the export dialog follow before an export is written:
without an account, the data key leaves the folder only wrapped under a backup password."""

from __future__ import annotations

import copy
import json

import pytest

from dreamtree_desktop.context import UserContext
from dreamtree_desktop.errors import AuthenticationError
from dreamtree_desktop.portability.catalog import Catalog
from dreamtree_desktop.portability.exporter import export_document, needs_backup_password, seal_for_backup
from dreamtree_desktop.security.errors import WeakPasswordError
from dreamtree_desktop.security.keywrap import unwrap_with_password

from .conftest import BACKUP_PASSWORD


def test_without_an_account_the_key_is_wrapped_under_the_backup_password(ctx: UserContext) -> None:
    doc = export_document(ctx, Catalog.load(ctx.db))
    assert needs_backup_password(doc)
    seal_for_backup(doc, ctx, lambda: BACKUP_PASSWORD)
    assert not needs_backup_password(doc)
    assert doc["auth"]["wrapped_by"] == "backup-password"
    assert bytes(unwrap_with_password(json.dumps(doc["auth"]["wrapped_data_key"]), BACKUP_PASSWORD)) == bytes(
        ctx.data_key or b"")


@pytest.mark.parametrize("given", [None, ""])
def test_no_backup_password_refuses_and_leaves_the_document_as_it_was(ctx: UserContext, given: str | None) -> None:
    doc = export_document(ctx, Catalog.load(ctx.db))
    before = copy.deepcopy(doc)
    with pytest.raises(AuthenticationError, match="backup password is needed"):
        seal_for_backup(doc, ctx, lambda: given)
    assert doc == before


def test_a_weak_backup_password_is_refused_by_the_policy(ctx: UserContext) -> None:
    doc = export_document(ctx, Catalog.load(ctx.db))
    with pytest.raises(WeakPasswordError, match="at least 10"):
        seal_for_backup(doc, ctx, lambda: "short")
    assert doc["auth"] is None


def test_locked_personal_fields_refuse_before_any_password_is_asked(ctx: UserContext) -> None:
    doc = export_document(ctx, Catalog.load(ctx.db))
    asked: list[bool] = []
    ctx.data_key = None
    with pytest.raises(AuthenticationError, match="locked"):
        seal_for_backup(doc, ctx, lambda: asked.append(True) or BACKUP_PASSWORD)
    assert asked == [] and doc["auth"] is None
