#!/usr/bin/env bash
# Packs a release into one folder that Ansible deploys from (default build/bundle):
#   bin/dataproducts           the host
#   lib/swift/                 the Swift runtime libraries the host and plugins load (not Debian packages)
#   plugins/<name>-<version>/  every plugin as its artifact (scripts/package-plugin.sh)
#   config/jobs/               the job config templates (rendered by the host at run time, never by Ansible)
#   config/druid/              the Druid ingestion specs jobs submit after publishing (read as they are)
#   registry.json              the registry with every plugin's sha256 pinned
# Usage: scripts/bundle.sh [OUT]   (after scripts/build-plugins.sh, debug or release)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-build/bundle}"
[ -x build/bin/dataproducts ] || { echo "bundle: no build/bin/dataproducts: run scripts/build-plugins.sh first" >&2; exit 1; }
rm -rf "$out"
mkdir -p "$out/bin" "$out/lib/swift" "$out/plugins" "$out/config"
cp build/bin/dataproducts "$out/bin/"
cp -R config/jobs config/druid "$out/config/"
for lib in build/plugins/lib*.so; do scripts/package-plugin.sh "$lib" "$out/plugins" >/dev/null; done
# Libraries resolved outside the system folders are the toolchain's runtime: ship them.
ldd build/bin/dataproducts build/plugins/lib*.so | awk '$2 == "=>" && $3 ~ /^\// {print $3}' | sort -u | while read -r so; do
    case "$so" in /lib/*|/usr/lib/*) ;; *) cp -L "$so" "$out/lib/swift/" ;; esac
done
python3 - "$out" <<'PY'
import json, os, sys
out = sys.argv[1]
reg = json.load(open("registry.json"))
entries = {}
for d in os.listdir(os.path.join(out, "plugins")):
    e = json.load(open(os.path.join(out, "plugins", d, "plugin.json")))
    entries[e["name"]] = e
for p in reg["plugins"]:
    e = entries.get(p["name"])
    if e is None:
        sys.exit(f"bundle: registry plugin {p['name']} was not built")
    if e["version"] != p["version"]:
        sys.exit(f"bundle: {p['name']} built as {e['version']}, registry says {p['version']}")
    p["sha256"] = e["sha256"]
reg["pluginDir"] = "plugins"
with open(os.path.join(out, "registry.json"), "w") as f:
    json.dump(reg, f, indent=2)
    f.write("\n")
PY
echo "$out"
