#!/usr/bin/env bash
# Creates or refreshes .venv/ at the repository root from a fresh Debian/Ubuntu with python3:
# installs python3-venv and Qt's system libraries with apt when they are missing (sudo when not
# root), then the project and its development tools with pip.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# Qt (PySide6 wheels) needs these shared libraries even on the offscreen platform; the xcb ones
# are for a real window. Ubuntu 24.04 renamed some with a t64 suffix, so take whichever exists.
QT_LIBS="libegl1 libgl1 libxkbcommon0 libfontconfig1 libfreetype6 libdbus-1-3 libglib2.0-0
libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0
libxcb-randr0 libxcb-render-util0 libxcb-image0 libxcb-xkb1 libx11-xcb1"
# Tools the test suite runs: epubcheck validates exported books (tests/test_export.py).
TEST_TOOLS="epubcheck"

missing=()
if ! "$PYTHON" -c 'import ensurepip, venv' >/dev/null 2>&1; then missing+=(python3-venv); fi
if command -v dpkg >/dev/null 2>&1; then
    for pkg in $QT_LIBS $TEST_TOOLS; do
        if ! dpkg -s "$pkg" >/dev/null 2>&1 && ! dpkg -s "${pkg}t64" >/dev/null 2>&1; then
            missing+=("$pkg")
        fi
    done
fi
if [ ${#missing[@]} -gt 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "bootstrap: installing system packages: ${missing[*]}"
    $SUDO apt-get update -qq
    installable=()
    for pkg in "${missing[@]}"; do
        if apt-cache show "$pkg" >/dev/null 2>&1; then installable+=("$pkg");
        elif apt-cache show "${pkg}t64" >/dev/null 2>&1; then installable+=("${pkg}t64");
        else echo "bootstrap: note: no package named $pkg here, skipping"; fi
    done
    if [ ${#installable[@]} -gt 0 ]; then
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${installable[@]}"
    fi
fi

if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[dev]'
echo "bootstrap: .venv ready"
