#!/usr/bin/env bash
# The Ansible deployment, tested by a real run (called by scripts/test.sh; needs the host and plugins
# built and ../shared/fixtures beside the repository):
#  1. ansible-core and ansible-lint from PyPI into a virtualenv (cached under ~/.cache);
#  2. ansible-lint over ansible/;
#  3. scripts/bundle.sh, then playbooks/deploy.yml against localhost (local connection) into a temp
#     prefix, a secret passed as an Ansible Vault-encrypted variable;
#  4. the installed plugin set is the artifacts whose deploy.json lists the environment, each library at
#     the bundle index's sha256, the blocks' templates verbatim, secrets.json 0600 with the decrypted secret;
#  5. the cron file holds exactly the installed blocks' schedule entries; running an entry's command once produces the
#     geo report; a start while the job holds its lock is refused (75); a failing job exits non-zero
#     and its exit status reaches the node_exporter textfile;
#  6. a second playbook run changes nothing;
#  7. a single-plugin upgrade (lern-userorg rebuilt as 1.0.1, installed through `plugins install`) and its
#     rollback leave the host and the other plugins byte for byte alone, and the rollback restores the
#     deployment exactly; a tampered artifact is refused and nothing switches;
#  8. run-job.yml runs a job ad hoc.
# Prints "ansible: N passed, N failed" and exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
repo="$(pwd)"
fixtures="${DATAPRODUCTS_FIXTURES:-$repo/../shared/fixtures}"
venv="${DP_ANSIBLE_VENV:-$HOME/.cache/dataproducts/ansible-venv}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
check() {  # description, command...
    local what="$1"; shift
    if "$@" >"$work/check.out" 2>&1; then passed=$((passed + 1)); echo "ok - $what"
    else failed=$((failed + 1)); echo "not ok - $what"; sed 's/^/    /' "$work/check.out" | tail -40; fi
}
finish() { echo "ansible: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

# 1. Tools
if [ ! -x "$venv/bin/ansible-lint" ] || ! "$venv/bin/ansible-playbook" --version >/dev/null 2>&1; then
    rm -rf "$venv"
    python3 -m venv "$venv" && "$venv/bin/pip" install --quiet "ansible-core>=2.16,<2.20" "ansible-lint>=24" \
        || { echo "cannot install ansible-core and ansible-lint from PyPI" >&2; failed=1; finish; }
fi
export PATH="$venv/bin:$PATH" ANSIBLE_CONFIG="$repo/ansible/ansible.cfg" ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0

# 2. Lint
t_lint() { (cd "$repo/ansible" && ansible-lint --offline playbooks roles inventory); }
check "ansible-lint passes" t_lint

# 3. Deploy into a temp prefix
bundle="$work/bundle" prefix="$work/prefix"
scripts/bundle.sh "$bundle" >/dev/null || { echo "scripts/bundle.sh failed" >&2; failed=$((failed + 1)); finish; }
export DP_PREFIX="$prefix" DP_ENV=dev DP_STORE="local:$fixtures/lern/reports/reports_test_data"
[ "$(id -u)" -eq 0 ] && export DP_INSTALL_PACKAGES=true  # the runtime libraries through apt, as on a server
echo "ci-vault-pass" > "$work/vault-pass"
ansible-vault encrypt_string --vault-password-file "$work/vault-pass" --name vault_secret 'the-encryption-key' > "$work/vault.yml"
play() {  # playbook, extra args...; output in $work/play.out
    ansible-playbook -i "$repo/ansible/inventory/local" "$repo/ansible/playbooks/$1" -e "dp_bundle=$bundle" \
        --vault-password-file "$work/vault-pass" -e @"$work/vault.yml" \
        -e '{"dataproducts_host_secrets": {"sunbird_encryption_key": "{{ vault_secret }}"}}' "${@:2}" > "$work/play.out" 2>&1
    local status=$?
    [ $status -eq 0 ] || tail -40 "$work/play.out"
    return $status
}
dp() { "$prefix/bin/dataproducts-env" "$prefix/bin/dataproducts" "$@"; }
check "deploy.yml installs into a temp prefix" play deploy.yml

# 4. What got installed
t_plugins() {
    python3 - "$prefix" "$bundle/plugins/index.json" <<'PY'
import hashlib, json, os, sys
prefix, index = sys.argv[1], json.load(open(sys.argv[2]))
want = sorted(e["name"] for e in index if "dev" in e["environments"])
have = sorted(os.listdir(os.path.join(prefix, "plugins")))
assert have == want, f"installed {have}, the artifacts' dev set {want}"
deployed = json.load(open(os.path.join(prefix, "registry.json")))
assert sorted(p["name"] for p in deployed["plugins"]) == want and sorted(deployed["environments"]["dev"]) == want, deployed
pins = {e["name"]: e["sha256"] for e in index}
for p in deployed["plugins"]:
    sha = hashlib.sha256(open(os.path.join(prefix, deployed["pluginDir"], p["file"]), "rb").read()).hexdigest()
    assert sha == p["sha256"] == pins[p["name"]], (p["name"], sha, p["sha256"], pins[p["name"]])
PY
}
check "installed plugins = the artifacts' dev set, each at the index's sha256" t_plugins
check "the installed host accepts the installed set" dp plugins verify
t_configs() {
    cmp "$repo/Plugins/lern-userorg/jobs/admin-geo-reports.json" "$prefix/plugins/lern-userorg/current/jobs/admin-geo-reports.json" &&
    cmp "$repo/Plugins/lern-lms/jobs/progress-exhaust.json" "$prefix/plugins/lern-lms/current/jobs/progress-exhaust.json" &&
    cmp "$repo/config/druid/collection-summary-ingestion-spec.json" "$prefix/config/druid/collection-summary-ingestion-spec.json" &&
    python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert d["env"] == "dev", d' "$prefix/config/env/dev.json"
}
check "the blocks' job templates and the Druid specs installed verbatim (the host renders them), env variables as data" t_configs
t_secret() {
    [ "$(stat -c %a "$prefix/config/secrets.json")" = 600 ] &&
    grep -q '"sunbird_encryption_key": "the-encryption-key"' "$prefix/config/secrets.json" &&
    ! grep -rq the-encryption-key "$repo/ansible/inventory" "$prefix/config/env" "$prefix/plugins" "$prefix/registry.json"
}
check "secrets.json is 0600 and holds the Vault variable's value, found nowhere else" t_secret

# 5. The schedule
t_cron() {
    python3 - "$prefix" "$repo" "$(id -un)" "$bundle/plugins/index.json" <<'PY'
import json, sys
prefix, repo, user, index = sys.argv[1:]
dev = sorted(e["name"] for e in json.load(open(index)) if "dev" in e["environments"])
entries = [e for name in dev for e in json.load(open(f"{repo}/Plugins/{name}/deploy.json")).get("schedule", [])]
want = [f'{e.get("minute", "*")} {e.get("hour", "*")} {e.get("day", "*")} {e.get("month", "*")} {e.get("weekday", "*")} {user} '
        f'{prefix}/bin/dp-run-job {"--requests " if e.get("requests") else ""}{e["job"]}' for e in entries]
lines = [l for l in open(f"{prefix}/etc/cron.d/dataproducts").read().splitlines()
         if l and not l.startswith("#") and "=" not in l.split()[0]]
assert lines == want, "\n".join(["got:"] + lines + ["want:"] + want)
assert len(want) == 12, want  # upstream's entries for the jobs we have, plus druid-reports and user-cache-indexer
PY
}
check "the cron file holds exactly the installed blocks' schedule" t_cron
cron_cmd="$(grep -E 'dp-run-job admin-geo-reports$' "$prefix/etc/cron.d/dataproducts" | head -1 | cut -d' ' -f7-)"
t_cron_run() {
    rm -rf "$prefix/reports"
    bash -c "$cron_cmd" && [ -s "$prefix/reports/geo-detail/ApSlug.csv" ] && [ -s "$prefix/reports/geo-summary/ApSlug.json" ] &&
    grep -q '"eid":"JOB_END"' "$prefix/logs/joblog.log" && grep -q 'exited 0' "$prefix/logs/admin-geo-reports.out"
}
check "running the installed cron command once produces the geo report" t_cron_run
t_lock() {
    flock "$prefix/run/admin-geo-reports.lock" bash -c "$cron_cmd; echo \$? > '$work/second'"
    [ "$(cat "$work/second")" = 75 ]
}
check "a start while the job holds its lock is refused with 75" t_lock
t_fail() { ! "$prefix/bin/dp-run-job" admin-geo-reports --store "local:$work/nonexistent" 2>"$work/fail.err" && grep -q 'failed with exit status' "$work/fail.err"; }
check "a failing job exits non-zero and says so" t_fail
# After each run dp-run-job records its exit status and writes `requests stats` for node_exporter.
t_metrics() {
    f="$prefix/metrics/dataproducts.prom"
    [ -s "$f" ] && grep -q '^dataproducts_job_last_run_exit_code{job="admin-geo-reports",mode="run"} [1-9]' "$f" &&
    grep -q '^dataproducts_requests_queue_up 1$' "$f" && python3 -c 'import json, sys; assert json.load(open(sys.argv[1]))["exit"] != 0' \
        "$prefix/state/last-run/admin-geo-reports.json" && { ! command -v promtool >/dev/null || promtool check metrics < "$f"; }
}
check "the last run's exit status is in the node_exporter textfile" t_metrics
# The obsrv plugin's entry: the indexer rebuilds an embedded user cache from the fixture's users.
indexer_cmd="$(grep -E 'dp-run-job user-cache-indexer$' "$prefix/etc/cron.d/dataproducts" | head -1 | cut -d' ' -f7-)"
t_indexer() {
    dp load "$fixtures/lern/reports/reports_test_data" --into "sqlite:$work/cache.sqlite" --schema "$repo/config/schema/postgres.sql" >/dev/null &&
    bash -c "$indexer_cmd --store sqlite:$work/cache.sqlite --redis sqlite:$work/cache.sqlite" &&
    python3 -c 'import sqlite3, sys; n = sqlite3.connect(sys.argv[1]).execute("select count(*) from dp_user_cache").fetchone()[0]; assert n == 13, n' "$work/cache.sqlite"
}
check "the obsrv plugin's cron command runs the user cache indexer" t_indexer

# 6. Idempotence
t_again() { play deploy.yml && grep -Eq 'localhost +: ok=[0-9]+ +changed=0 ' "$work/play.out" || { grep -B2 -A8 'changed:' "$work/play.out" | head -60; false; }; }
check "a second deploy.yml run reports no changes" t_again

# 7. One plugin up and back, nothing else touched
fingerprint() { (cd "$prefix" && find bin lib config plugins/lern-lms plugins/ml -type f -exec sha256sum {} + | sort; readlink plugins/lern-lms/current plugins/ml/current); }
everything() { (cd "$prefix" && find bin lib config plugins registry.json -type f -exec sha256sum {} + | sort; find plugins -type l -printf '%p -> %l\n' | sort); }
fingerprint > "$work/before"
everything > "$work/everything-before"
up="$work/userorg-1.0.1"
cp -R Plugins/lern-userorg "$up" && rm -rf "$up/.build"
sed -i 's/version: "1.0.0"/version: "1.0.1"/' "$up/Sources/LernUserorg/Plugin.swift"
t_build() {
    DATAPRODUCTS_SDK_PATH="$repo" swift build --package-path "$up" && cp "$up/.build/debug/liblern-userorg.so" "$work/liblern-userorg.so" &&
    dp plugins manifest "$work/liblern-userorg.so" && scripts/package-plugin.sh "$work/liblern-userorg.so" "$up" "$work/artifacts"
}
check "a team builds lern-userorg 1.0.1 on its own" t_build
artifact="$work/artifacts/lern-userorg-1.0.1.zip"
t_up() {
    play plugin.yml -e dp_plugin=lern-userorg -e "dp_plugin_artifact=$artifact" &&
    [ "$(readlink "$prefix/plugins/lern-userorg/current")" = 1.0.1 ] && grep -q '"version": "1.0.1"' "$prefix/registry.json" &&
    dp plugins verify | grep -q 'lern-userorg 1.0.1 .* OK'
}
check "plugin.yml upgrades lern-userorg to 1.0.1" t_up
t_alone() { fingerprint > "$work/now" && cmp "$work/before" "$work/now"; }
check "the upgrade left the host and the other plugins alone" t_alone
check "the upgraded plugin produces the geo report" t_cron_run
t_tampered() {
    python3 - "$artifact" "$work/lern-userorg-1.0.2.zip" <<'PY' &&
import sys, zipfile
src, dst = zipfile.ZipFile(sys.argv[1]), zipfile.ZipFile(sys.argv[2], "w")
for n in src.namelist():
    data = src.read(n)
    dst.writestr(n, data + b"x" if n.endswith(".so") else data.replace(b'"1.0.1"', b'"1.0.2"'))
dst.close()
PY
    ! play plugin.yml -e dp_plugin=lern-userorg -e "dp_plugin_artifact=$work/lern-userorg-1.0.2.zip" &&
    grep -q 'checksum mismatch' "$work/play.out" && [ "$(readlink "$prefix/plugins/lern-userorg/current")" = 1.0.1 ] &&
    [ ! -e "$prefix/plugins/lern-userorg/1.0.2" ]
}
check "a tampered artifact is refused, removed, and 1.0.1 stays current" t_tampered
t_down() {
    play plugin.yml -e dp_plugin=lern-userorg -e dp_plugin_version=1.0.0 &&
    [ "$(readlink "$prefix/plugins/lern-userorg/current")" = 1.0.0 ] && grep -q '"version": "1.0.0"' "$prefix/registry.json" &&
    dp plugins verify | grep -q 'lern-userorg 1.0.0 .* OK'
}
check "plugin.yml rolls lern-userorg back to 1.0.0" t_down
check "the rollback left the host and the other plugins alone" t_alone
t_identical() { everything > "$work/everything-now" && diff "$work/everything-before" "$work/everything-now"; }
check "after upgrade and rollback the deployment is byte-identical to before (registry, plugins, links)" t_identical

# 8. Ad hoc
t_adhoc() { rm -rf "$prefix/reports"; play run-job.yml -e dp_job=admin-geo-reports && [ -s "$prefix/reports/geo-detail/ApSlug.csv" ]; }
check "run-job.yml runs a job ad hoc" t_adhoc
finish
