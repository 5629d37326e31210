#!/usr/bin/env bash
# .pre-commit-hooks.yaml, used by Debian's pre-commit from a throw-away git repository, offline
# (language: system: the oci-wasm-validate on PATH): valid layouts, tars and manifests pass; a
# corrupt blob, a bad tar or a bad manifest fails `pre-commit run` and blocks `git commit`.
# shellcheck source=tests/cli/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

command -v pre-commit > /dev/null || { echo "$TEST_NAME: pre-commit missing (Debian pre-commit)" >&2; exit 1; }
command -v git > /dev/null || { echo "$TEST_NAME: git missing" >&2; exit 1; }
export PATH="$(cd "$OCIWASM_BIN" && pwd):$PATH"
export PRE_COMMIT_HOME="$TEST_TMP/pre-commit-cache" HOME="$TEST_TMP/home"
export GIT_AUTHOR_NAME=test GIT_AUTHOR_EMAIL=test@example.org GIT_COMMITTER_NAME=test \
    GIT_COMMITTER_EMAIL=test@example.org GIT_CONFIG_NOSYSTEM=1
# No network: any attempt to fetch from the internet fails at once.
export http_proxy=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9 no_proxy=
mkdir -p "$HOME"
fixtures="$OCIWASM_SOURCE_DIR/fixtures"

describe "the hooks repository: this repo's .pre-commit-hooks.yaml, committed"
hooks="$TEST_TMP/hooks"
git init -q "$hooks"
cp "$OCIWASM_SOURCE_DIR/.pre-commit-hooks.yaml" "$hooks/"
git -C "$hooks" add .pre-commit-hooks.yaml
git -C "$hooks" commit -q -m hooks
rev="$(git -C "$hooks" rev-parse HEAD)"

describe "a user repository keeping layouts, a tar and a manifest"
repo="$TEST_TMP/repo"
git init -q "$repo"
cd "$repo" || exit 1
cat > .pre-commit-config.yaml <<YAML
repos:
  - repo: $hooks
    rev: $rev
    hooks:
      - id: oci-wasm-validate-layouts
      - id: oci-wasm-validate-tars
      - id: oci-wasm-validate-manifests
YAML
mkdir -p apps web
cp -r "$fixtures/spin-oci-layer/hello" apps/hello
cp -r "$fixtures/spin-v1-config/hello" apps/old
cp "$fixtures/spin-oci-layer/hello.tar" apps/hello.oci.tar
chmod -R u+w apps
manifest="$(jq -r '.manifests[0].digest' apps/hello/index.json)"
cp "apps/hello/blobs/sha256/${manifest#sha256:}" apps/manifest.json
printf '{"not":"a layout"}' > web/index.json
git add -A
run pre-commit run
assert_exit 0
assert_matches stdout '^validate OCI image layouts\.+Passed$'
assert_matches stdout '^validate OCI image layout tars\.+Passed$'
assert_matches stdout '^validate OCI manifests\.+Passed$'
run git commit -q -m "valid apps"
assert_exit 0

describe "pre-commit install: a commit with a corrupt blob is refused"
run pre-commit install
assert_exit 0
wasm="$(jq -r '.layers[0].digest' "apps/hello/blobs/sha256/${manifest#sha256:}")"
printf 'junk' >> "apps/hello/blobs/sha256/${wasm#sha256:}"
git add -A
run git commit -q -m "corrupt"
assert_exit 1
assert_matches stderr '^validate OCI image layouts\.+Failed$'
assert_contains stderr "apps/hello: blobs/sha256/${wasm#sha256:}: error: OCI-DIGEST-MISMATCH"
assert_not_contains stderr "web"
assert_not_contains stderr "apps/old"
check "nothing committed" test "$(git rev-list --count HEAD)" = 1

describe "the fix commits"
git checkout -q HEAD -- apps/hello
run git commit -q -m "nothing changed" --allow-empty
assert_exit 0

describe "a change to one file of a layout validates the whole layout, once"
printf 'x' > apps/old/blobs/sha256/stray
git add -A
run pre-commit run
assert_exit 1
assert_contains stdout "OCI-BLOB-NAME"
check "the layout validated once" test "$(grep -c 'apps/old: blobs/sha256/stray: error: OCI-BLOB-NAME' "$RUN_STDOUT_FILE")" = 1
git rm -q --cached apps/old/blobs/sha256/stray && rm apps/old/blobs/sha256/stray

describe "a broken tar and a bad manifest fail their hooks"
head -c 2000 "$fixtures/spin-oci-layer/hello.tar" > apps/cut.oci.tar
printf '{"schemaVersion":"2"}' > apps/bad.manifest.json
git add -A
run pre-commit run
assert_exit 1
assert_matches stdout '^validate OCI image layout tars\.+Failed$'
assert_contains stdout "apps/cut.oci.tar"
assert_matches stdout '^validate OCI manifests\.+Failed$'
assert_contains stdout "apps/bad.manifest.json#/schemaVersion: error: OCI-SCHEMA"
assert_matches stdout '^validate OCI image layouts\.+\(no files to check\)Skipped$'

describe "args: --strict reaches oci-wasm-validate (a warning then fails)"
git rm -q -r --cached apps/cut.oci.tar apps/bad.manifest.json && rm apps/cut.oci.tar apps/bad.manifest.json
sed -i "s/      - id: oci-wasm-validate-layouts/      - id: oci-wasm-validate-layouts\n        args: [--strict]/" .pre-commit-config.yaml
cp -r "$fixtures/broken/SPIN-LABEL-MISSING/layout" apps/label
git add -A
run pre-commit run
assert_exit 1
assert_contains stdout "apps/label: "
assert_contains stdout "warning: SPIN-LABEL-MISSING"
finish
