#!/usr/bin/env bash
# The integration tests also run against a PostgreSQL server at 127.0.0.1:5432 (trust auth, user postgres).
# Start it if it is down; install and configure it if this machine has none (needs root).
set -euo pipefail
host=127.0.0.1 port=5432
ready() { pg_isready -q -h "$host" -p "$port" 2>/dev/null; }
command -v pg_isready >/dev/null && ready && exit 0

if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    echo "Installing the PostgreSQL server (Debian package postgresql)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq postgresql >/dev/null
    hba=$(ls /etc/postgresql/*/main/pg_hba.conf | head -n1)
    # Test machine only: local TCP connections as any user without a password.
    sed -i -E 's/^(host\s+all\s+all\s+127\.0\.0\.1\/32\s+)\S+/\1trust/; s/^(local\s+all\s+postgres\s+)\S+/\1trust/' "$hba"
fi
version=$(ls /etc/postgresql | sort -V | tail -n1)
echo "Starting PostgreSQL $version on $host:$port"
pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
for _ in $(seq 1 30); do ready && exit 0; sleep 1; done
echo "PostgreSQL did not come up on $host:$port" >&2
exit 1
