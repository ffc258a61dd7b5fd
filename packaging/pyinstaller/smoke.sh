#!/usr/bin/env bash
# Starts the bundle as a user would: its version and models, doctor before and after init, and the desktop
# application on a new folder on a virtual screen (Xvfb), which must still be up after START_SECONDS (its first-run
# dialog: the embedded database was created and migrated).
#   packaging/pyinstaller/smoke.sh [dist/chronotrace] [screenshot.png]
set -euo pipefail
bundle=${1:-dist/chronotrace}
screenshot=${2:-}
program="$(cd "$bundle" && pwd)/chronotrace"
START_SECONDS=${START_SECONDS:-20}
work=$(mktemp -d)
chmod 755 "$work"  # as root, the embedded server runs as a user of its own and must reach its folder
trap 'rm -rf "$work"' EXIT
export XDG_DATA_HOME="$work/xdg-data" XDG_CONFIG_HOME="$work/xdg-config" XDG_CACHE_HOME="$work/xdg-cache"

seconds() { echo "$(date +%s.%N) - $1" | bc | xargs printf "%.1f"; }
echo "bundle: $(du -sh "$bundle" | cut -f1) in $bundle"
start=$(date +%s.%N)
"$program" --version
echo "--version: $(seconds "$start") s"
"$program" models status
start=$(date +%s.%N)
status=0
"$program" --data-dir "$work/fresh" doctor >"$work/doctor.txt" || status=$?
echo "doctor (no installation yet, exit $status): $(seconds "$start") s"
grep -q "run 'chronotrace init'" "$work/doctor.txt"
start=$(date +%s.%N)
CHRONOTRACE_PASSWORD="smoke test passphrase" "$program" --data-dir "$work/made" init --admin-email smoke@example.org
echo "init: $(seconds "$start") s"
"$program" --data-dir "$work/made" doctor  # every check passes (a keyring warning on a machine without one)
# Everything on the virtual screen runs inside xvfb-run, which closes the screen when the shell ends.
xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
    "$1" --data-dir "$2/fresh" gui >"$2/gui.log" 2>&1 &
    gui=$!
    sleep "$3"
    if ! kill -0 "$gui" 2>/dev/null; then cat "$2/gui.log"; echo "gui: ended before $3 s"; exit 1; fi
    if [ -n "$4" ] && command -v import >/dev/null; then import -window root "$4"; fi
    kill "$gui"; wait "$gui" || true
' smoke "$program" "$work" "$START_SECONDS" "$screenshot"
# Ended by a signal, the window leaves its embedded server running: a fast shutdown before its folder goes.
if [ -f "$work/fresh/postgres/postmaster.pid" ]; then
    kill -INT "$(head -n1 "$work/fresh/postgres/postmaster.pid")" 2>/dev/null || true
    sleep 2
fi
echo "gui: up on the virtual screen after ${START_SECONDS} s${screenshot:+ (screenshot: $screenshot)}"
