#!/usr/bin/env bash
# Installs what building and testing need on Debian/Ubuntu (idempotent; skips what is there).
# The Swift toolchain itself is not a Debian package here: it must be on PATH (swift.org builds).
set -euo pipefail
packages=(ca-certificates git gcc libc6-dev time python3 pkg-config libpq-dev libsqlite3-dev postgresql postgresql-client libzip-dev unzip zlib1g-dev libssl-dev
          libcurl4-openssl-dev libhiredis-dev redis-server redis-tools bc python3-pip librdkafka-dev kcat prometheus prometheus-node-exporter)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    echo "installing: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# Test peers from PyPI: moto in server mode (S3-compatible server) and Microsoft's Azure SDK (the
# oracle for our Shared Key signatures).
if ! python3 -c 'import moto.server, flask_cors, azure.storage.blob, cryptography' >/dev/null 2>&1; then
    python3 -m pip install --quiet "moto[server]" azure-storage-blob cryptography 2>/dev/null \
        || python3 -m pip install --quiet --break-system-packages "moto[server]" azure-storage-blob cryptography
fi
if ! command -v swift >/dev/null 2>&1; then
    for d in /opt/swift/usr/bin /usr/share/swift/usr/bin; do [ -x "$d/swift" ] && export PATH="$d:$PATH"; done
fi
command -v swift >/dev/null 2>&1 || { echo "swift is not installed: get a Swift 5.10+ toolchain from swift.org and put it on PATH" >&2; exit 1; }
