#!/bin/sh
# Installs this DreamTree bundle for one user (default) or under a prefix: the program, its
# launcher entry, the AppStream metainfo and the icons. Nothing outside PREFIX is written.
#
#   ./install.sh                    # into ~/.local (no root needed)
#   sudo ./install.sh /opt/local    # elsewhere
#   ./install.sh --uninstall [PREFIX]
set -eu

APP_ID=org.dreamtree.DreamTree  # AppStream id; the desktop entry is dreamtree.desktop, as ui/app.py names it
HERE=$(cd "$(dirname "$0")" && pwd)
uninstall=0
if [ "${1:-}" = "--uninstall" ]; then uninstall=1; shift; fi
PREFIX=${1:-$HOME/.local}
LIBDIR="$PREFIX/lib/dreamtree"
BIN="$PREFIX/bin/dreamtree"
SHARE="$PREFIX/share"
SIZES="16 32 48 64 128 256 512"

refresh_caches() {
    command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$SHARE/applications" || true
    command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$SHARE/icons/hicolor" || true
}

if [ "$uninstall" = 1 ]; then
    rm -rf "$LIBDIR"
    rm -f "$BIN" "$SHARE/applications/dreamtree.desktop" "$SHARE/metainfo/$APP_ID.metainfo.xml" \
        "$SHARE/icons/hicolor/scalable/apps/dreamtree.svg"
    for size in $SIZES; do rm -f "$SHARE/icons/hicolor/${size}x${size}/apps/dreamtree.png"; done
    refresh_caches
    echo "DreamTree removed from $PREFIX (your data folder was not touched)."
    exit 0
fi

[ -x "$HERE/dreamtree" ] && [ -d "$HERE/_internal" ] || { echo "Run install.sh from the unpacked bundle." >&2; exit 1; }
mkdir -p "$PREFIX/lib" "$PREFIX/bin" "$SHARE/applications" "$SHARE/metainfo"
rm -rf "$LIBDIR.new"
mkdir "$LIBDIR.new"
cp -R "$HERE/dreamtree" "$HERE/_internal" "$LIBDIR.new/"
rm -rf "$LIBDIR"
mv "$LIBDIR.new" "$LIBDIR"
ln -sf "$LIBDIR/dreamtree" "$BIN"

# Exec gets the absolute path, so the launcher works even when PREFIX/bin is not on PATH.
sed -e "s|^Exec=dreamtree\$|Exec=\"$BIN\"|" -e "s|^TryExec=dreamtree\$|TryExec=$BIN|" \
    "$HERE/share/applications/dreamtree.desktop" > "$SHARE/applications/dreamtree.desktop"
cp "$HERE/share/metainfo/$APP_ID.metainfo.xml" "$SHARE/metainfo/"
for size in $SIZES; do
    mkdir -p "$SHARE/icons/hicolor/${size}x${size}/apps"
    cp "$HERE/share/icons/hicolor/${size}x${size}/apps/dreamtree.png" "$SHARE/icons/hicolor/${size}x${size}/apps/"
done
mkdir -p "$SHARE/icons/hicolor/scalable/apps"
cp "$HERE/share/icons/hicolor/scalable/apps/dreamtree.svg" "$SHARE/icons/hicolor/scalable/apps/"
refresh_caches
echo "DreamTree installed: $BIN (launcher entry in $SHARE/applications)."
