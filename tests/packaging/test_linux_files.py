"""The Linux desktop files: the .desktop entry, the AppStream metainfo, the icons, install.sh."""

from __future__ import annotations

import configparser
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from dreamtree_desktop import __version__

ROOT = Path(__file__).resolve().parents[2]
LINUX = ROOT / "packaging" / "linux"
DESKTOP = LINUX / "dreamtree.desktop"
METAINFO = LINUX / "org.dreamtree.DreamTree.metainfo.xml"
ICONS = ROOT / "packaging" / "icons"
SIZES = (16, 32, 48, 64, 128, 256, 512)
MAIN_CATEGORIES = {
    "AudioVideo", "Audio", "Video", "Development", "Education", "Game", "Graphics", "Network",
    "Office", "Science", "Settings", "System", "Utility",
}


def desktop_entry() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # keys are case-sensitive
    parser.read_string(DESKTOP.read_text(encoding="utf-8"))
    return parser["Desktop Entry"]


def test_desktop_entry_keys() -> None:
    entry = desktop_entry()
    assert entry["Type"] == "Application"
    assert entry["Name"] == "DreamTree"
    assert entry["Exec"].split()[0] == "dreamtree"  # install.sh rewrites it to the absolute path
    assert entry["Icon"] == "dreamtree"
    categories = entry["Categories"]
    assert categories.endswith(";")
    assert set(categories.rstrip(";").split(";")) & MAIN_CATEGORIES
    assert entry.get("Terminal") == "false"


def test_desktop_icon_exists_at_every_size() -> None:
    name = desktop_entry()["Icon"]
    assert (ICONS / f"{name}.svg").is_file()
    for size in SIZES:
        png = ICONS / "hicolor" / f"{size}x{size}" / "apps" / f"{name}.png"
        head = png.read_bytes()[:24]
        assert head[:8] == b"\x89PNG\r\n\x1a\n", png
        assert struct.unpack(">II", head[16:24]) == (size, size), png


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None,
                    reason="desktop-file-validate not installed (apt: desktop-file-utils)")
def test_desktop_entry_validates() -> None:
    result = subprocess.run(["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "error" not in result.stdout.lower()


def test_metainfo_has_the_required_elements() -> None:
    root = ET.parse(METAINFO).getroot()
    assert root.tag == "component"
    assert root.get("type") == "desktop-application"
    assert root.findtext("id") == "org.dreamtree.DreamTree"
    assert root.findtext("name") == "DreamTree"
    assert (root.findtext("summary") or "").strip()
    description = root.find("description")
    assert description is not None and description.find("p") is not None
    launchable = root.find("launchable")
    assert launchable is not None and launchable.get("type") == "desktop-id"
    assert launchable.text == DESKTOP.name  # the entry it launches is the one we ship
    rating = root.find("content_rating")
    assert rating is not None and rating.get("type", "").startswith("oars-")
    releases = [r.get("version") for r in root.iter("release")]
    assert __version__ in releases, "add a <release> for the current version"
    assert root.findtext("metadata_license")


@pytest.mark.skipif(shutil.which("appstreamcli") is None,
                    reason="appstreamcli not installed (apt: appstream)")
def test_metainfo_validates() -> None:
    result = subprocess.run(
        ["appstreamcli", "validate", "--no-net", str(METAINFO)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_committed_icons_match_the_svg() -> None:
    # In a subprocess: make_icons.py creates a QGuiApplication, which must not be this process's app.
    result = subprocess.run(
        [sys.executable, str(ROOT / "packaging" / "make_icons.py"), "--check"],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_install_script_and_build_script_parse() -> None:
    assert subprocess.run(["sh", "-n", str(LINUX / "install.sh")]).returncode == 0
    assert subprocess.run(["bash", "-n", str(ROOT / "packaging" / "build")]).returncode == 0
