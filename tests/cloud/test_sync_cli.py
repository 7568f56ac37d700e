"""The sync commands end to end: `dreamtree account cloud-claim | login | logout` and
`dreamtree sync [--server URL] [--json] [--status]`, each in its own process."""

from __future__ import annotations

import json

import pytest
from sync_helpers import (
    PLAIN_PROMPT,
    answer,
    answer_of,
    answer_through,
    cli,
    cli_claim,
    mails_to,
    new_email,
    new_folder,
    opened,
    own_identity,
    plain_export,
)

from dreamtree_desktop.errors import UserInputError
from dreamtree_desktop.sync.protocol import normalize_server_url

pytestmark = pytest.mark.cloud


def test_claim_sync_login_logout(cloud_server, seeded_template, tmp_path):
    url = cloud_server.url
    a = new_folder(seeded_template, tmp_path, "A")
    with opened(a) as (app, _ctx):
        ctx = own_identity(app)
        answer_through(ctx, "1.2.4")
    email = new_email("cli")

    assert cli(a, "sync").returncode == 2  # not connected yet: say how to connect
    claim = cli_claim(a, cloud_server, "--server", url + "/", "--email", email.upper(), "--no-lock", "--json")
    assert claim.returncode == 0, claim.stderr
    report = json.loads(claim.stdout)
    assert report["email"] == email and report["server"] == url and not report["locked"]
    assert report["sync"]["pushed"] and report["sync"]["revision"] == 1 and report["sync_error"] is None
    again = cli(a, "account", "cloud-claim", "--server", url)
    assert again.returncode == 2 and "already connected" in again.stderr

    with opened(a) as (_app, ctx):
        answer(ctx, PLAIN_PROMPT, "typed on A")
    run = cli(a, "sync", "--json")
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["pushed"] and result["revision"] == 2 and result["upload_bytes"] < result["snapshot_bytes"]
    # One answer changed: only its module goes up, nothing comes down.
    assert result["items_sent"] == 1 and result["items_received"] == 0
    status = json.loads(cli(a, "sync", "--status", "--json").stdout)
    assert abs(status.pop("clock_offset_s")) < 60
    assert status.pop("clock_measured_at") is not None and status.pop("clock_offset_stale") is False
    assert status == {"server": url, "signed_in": True, "revision": 2,
                      "last_synced_at": result["last_synced_at"], "password_change_pending": False,
                      "changes_to_send": 0}

    b = new_folder(seeded_template, tmp_path, "B")
    login = cli(b, "account", "login", "--server", url, "--email", email)
    assert login.returncode == 0, login.stderr
    assert "now holds your account's data, locked with your password" in login.stdout
    assert (b / "vault.json").exists()
    from sync_helpers import PASSWORD

    with opened(b, PASSWORD) as (_app, ctx):
        assert answer_of(ctx, PLAIN_PROMPT) == "typed on A"
    assert plain_export(b, PASSWORD) == plain_export(a)
    text = cli(b, "sync")
    assert text.returncode == 0 and "cloud copy already up to date" in text.stdout

    other = cli(b, "sync", "--server", "http://127.0.0.1:9")
    assert other.returncode == 2 and f"syncs with {url}" in other.stderr

    out = cli(b, "account", "logout")
    assert out.returncode == 0 and "Signed out" in out.stdout
    after = cli(b, "sync")
    assert after.returncode == 3 and "not signed in" in after.stderr
    assert "signed out" in cli(b, "sync", "--status").stdout


def test_login_refuses_a_folder_of_another_account(cloud_server, seeded_template, tmp_path):
    url = cloud_server.url
    first, second = new_email("one"), new_email("two")
    folders = []
    for name, email in (("one", first), ("two", second)):
        folder = new_folder(seeded_template, tmp_path, name)
        with opened(folder) as (app, _ctx):
            ctx = own_identity(app)
            answer_through(ctx, "1.1.1")
        run = cli_claim(folder, cloud_server, "--server", url, "--email", email, "--no-lock")
        assert run.returncode == 0, run.stderr
        folders.append(folder)
    before = plain_export(folders[0])
    run = cli(folders[0], "account", "login", "--server", url, "--email", second)
    assert run.returncode == 2 and "belongs to another account" in run.stderr
    assert plain_export(folders[0]) == before
    taken = new_folder(seeded_template, tmp_path, "three")
    with opened(taken) as (app, _ctx):
        own_identity(app)
    # Claiming a taken address looks like any claim (no way to learn who has an account): the
    # owner is mailed a warning instead of a code, and no code the claimer guesses works.
    owner_mails = len(mails_to(cloud_server, first))
    run = cli(taken, "account", "cloud-claim", "--server", url, "--email", first, "--no-lock")
    assert run.returncode == 3 and "verification code was mailed" in run.stderr
    warning = mails_to(cloud_server, first)[owner_mails:]
    assert len(warning) == 1 and "already has one" in warning[0].get_body(("plain",)).get_content()
    run = cli(taken, "account", "cloud-claim", "--server", url, "--code", "1234 5678")
    assert run.returncode == 2 and "code is wrong, used up or expired" in run.stderr
    run = cli(taken, "account", "cloud-claim", "--server", url, "--code", "12ab")
    assert run.returncode == 2 and "8 digits" in run.stderr


def test_unreachable_server_is_exit_4(seeded_template, tmp_path):
    from sync_helpers import free_port

    folder = new_folder(seeded_template, tmp_path, "A")
    run = cli(folder, "account", "login", "--server", f"http://127.0.0.1:{free_port()}", "--email",
              "nobody@example.org")
    assert run.returncode == 4 and "cannot be reached" in run.stderr


def test_server_addresses():
    assert normalize_server_url("https://Sync.Example.org/") == "https://sync.example.org"
    assert normalize_server_url(" http://127.0.0.1:8787 ") == "http://127.0.0.1:8787"
    assert normalize_server_url("http://localhost:8787/base/") == "http://localhost:8787/base"
    assert normalize_server_url("http://[::1]:8787") == "http://[::1]:8787"
    for bad in ("", "ftp://x.org", "http://sync.example.org", "https://", "https://u:p@x.org", "https://x.org?a=1",
                "https://x.org:99999", None):
        with pytest.raises(UserInputError, match="server"):
            normalize_server_url(bad)
