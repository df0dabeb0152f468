#!/usr/bin/env bash
# One plugin build as a deployable artifact, the unit a team ships: OUT/<name>-<version>/ holding
# lib<name>.so, its manifest and plugin.json (the plugin's registry entry with its sha256 pinned).
# Ansible installs it (ansible/playbooks/plugin.yml) without touching the host or other plugins.
# Usage: scripts/package-plugin.sh LIBRARY [OUT]   (LIBRARY: a built lib<name>.so with its manifest beside it;
#        default OUT build/artifacts)
set -euo pipefail
lib="${1:?usage: scripts/package-plugin.sh LIBRARY [OUT]}"
out="${2:-build/artifacts}"
manifest="${lib%.so}.manifest.json"
[ -f "$lib" ] && [ -f "$manifest" ] || { echo "package-plugin: need $lib and $manifest (scripts/build-plugins.sh writes both)" >&2; exit 1; }
python3 - "$lib" "$manifest" "$out" <<'PY'
import hashlib, json, os, shutil, sys
lib, manifest, out = sys.argv[1:]
m = json.load(open(manifest))
sha = hashlib.sha256(open(lib, "rb").read()).hexdigest()
if m.get("sha256") != sha:
    sys.exit(f"package-plugin: {lib} does not match its manifest's sha256 (rebuild or rewrite the manifest)")
name, version = m["name"], m["version"]
d = os.path.join(out, f"{name}-{version}")
shutil.rmtree(d, ignore_errors=True)
os.makedirs(d)
shutil.copy2(lib, os.path.join(d, os.path.basename(lib)))
shutil.copy2(manifest, os.path.join(d, os.path.basename(manifest)))
entry = {"name": name, "version": version, "owner": m.get("owner", ""), "block": m.get("block", name),
         "abi": m["abi"], "file": os.path.basename(lib), "sha256": sha,
         "jobs": sorted(j["id"] if isinstance(j, dict) else j for j in m.get("jobs", []))}
with open(os.path.join(d, "plugin.json"), "w") as f:
    json.dump(entry, f, indent=2, sort_keys=True)
    f.write("\n")
print(d)
PY
