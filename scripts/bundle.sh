#!/usr/bin/env bash
# Packs a release into one folder that Ansible deploys from (default build/bundle):
#   bin/dataproducts           the host
#   lib/swift/                 the Swift runtime libraries the host and plugins load (not Debian packages)
#   plugins/<name>-<version>.zip  every block as its artifact (scripts/package-plugin.sh: library, manifest,
#                              deploy.json, job templates), installed on the target by `dataproducts plugins install`
#   plugins/index.json         per artifact: name, version, file, the library's sha256 (the release's pin) and
#                              the environments its deploy.json lists (read from the artifacts, never written by hand)
#   config/druid/              the Druid ingestion specs jobs submit after publishing (read as they are)
# Usage: scripts/bundle.sh [OUT]   (after scripts/build-plugins.sh, debug or release)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-build/bundle}"
[ -x build/bin/dataproducts ] || { echo "bundle: no build/bin/dataproducts: run scripts/build-plugins.sh first" >&2; exit 1; }
rm -rf "$out"
mkdir -p "$out/bin" "$out/lib/swift" "$out/plugins" "$out/config"
cp build/bin/dataproducts "$out/bin/"
cp -R config/druid "$out/config/"
for dir in Plugins/*/; do
    name="$(basename "$dir")"
    scripts/package-plugin.sh "build/plugins/lib$name.so" "$dir" "$out/plugins" >/dev/null
done
# Libraries resolved outside the system folders are the toolchain's runtime: ship them.
ldd build/bin/dataproducts build/plugins/lib*.so | awk '$2 == "=>" && $3 ~ /^\// {print $3}' | sort -u | while read -r so; do
    case "$so" in /lib/*|/usr/lib/*) ;; *) cp -L "$so" "$out/lib/swift/" ;; esac
done
python3 - "$out/plugins" <<'PY'
import json, os, sys, zipfile
folder = sys.argv[1]
index = []
for f in sorted(os.listdir(folder)):
    if not f.endswith(".zip"):
        continue
    z = zipfile.ZipFile(os.path.join(folder, f))
    manifest = json.loads(z.read(next(n for n in z.namelist() if n.endswith(".manifest.json"))))
    deploy = json.loads(z.read("deploy.json"))
    index.append({"name": manifest["name"], "version": manifest["version"], "artifact": f,
                  "sha256": manifest["sha256"], "environments": deploy["environments"]})
with open(os.path.join(folder, "index.json"), "w") as out:
    json.dump(index, out, indent=2)
    out.write("\n")
PY
echo "$out"
