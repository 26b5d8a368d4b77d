#!/usr/bin/env bash
# The benchmark compares sync with newsboat on the same feeds: install it with apt when it is
# missing (sudo when not root). Never fatal: without newsboat the benchmark records null.
set -u
command -v newsboat >/dev/null 2>&1 && exit 0
command -v apt-get >/dev/null 2>&1 || { echo "newsboat: no apt-get here; its column stays empty"; exit 0; }
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "installing newsboat (apt) for the side-by-side figure"
$SUDO apt-get update -qq >/dev/null 2>&1 || true
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends newsboat \
    >/dev/null 2>&1 || echo "newsboat: apt could not install it; its column stays empty"
exit 0
