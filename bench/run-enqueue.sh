#!/usr/bin/env bash
# The enqueue benchmark (see BENCHMARKS.md). Builds Release, then on 127.0.0.1:
#   1. bare Kestrel (bench/BareKestrel), closed loop            -> the baseline, req/s
#   2. DumGum, fresh temp DB, closed loop                       -> max durable enqueues/s (every answer must be 204)
#   3. DumGum, open loop at half of (2)                         -> p50/p99 from the intended send time
# and prints the ratio DumGum/bare and the goals. Each phase lasts WARMUP + DURATION <= 20 s.
# Environment: DURATION (15), WARMUP (3), CONNECTIONS (64, closed loops), OPEN_CONNECTIONS (256), USERS (10000),
#              BUFFER_SECONDS (60), OUT (bench/results/enqueue-<time>), SKIP_BUILD (0).
set -euo pipefail
source "$(dirname "$0")/common.sh"

DURATION=${DURATION:-15}
WARMUP=${WARMUP:-3}
CONNECTIONS=${CONNECTIONS:-64}
OPEN_CONNECTIONS=${OPEN_CONNECTIONS:-256}
USERS=${USERS:-10000}
BUFFER_SECONDS=${BUFFER_SECONDS:-60}
OUT=${OUT:-$ROOT/bench/results/enqueue-$(date -u +%Y%m%dT%H%M%SZ)}
if (( WARMUP + DURATION > 20 )); then echo "WARMUP + DURATION must be at most 20 s" >&2; exit 1; fi
mkdir -p "$OUT"

build_all
machine_info | tee "$OUT/machine.txt" >&2
LOADGEN=(dotnet "$LOADGEN_DLL")
PATH_ENQUEUE=/cs/v1/content_creation/conversations/enqueue
COMMON=(--connections "$CONNECTIONS" --warmup "$WARMUP" --duration "$DURATION" --users "$USERS" --buffer-seconds "$BUFFER_SECONDS")

# 1. The baseline.
BARE_PORT=$(free_port)
start bare-kestrel "$TMP/bare.log" dotnet "$BARE_DLL" --urls "http://127.0.0.1:$BARE_PORT"
BARE_PID=$LAST_PID
wait_healthy "http://127.0.0.1:$BARE_PORT/healthz" "$BARE_PID" "$TMP/bare.log"
log "phase 1: bare Kestrel, closed loop, $CONNECTIONS connections"
"${LOADGEN[@]}" closed --url "http://127.0.0.1:$BARE_PORT$PATH_ENQUEUE" "${COMMON[@]}" --label bare-closed \
  --server-pid "$BARE_PID" --json "$OUT/bare-closed.json" | tee "$OUT/bare-closed.txt"
stop "$BARE_PID"

# 2. DumGum on a fresh database, with a customer that would answer (with bufferSeconds 60 no run starts during the
#    phases: the measure is the enqueue path alone).
CUSTOMER_PORT=$(free_port)
start fake-customer "$TMP/customer.log" dotnet "$CUSTOMER_DLL" --urls "http://127.0.0.1:$CUSTOMER_PORT"
CUSTOMER_PID=$LAST_PID
wait_healthy "http://127.0.0.1:$CUSTOMER_PORT/healthz" "$CUSTOMER_PID" "$TMP/customer.log"

PORT=$(free_port)
TOKEN=bench-admin-$RANDOM$RANDOM
mkdir -p "$TMP/db"
start_dumgum "$PORT" "$TMP/db/dumgum.db" "$TOKEN" "$TMP/dumgum.log"
wait_healthy "http://127.0.0.1:$PORT/healthz" "$DUMGUM_PID" "$TMP/dumgum.log"
KEY=$("${LOADGEN[@]}" setup --admin "http://127.0.0.1:$PORT" --token "$TOKEN" --customer "http://127.0.0.1:$CUSTOMER_PORT" --name enqueue-bench)

metrics() { curl -sf --max-time 5 "http://127.0.0.1:$PORT/metrics" >"$1" || true; }
log "phase 2: DumGum, closed loop, $CONNECTIONS connections"
metrics "$OUT/metrics-closed-before.txt"
"${LOADGEN[@]}" closed --url "http://127.0.0.1:$PORT$PATH_ENQUEUE" --key "$KEY" "${COMMON[@]}" --label dumgum-closed \
  --server-pid "$DUMGUM_PID" --json "$OUT/dumgum-closed.json" | tee "$OUT/dumgum-closed.txt" || true
metrics "$OUT/metrics-closed-after.txt"

RATE=$("${LOADGEN[@]}" rate --closed "$OUT/dumgum-closed.json" --fraction 0.5)
log "phase 3: DumGum, open loop at $RATE req/s (half the closed-loop maximum), up to $OPEN_CONNECTIONS connections"
"${LOADGEN[@]}" open --url "http://127.0.0.1:$PORT$PATH_ENQUEUE" --key "$KEY" "${COMMON[@]}" --connections "$OPEN_CONNECTIONS" \
  --rate "$RATE" --label dumgum-open --server-pid "$DUMGUM_PID" --json "$OUT/dumgum-open.json" | tee "$OUT/dumgum-open.txt" || true
metrics "$OUT/metrics-open-after.txt"

log "customer saw (expected: no events, no runs started during the phases):"
curl -sf "http://127.0.0.1:$CUSTOMER_PORT/stats" | tee "$OUT/customer-stats.json" >&2; echo >&2
grep -c '"LogLevel":"Error"\|"LogLevel":"Critical"' "$TMP/dumgum.log" >"$OUT/dumgum-error-log-lines.txt" || true
cp "$TMP/dumgum.log" "$OUT/dumgum.log"

status=0
"${LOADGEN[@]}" report --bare "$OUT/bare-closed.json" --closed "$OUT/dumgum-closed.json" --open "$OUT/dumgum-open.json" \
  --metrics-closed-before "$OUT/metrics-closed-before.txt" --metrics-closed-after "$OUT/metrics-closed-after.txt" \
  --metrics-open-before "$OUT/metrics-closed-after.txt" --metrics-open-after "$OUT/metrics-open-after.txt" \
  --json "$OUT/summary.json" | tee "$OUT/summary.txt" || status=$?
log "results in $OUT"
exit "$status"
