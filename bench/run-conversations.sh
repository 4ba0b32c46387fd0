#!/usr/bin/env bash
# End-to-end conversations per second (issue 9, point 7; see BENCHMARKS.md, "Overload"). Builds Release, then on 127.0.0.1:
#   1. bare Kestrel, closed loop                                   -> the baseline, req/s (same run)
#   2. DumGum (offline engine, SQLite) + the bench FakeCustomer; an open loop of distinct conversations
#      (bufferSeconds 0) at OFFERED req/s for DURATION s; then wait until every accepted enqueue is answered
#      -> capacity = answered conversations / (first enqueue .. last answer)
#   3. fresh DumGum, open loop at twice the capacity measured in 2, same shape -> enqueue p50/p99 (from the intended
#      send time, 204s and 503s alike), how many were refused (503), and whether every accepted one got an answer
# Bounded: each load phase lasts WARMUP + DURATION <= 20 s, each drain at most MAX_WAIT s.
# Environment: DURATION (15), WARMUP (2), OFFERED (4000), CONNECTIONS (256), MAX_WAIT (120), SKIP_BUILD (0), OUT.
set -euo pipefail
source "$(dirname "$0")/common.sh"

DURATION=${DURATION:-15}
WARMUP=${WARMUP:-2}
OFFERED=${OFFERED:-4000}
CONNECTIONS=${CONNECTIONS:-256}
MAX_WAIT=${MAX_WAIT:-120}
OUT=${OUT:-$ROOT/bench/results/conversations-$(date -u +%Y%m%dT%H%M%SZ)}
if (( WARMUP + DURATION > 20 )); then echo "WARMUP + DURATION must be at most 20 s" >&2; exit 1; fi
mkdir -p "$OUT"

build_all
machine_info | tee "$OUT/machine.txt" >&2
LOADGEN=(dotnet "$LOADGEN_DLL")
PATH_ENQUEUE=/cs/v1/content_creation/conversations/enqueue

BARE_PORT=$(free_port)
start bare-kestrel "$TMP/bare.log" dotnet "$BARE_DLL" --urls "http://127.0.0.1:$BARE_PORT"
BARE_PID=$LAST_PID
wait_healthy "http://127.0.0.1:$BARE_PORT/healthz" "$BARE_PID" "$TMP/bare.log"
log "phase 1: bare Kestrel, closed loop, 64 connections"
"${LOADGEN[@]}" closed --url "http://127.0.0.1:$BARE_PORT$PATH_ENQUEUE" --connections 64 --warmup "$WARMUP" --duration "$DURATION" \
  --label bare-closed --server-pid "$BARE_PID" --json "$OUT/bare-closed.json" | tee "$OUT/bare-closed.txt"
stop "$BARE_PID"

# phase NAME RATE: a fresh DumGum and customer; distinct conversations at RATE for WARMUP + DURATION s; then waits
# until the customer has answered every accepted enqueue (or MAX_WAIT). Writes $OUT/NAME/{load.json,stats.json,result.txt}.
phase() {
  local name=$1 rate=$2 dir=$OUT/$1 port cport token key users started accepted answered drops last elapsed
  mkdir -p "$dir" "$TMP/$name"
  cport=$(free_port)
  start fake-customer "$TMP/$name/customer.log" dotnet "$CUSTOMER_DLL" --urls "http://127.0.0.1:$cport"
  local cpid=$LAST_PID
  wait_healthy "http://127.0.0.1:$cport/healthz" "$cpid" "$TMP/$name/customer.log"
  port=$(free_port); token=bench-admin-$RANDOM$RANDOM
  start_dumgum "$port" "$TMP/$name/dumgum.db" "$token" "$TMP/$name/dumgum.log"
  wait_healthy "http://127.0.0.1:$port/healthz" "$DUMGUM_PID" "$TMP/$name/dumgum.log"
  key=$("${LOADGEN[@]}" setup --admin "http://127.0.0.1:$port" --token "$token" --customer "http://127.0.0.1:$cport" --name "$name")
  users=$(awk -v r="$rate" -v d="$((WARMUP + DURATION))" 'BEGIN { printf "%d", r * d + 1000 }')
  log "$name: open loop of distinct conversations at $rate/s for $((WARMUP + DURATION)) s (bufferSeconds 0)"
  started=$(date +%s%N)
  "${LOADGEN[@]}" open --url "http://127.0.0.1:$port$PATH_ENQUEUE" --key "$key" --connections "$CONNECTIONS" --rate "$rate" \
    --warmup "$WARMUP" --duration "$DURATION" --users "$users" --distinct --user-prefix "$name-u" --buffer-seconds 0 \
    --label "$name" --server-pid "$DUMGUM_PID" --json "$dir/load.json" | tee "$dir/load.txt" || true
  accepted=$(jq '.statuses["204"] // 0' "$dir/load.json")
  # The generator counts only the measured window; the customer counts all. Wait until answers stop growing.
  local deadline=$(( $(date +%s) + MAX_WAIT )) prev=-1
  while :; do
    curl -sf "http://127.0.0.1:$cport/stats" >"$dir/stats.json" || true
    answered=$(jq '.conversations' "$dir/stats.json")
    last=$(jq '.msSinceLastEvent // 0' "$dir/stats.json")
    if [[ "$answered" == "$prev" && "$last" -gt 3000 ]] || (( $(date +%s) > deadline )); then break; fi
    prev=$answered; sleep 1
  done
  drops=$(jq '.events["conversation.dropped"]' "$dir/stats.json")
  elapsed=$(awk -v s="$started" -v n="$(date +%s%N)" -v l="$last" 'BEGIN { printf "%.2f", (n - s) / 1e9 - l / 1000 }')
  curl -sf "http://127.0.0.1:$port/metrics" >"$dir/metrics.txt" || true
  stop "$DUMGUM_PID"; stop "$cpid"
  log_counts "$TMP/$name/dumgum.log" >"$dir/dumgum-log-counts.txt"
  {
    echo "offered rate: $rate/s; completed in the window: $(jq '.completed' "$dir/load.json")"
    echo "statuses (measured window): $(jq -c '.statuses' "$dir/load.json")"
    echo "enqueue latency from intended send: p50 $(jq '.latencyMs.p50' "$dir/load.json") ms, p99 $(jq '.latencyMs.p99' "$dir/load.json") ms, max $(jq '.latencyMs.max' "$dir/load.json") ms"
    echo "conversations answered or dropped (all, warm-up included): $answered (dropped: $drops) in $elapsed s from the first enqueue to the last event"
    echo "end-to-end: $(awk -v a="$answered" -v e="$elapsed" 'BEGIN { printf "%.0f", a / e }') conversations/s"
    echo "log: $(cat "$dir/dumgum-log-counts.txt")"
  } | tee "$dir/result.txt"
  echo "$answered $elapsed" >"$dir/answered.txt"
}

phase capacity "$OFFERED"
CAPACITY=$(awk '{ printf "%d", $1 / $2 }' "$OUT/capacity/answered.txt")
log "measured capacity: $CAPACITY conversations/s; overload phase at twice that"
phase overload $((CAPACITY * 2))
log "results in $OUT"
