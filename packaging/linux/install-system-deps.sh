#!/usr/bin/env bash
# Install the Debian packages given as arguments, if any is missing. Needs root (or sudo) only then.
set -euo pipefail
command -v dpkg-query >/dev/null || { echo "not a Debian-based system: install the Qt 6 runtime libraries, Xvfb and libpulse yourself" >&2; exit 0; }
missing=()
for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing Debian packages: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "run as root or install: ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
