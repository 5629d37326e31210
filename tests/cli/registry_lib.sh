# A throwaway local registry for the CLI tests: Debian's docker-registry (distribution 2.8) on
# 127.0.0.1, a free port, storage under $TEST_TMP. Sourced after lib.sh:
#
#   source "$(dirname "${BASH_SOURCE[0]}")/registry_lib.sh"
#   start_registry          # sets REGISTRY (127.0.0.1:PORT); fails the test when it cannot start
#   skopeo_copy --dest-tls-verify=false oci:DIR:hello:v1 "docker://$REGISTRY/hello:v1"
#
# The registry is stopped when the script exits. Traffic goes to 127.0.0.1 only. Run directly,
# this file checks that a registry starts, answers and stops.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
fi
set -uo pipefail

REGISTRY=""
REGISTRY_PID=""
REGISTRY_LOG="$TEST_TMP/registry.log"
REGISTRY_POLICY="$TEST_TMP/policy.json"
printf '{"default":[{"type":"insecureAcceptAnything"}]}' > "$REGISTRY_POLICY"

# skopeo with a policy of our own (no dependency on /etc/containers/policy.json).
skopeo_copy() { skopeo --policy "$REGISTRY_POLICY" copy --quiet "$@"; }
skopeo_inspect() { skopeo --policy "$REGISTRY_POLICY" inspect "$@"; }

# registry_fail MESSAGE: a failure that ends the test at once, with the registry's log.
registry_fail() {
    {
        printf '%s: FAIL: %s\n' "$TEST_NAME" "$*"
        if [[ -s "$REGISTRY_LOG" ]]; then
            printf '  registry log (last 20 lines):\n'
            tail -n 20 "$REGISTRY_LOG" | awk '{ print "    " $0 }'
        fi
    } >&2
    exit 1
}

# A port nothing listens on (checked by connecting; the registry may still lose a race for it,
# which start_registry retries).
free_port() {
    local attempt port
    for attempt in $(seq 1 100); do
        port=$((20000 + RANDOM % 40000))
        if ! (exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null; then
            printf '%s' "$port"
            return 0
        fi
    done
    return 1
}

# http_get PATH [ACCEPT]: GET http://$REGISTRY/PATH over HTTP/1.0 with bash's /dev/tcp (no curl
# needed). Sets HTTP_STATUS (e.g. 200) and writes the headers and the body to
# $TEST_TMP/http.headers and $TEST_TMP/http.body.
HTTP_STATUS=""
http_get() {
    local path="$1" accept="${2:-}"
    local response="$TEST_TMP/http.response"
    HTTP_STATUS=""
    if ! exec 4<> "/dev/tcp/${REGISTRY%:*}/${REGISTRY##*:}"; then
        return 1
    fi
    {
        printf 'GET %s HTTP/1.0\r\nHost: %s\r\n' "$path" "$REGISTRY"
        [[ -n "$accept" ]] && printf 'Accept: %s\r\n' "$accept"
        printf '\r\n'
    } >&4
    cat <&4 > "$response"
    exec 4>&-
    # Headers end at the first empty line; the body is every byte after it.
    local header_bytes
    header_bytes="$(grep -abm1 $'^\r$' "$response" | cut -d: -f1)"
    if [[ -z "$header_bytes" ]]; then
        return 1
    fi
    head -c "$header_bytes" "$response" | tr -d '\r' > "$TEST_TMP/http.headers"
    tail -c +"$((header_bytes + 3))" "$response" > "$TEST_TMP/http.body"
    HTTP_STATUS="$(head -n1 "$TEST_TMP/http.headers" | cut -d' ' -f2)"
}

# http_header NAME: the value of one response header of the last http_get (case-insensitive).
http_header() {
    grep -i "^$1:" "$TEST_TMP/http.headers" | head -n1 | cut -d: -f2- | sed 's/^ *//'
}

stop_registry() {
    if [[ -z "$REGISTRY_PID" ]]; then return 0; fi
    kill "$REGISTRY_PID" 2> /dev/null
    local i
    # It shuts down gracefully within a few seconds; then it is killed outright.
    for i in $(seq 1 50); do
        kill -0 "$REGISTRY_PID" 2> /dev/null || break
        sleep 0.1
    done
    kill -9 "$REGISTRY_PID" 2> /dev/null
    wait "$REGISTRY_PID" 2> /dev/null
    REGISTRY_PID=""
}

start_registry() {
    local binary
    binary="$(command -v docker-registry || true)"
    if [[ -z "$binary" ]]; then
        registry_fail "expected docker-registry on PATH (Debian package docker-registry, installed by scripts/test.sh), found none"
    fi
    command -v skopeo > /dev/null ||
        registry_fail "expected skopeo on PATH (scripts/test.sh installs it), found none"
    trap 'stop_registry; rm -rf "$TEST_TMP"' EXIT
    local attempt port ready exited
    for attempt in 1 2 3; do
        port="$(free_port)" || registry_fail "expected a free port on 127.0.0.1, found none in 100 tries"
        mkdir -p "$TEST_TMP/registry-storage"
        cat > "$TEST_TMP/registry.yml" << EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $TEST_TMP/registry-storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
EOF
        "$binary" serve "$TEST_TMP/registry.yml" > "$REGISTRY_LOG" 2>&1 &
        REGISTRY_PID=$!
        REGISTRY="127.0.0.1:$port"
        ready=0
        exited=""
        local i
        for i in $(seq 1 100); do
            if ! kill -0 "$REGISTRY_PID" 2> /dev/null; then
                exited=" (the registry process exited)"
                break
            fi
            if http_get /v2/ 2> /dev/null && [[ "$HTTP_STATUS" == 200 ]]; then
                ready=1
                break
            fi
            sleep 0.1
        done
        if ((ready)); then return 0; fi
        stop_registry
        # Only a lost race for the port is worth another try.
        grep -q "address already in use" "$REGISTRY_LOG" || break
    done
    registry_fail "expected docker-registry to answer GET /v2/ with 200 on $REGISTRY within 10 s, found ${HTTP_STATUS:-no answer}$exited"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    describe "a registry starts on 127.0.0.1, answers /v2/ and stops"
    start_registry
    check "a loopback address ($REGISTRY)" test "${REGISTRY%:*}" = 127.0.0.1
    http_get /v2/
    check "GET /v2/ to be 200 (found $HTTP_STATUS)" test "$HTTP_STATUS" = 200
    check "the distribution API version header" test \
        "$(http_header Docker-Distribution-Api-Version)" = registry/2.0
    http_get /v2/nothing/manifests/v1 application/vnd.oci.image.manifest.v1+json
    check "an unknown repository to be 404 (found $HTTP_STATUS)" test "$HTTP_STATUS" = 404
    pid="$REGISTRY_PID"
    stop_registry
    check "the registry process to be gone" bash -c "! kill -0 $pid 2> /dev/null"
    finish
fi
