#!/usr/bin/env bash
# One building block as the artifact its team ships: OUT/<name>-<version>.zip holding lib<name>.so, its
# manifest (sha256, ABI, jobs), the block's deploy.json (environments, schedule) and jobs/<job>.json
# (its templates). Entries are sorted and dated 1980-01-01, so the same build packs to the same bytes.
# `dataproducts plugins install` checks and installs it; Ansible deploys through that command.
# Usage: scripts/package-plugin.sh LIBRARY BLOCK_DIR [OUT]
#   LIBRARY: a built lib<name>.so with its manifest beside it (scripts/build-plugins.sh writes both)
#   BLOCK_DIR: the block's folder (deploy.json, jobs/); OUT default build/artifacts
set -euo pipefail
lib="${1:?usage: scripts/package-plugin.sh LIBRARY BLOCK_DIR [OUT]}"
block="${2:?usage: scripts/package-plugin.sh LIBRARY BLOCK_DIR [OUT]}"
out="${3:-build/artifacts}"
manifest="${lib%.so}.manifest.json"
[ -f "$lib" ] && [ -f "$manifest" ] || { echo "package-plugin: need $lib and $manifest (scripts/build-plugins.sh writes both)" >&2; exit 1; }
[ -f "$block/deploy.json" ] || { echo "package-plugin: $block has no deploy.json" >&2; exit 1; }
python3 - "$lib" "$manifest" "$block" "$out" <<'PY'
import hashlib, json, os, sys, zipfile
lib, manifest, block, out = sys.argv[1:]
m = json.load(open(manifest))
if m.get("sha256") != hashlib.sha256(open(lib, "rb").read()).hexdigest():
    sys.exit(f"package-plugin: {lib} does not match its manifest's sha256 (rebuild or rewrite the manifest)")
entries = {os.path.basename(lib): lib, os.path.basename(manifest): manifest, "deploy.json": os.path.join(block, "deploy.json")}
for job in m["jobs"]:
    t = os.path.join(block, "jobs", job["id"] + ".json")
    if not os.path.isfile(t):
        sys.exit(f"package-plugin: job {job['id']} has no template {t}")
    entries["jobs/" + job["id"] + ".json"] = t
os.makedirs(out, exist_ok=True)
path = os.path.join(out, f"{m['name']}-{m['version']}.zip")
with zipfile.ZipFile(path + ".tmp", "w", zipfile.ZIP_DEFLATED) as z:
    for name in sorted(entries):
        info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
        info.external_attr = 0o644 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, open(entries[name], "rb").read())
os.replace(path + ".tmp", path)
print(path)
PY
