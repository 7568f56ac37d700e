# Sourced by run-app and run-tests: installs what a fresh Debian machine lacks, idempotently.
# Usage: bootstrap_python [extras]; bootstrap_qt_libs; bootstrap_node
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="${PYTHON:-python3}"

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        echo "Need root to run: $*" >&2; return 1; fi
}

_apt_updated=0
apt_install() {
    command -v apt-get >/dev/null || { echo "Please install: $*" >&2; return 1; }
    if [ "$_apt_updated" = 0 ]; then as_root apt-get update -qq; _apt_updated=1; fi
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

bootstrap_python() {
    local extras="${1:-}"
    "$PY" -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
    if [ ! -x "$VENV/bin/python" ]; then
        if ! "$PY" -m venv "$VENV" 2>/dev/null; then
            rm -rf "$VENV"
            local minor; minor=$("$PY" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
            apt_install "python${minor}-venv" || apt_install python3-venv
            "$PY" -m venv "$VENV"
        fi
    fi
    # One stamp per pyproject.toml and extra, so run-app and run-tests share the environment: the
    # test install includes the app, so run-app accepts any stamp of this pyproject.toml, and an
    # install removes only the stamps of other pyproject.toml versions.
    local hash; hash=$(sha256sum < "$ROOT/pyproject.toml" | cut -c1-16)
    local stamp="$VENV/.installed-$hash${extras:+-$extras}"
    if [ -f "$stamp" ]; then return 0; fi
    if [ -z "$extras" ] && compgen -G "$VENV/.installed-$hash*" >/dev/null; then return 0; fi
    "$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null
    "$VENV/bin/python" -m pip install -q -e "$ROOT${extras:+[$extras]}"
    find "$VENV" -maxdepth 1 -name '.installed-*' ! -name ".installed-$hash*" -delete
    touch "$stamp"
}

bootstrap_qt_libs() {
    # What Qt's xcb/offscreen plugins load on a bare Debian machine.
    local missing=()
    local pairs="libGL.so.1:libgl1 libEGL.so.1:libegl1 libX11.so.6:libx11-6 libdbus-1.so.3:libdbus-1-3
        libfontconfig.so.1:libfontconfig1 libfreetype.so.6:libfreetype6 libglib-2.0.so.0:libglib2.0-0
        libxkbcommon.so.0:libxkbcommon0"
    for pair in $pairs; do
        ldconfig -p 2>/dev/null | grep -q "${pair%%:*}" || missing+=("${pair##*:}")
    done
    [ -d /usr/share/fonts/truetype/dejavu ] || missing+=(fonts-dejavu-core)
    if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi
}

bootstrap_test_tools() {
    # Validators the packaging tests run on the .desktop entry and the AppStream metadata.
    local missing=()
    command -v desktop-file-validate >/dev/null || missing+=(desktop-file-utils)
    command -v appstreamcli >/dev/null || missing+=(appstream)
    if [ ${#missing[@]} -gt 0 ]; then apt_install "${missing[@]}"; fi
}

bootstrap_node() {
    if ! command -v npm >/dev/null; then apt_install nodejs npm; fi
    if [ -f "$ROOT/cloud/package-lock.json" ] && [ ! -d "$ROOT/cloud/node_modules" ]; then
        (cd "$ROOT/cloud" && npm ci --no-audit --no-fund --loglevel=error)
    fi
}
