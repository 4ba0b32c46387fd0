#!/usr/bin/env bash
# End-to-end conversations per second and enqueue latency under overload (issue 9, point 7; BENCHMARKS.md, "End-to-end
# conversations and overload"). Builds Release, then, on 127.0.0.1 only:
#   1. bare Kestrel, closed loop, 64 connections, WARMUP + DURATION s             -> the baseline, req/s and p99 (same run)
#   then one DumGum (Release, Production, offline engine, fresh SQLite file) and the bench FakeCustomer, and three
#   loads of distinct conversations (each user once, bufferSeconds 0), each followed by a wait until the customer has
#   an answer for every accepted one (no event for QUIET s, or MAX_WAIT s, ends the wait):
#   2. warm-up (not reported): rounds of WARM_CONVERSATIONS (closed loop, then the wait), until the server's background
#      JIT (tiering) used under 1 % of a core over a round, at most WARM_MAX_SECONDS s: a fresh server first runs
#      unoptimised code, and answered about 2.4 x fewer conversations per CPU-second in a trial before tiering settled
#   3. capacity: CAPACITY_CONVERSATIONS (default: 15 s at the last warm-up round's rate, 5,000-40,000), closed loop of
#      CAPACITY_CONNECTIONS (sending at most CAPACITY_MAX_SECONDS s)
#      -> capacity = answered conversations / (first enqueue sent -> last conversation answered)
#   4. overload: an open loop at OVERLOAD_RATE (default twice the capacity) for WARMUP + DURATION s
#      -> enqueue p50/p95/p99 over the measured window from the intended send time (204s and 503s alike),
#      accepted, 503s, answered, lost = accepted - answered
# Prints a summary; exit 2 when any accepted enqueue was never answered (a drop is not an answer), 3 when the capacity
# phase answered nothing (no overload rate to offer). The goals (>= 2,000/s, p99 <= 50 ms) are reported, not enforced.
# Every process started is stopped by its PID; the temporary folder is deleted on exit.
# Environment: DURATION (10), WARMUP (2), WARM_CONVERSATIONS (2000), WARM_MAX_SECONDS (40),
# CAPACITY_CONVERSATIONS (auto), CAPACITY_CONNECTIONS (64),
# CAPACITY_MAX_SECONDS (20), OVERLOAD_RATE (2 x capacity), CONNECTIONS (256, overload open loop), MAX_WAIT (90),
# QUIET (10), SKIP_BUILD (0), OUT, DUMGUM_ARGS (extra server settings for a trial; none by default).
set -euo pipefail
source "$(dirname "$0")/common.sh"

DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
WARM_CONVERSATIONS=${WARM_CONVERSATIONS:-2000}
WARM_MAX_SECONDS=${WARM_MAX_SECONDS:-40}
CAPACITY_CONVERSATIONS=${CAPACITY_CONVERSATIONS:-auto}
CAPACITY_CONNECTIONS=${CAPACITY_CONNECTIONS:-64}
CAPACITY_MAX_SECONDS=${CAPACITY_MAX_SECONDS:-20}
CONNECTIONS=${CONNECTIONS:-256}
MAX_WAIT=${MAX_WAIT:-90}
QUIET=${QUIET:-10}
OUT=${OUT:-$ROOT/bench/results/conversations-$(date -u +%Y%m%dT%H%M%SZ)}
if (( WARMUP + DURATION > 20 )); then echo "WARMUP + DURATION must be at most 20 s" >&2; exit 1; fi
if (( CAPACITY_MAX_SECONDS > 30 || MAX_WAIT > 120 )); then echo "CAPACITY_MAX_SECONDS <= 30 and MAX_WAIT <= 120" >&2; exit 1; fi
mkdir -p "$OUT"

build_all
{ machine_info; echo "DumGum extra settings (DUMGUM_ARGS): ${DUMGUM_ARGS:-none}"; } | tee "$OUT/machine.txt" >&2
LOADGEN=(dotnet "$LOADGEN_DLL")
PATH_ENQUEUE=/cs/v1/content_creation/conversations/enqueue

BARE_PORT=$(free_port)
start bare-kestrel "$TMP/bare.log" dotnet "$BARE_DLL" --urls "http://127.0.0.1:$BARE_PORT"
BARE_PID=$LAST_PID
wait_healthy "http://127.0.0.1:$BARE_PORT/healthz" "$BARE_PID" "$TMP/bare.log"
log "baseline: bare Kestrel, closed loop, 64 connections, $WARMUP + $DURATION s"
"${LOADGEN[@]}" closed --url "http://127.0.0.1:$BARE_PORT$PATH_ENQUEUE" --connections 64 --warmup "$WARMUP" --duration "$DURATION" \
  --label bare-closed --server-pid "$BARE_PID" --json "$OUT/bare-closed.json" | tee "$OUT/bare-closed.txt" >&2
stop "$BARE_PID"

CPORT=$(free_port)
start fake-customer "$TMP/customer.log" dotnet "$CUSTOMER_DLL" --urls "http://127.0.0.1:$CPORT"
CPID=$LAST_PID
wait_healthy "http://127.0.0.1:$CPORT/healthz" "$CPID" "$TMP/customer.log"
PORT=$(free_port); TOKEN=bench-admin-$RANDOM$RANDOM
start_dumgum "$PORT" "$TMP/dumgum.db" "$TOKEN" "$TMP/dumgum.log"
wait_healthy "http://127.0.0.1:$PORT/healthz" "$DUMGUM_PID" "$TMP/dumgum.log"
KEY=$("${LOADGEN[@]}" setup --admin "http://127.0.0.1:$PORT" --token "$TOKEN" --customer "http://127.0.0.1:$CPORT" --name conversations)

# load NAME LOADGEN-ARGS...: the given load of distinct conversations (bufferSeconds 0, users NAME-u0, NAME-u1, ...,
# persona bench-p) against the one DumGum; then `loadgen answered` waits until the customer has an answer for every
# accepted one (or QUIET / MAX_WAIT). Writes $OUT/NAME/{load.json,accepted.txt,answered.json,...}.
load() {
  local name=$1 dir=${LOAD_DIR:-$OUT/$1} already; shift
  mkdir -p "$dir"
  already=$(curl -sf "http://127.0.0.1:$CPORT/stats" | jq '.answered')
  log "$name: $*"
  # exit 3 = not every answer a 204 (e.g. 503s under overload): expected, the summary counts them
  "${LOADGEN[@]}" "$@" --url "http://127.0.0.1:$PORT$PATH_ENQUEUE" --key "$KEY" --distinct --user-prefix "$name-u" \
    --buffer-seconds 0 --label "$name" --server-pid "$DUMGUM_PID" --customer-pid "$CPID" \
    --accepted-file "$dir/accepted.txt" --json "$dir/load.json" | tee "$dir/load.txt" >&2 || true
  "${LOADGEN[@]}" answered --customer "http://127.0.0.1:$CPORT" --load "$dir/load.json" --accepted-file "$dir/accepted.txt" \
    --persona bench-p --user-prefix "$name-u" --already "$already" --quiet "$QUIET" --max-wait "$MAX_WAIT" \
    --server-pid "$DUMGUM_PID" --customer-pid "$CPID" --json "$dir/answered.json" | tee "$dir/answered.txt" >&2 || true
  curl -sf "http://127.0.0.1:$PORT/metrics" >"$dir/metrics.txt" || true
}

# Warm-up (not reported): JIT tiering, connection pools, SQLite's first pages, so the phases below measure a warm
# server, as a deployment is after its first minute. Rounds until tiering is quiet (under 1 % of a core over a round).
WARM_END=$(( $(date +%s) + WARM_MAX_SECONDS )); round=0
while :; do
  round=$((round + 1)); t0=$(date +%s%N); j0=$(tiering_ticks "$DUMGUM_PID")
  LOAD_DIR=$OUT/warmup/$round load "warm$round" closed --connections "$CAPACITY_CONNECTIONS" --total "$WARM_CONVERSATIONS" \
    --users "$WARM_CONVERSATIONS" --warmup 0 --duration 10 2>/dev/null
  j1=$(tiering_ticks "$DUMGUM_PID"); t1=$(date +%s%N)
  # ticks are 1/CLK_TCK s; quiet: tiering CPU < 1 % of the round's wall time (a negative delta: a tiering thread ended)
  quiet=$(awk -v d=$((j1 - j0)) -v hz="$CLK_TCK" -v w=$(( (t1 - t0) / 1000000 )) 'BEGIN { print (d >= 0 && d / hz * 1000 < w / 100) ? 1 : 0 }')
  log "warm-up round $round: $(jq -r '"\(.answeredCount) answered, \(.perSecond // "?")/s"' "$OUT/warmup/$round/answered.json"); tiering thread CPU $((j1 - j0)) ticks in $(( (t1 - t0) / 1000000 )) ms"
  if (( quiet == 1 )); then log "warm-up done: tiering quiet"; break; fi
  if (( $(date +%s) >= WARM_END )); then log "warm-up stopped at WARM_MAX_SECONDS ($WARM_MAX_SECONDS s); tiering still busy"; break; fi
done
if [[ "$CAPACITY_CONVERSATIONS" == auto ]]; then
  # long enough to dwarf the ramp at both ends, short enough to drain within MAX_WAIT
  CAPACITY_CONVERSATIONS=$(jq '[[(.perSecond // 0) * 15 | floor, 5000] | max, 40000] | min' "$OUT/warmup/$round/answered.json")
fi
load capacity closed --connections "$CAPACITY_CONNECTIONS" --total "$CAPACITY_CONVERSATIONS" --users "$CAPACITY_CONVERSATIONS" \
  --warmup 0 --duration "$CAPACITY_MAX_SECONDS"
CAPACITY=$(jq '.perSecond // 0 | floor' "$OUT/capacity/answered.json")
if (( CAPACITY <= 0 )); then log "the capacity phase answered nothing; no overload rate to offer"; exit 3; fi
RATE=${OVERLOAD_RATE:-$((CAPACITY * 2))}
log "measured capacity: $CAPACITY answered conversations/s; overload phase at $RATE enqueues/s"
USERS=$((RATE * (WARMUP + DURATION) + 1000))
load overload open --connections "$CONNECTIONS" --rate "$RATE" --warmup "$WARMUP" --duration "$DURATION" --users "$USERS"

curl -sf "http://127.0.0.1:$CPORT/stats" >"$OUT/customer-stats.json" || true
stop "$DUMGUM_PID"; stop "$CPID"
log_counts "$TMP/dumgum.log" | tee "$OUT/dumgum-log-counts.txt" >&2
# keep the server's warnings and errors (not the whole log) with the results
grep -E '"LogLevel":"(Warning|Error|Critical)"' "$TMP/dumgum.log" | head -200 >"$OUT/dumgum-warnings.log" || true
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/machine.txt" >&2
status=0
"${LOADGEN[@]}" conversations-report --bare "$OUT/bare-closed.json" \
  --capacity-load "$OUT/capacity/load.json" --capacity-answered "$OUT/capacity/answered.json" \
  --overload-load "$OUT/overload/load.json" --overload-answered "$OUT/overload/answered.json" \
  --json "$OUT/summary.json" | tee "$OUT/summary.txt" || status=$?
log "results in $OUT"
exit "$status"
