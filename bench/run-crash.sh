#!/usr/bin/env bash
# The crash test (see BENCHMARKS.md). Builds Release, then on 127.0.0.1:
#   FakeCustomer + DumGum (fresh temp DB); TOTAL enqueues over CONVERSATIONS conversations, bufferSeconds "1", each
#   carrying tags.seq = 1, 2, 3, … per conversation; when KILL_AT have been accepted (204), DumGum is killed with
#   SIGKILL (by PID) and restarted on the same database; the load goes on until TOTAL are accepted. Then it waits until
#   every conversation is covered by an answer.created / conversation.dropped whose tag seq >= its last accepted seq
#   and no event came for 10 s (at most 180 s), and counts lost enqueues (accepted, never covered). Goal: 0 lost.
# STORAGE=sqlite (default: a SQLite file in a temp folder) or postgres (a database in a throwaway PostgreSQL cluster,
# bench/pg.sh; only DumGum is killed, PostgreSQL keeps running, and the new process starts on the same database).
# Environment: STORAGE (sqlite), TOTAL (100000), CONVERSATIONS (1000), KILL_AT (50000), CONNECTIONS (64), MAX_LOAD_SECONDS (300),
#              MAX_WAIT (180), OUT (bench/results/crash-<time>), SKIP_BUILD (0).
set -euo pipefail
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/pg.sh"

TOTAL=${TOTAL:-100000}
CONVERSATIONS=${CONVERSATIONS:-1000}
KILL_AT=${KILL_AT:-50000}
CONNECTIONS=${CONNECTIONS:-64}
MAX_LOAD_SECONDS=${MAX_LOAD_SECONDS:-300}
MAX_WAIT=${MAX_WAIT:-180}
OUT=${OUT:-$ROOT/bench/results/crash-$(date -u +%Y%m%dT%H%M%SZ)}
STORAGE=${STORAGE:-sqlite}
mkdir -p "$OUT"

build_all
machine_info | tee "$OUT/machine.txt" >&2
echo "storage: $STORAGE" | tee -a "$OUT/machine.txt" >&2
LOADGEN=(dotnet "$LOADGEN_DLL")

CUSTOMER_PORT=$(free_port)
start fake-customer "$TMP/customer.log" dotnet "$CUSTOMER_DLL" --urls "http://127.0.0.1:$CUSTOMER_PORT"
CUSTOMER_PID=$LAST_PID
wait_healthy "http://127.0.0.1:$CUSTOMER_PORT/healthz" "$CUSTOMER_PID" "$TMP/customer.log"

PORT=$(free_port)
TOKEN=bench-admin-$RANDOM$RANDOM
case "$STORAGE" in
  sqlite) mkdir -p "$TMP/db"; STORE=$TMP/db/dumgum.db ;;
  postgres) pg_start; pg_createdb dumgum_crash; STORE=postgres:dumgum_crash ;;
  *) echo "STORAGE must be sqlite or postgres" >&2; exit 1 ;;
esac
start_dumgum "$PORT" "$STORE" "$TOKEN" "$TMP/dumgum-1.log"
wait_healthy "http://127.0.0.1:$PORT/healthz" "$DUMGUM_PID" "$TMP/dumgum-1.log"
KEY=$("${LOADGEN[@]}" setup --admin "http://127.0.0.1:$PORT" --token "$TOKEN" --customer "http://127.0.0.1:$CUSTOMER_PORT" --name crash-bench)

log "load: $TOTAL enqueues over $CONVERSATIONS conversations, $CONNECTIONS connections; kill -9 at $KILL_AT accepted"
start crash-load "$OUT/load.txt" "${LOADGEN[@]}" crash-load --url "http://127.0.0.1:$PORT/cs/v1/content_creation/conversations/enqueue" \
  --key "$KEY" --conversations "$CONVERSATIONS" --total "$TOTAL" --connections "$CONNECTIONS" --buffer-seconds 1 \
  --max-seconds "$MAX_LOAD_SECONDS" --progress-file "$TMP/progress" --accepted-file "$OUT/accepted.txt" --json "$OUT/load.json"
LOAD_PID=$LAST_PID

accepted() { cat "$TMP/progress" 2>/dev/null || echo 0; }
deadline=$((SECONDS + MAX_LOAD_SECONDS))
while (( $(accepted) < KILL_AT )); do
  if ! kill -0 "$LOAD_PID" 2>/dev/null; then log "the load ended before the kill"; cat "$OUT/load.txt" >&2; exit 1; fi
  if (( SECONDS > deadline )); then log "KILL_AT not reached in $MAX_LOAD_SECONDS s"; exit 1; fi
  sleep 0.05
done
kill -9 "$DUMGUM_PID"
KILLED_AT=$(accepted)
log "kill -9 $DUMGUM_PID at $KILLED_AT accepted"
wait "$DUMGUM_PID" 2>/dev/null || true
down_since=$(date +%s%N)

start_dumgum "$PORT" "$STORE" "$TOKEN" "$TMP/dumgum-2.log"
wait_healthy "http://127.0.0.1:$PORT/healthz" "$DUMGUM_PID" "$TMP/dumgum-2.log"
DOWNTIME_MS=$(( ($(date +%s%N) - down_since) / 1000000 ))
log "restarted as pid $DUMGUM_PID (down ${DOWNTIME_MS} ms)"

load_status=0
wait "$LOAD_PID" || load_status=$?
log "load finished (exit $load_status): $(accepted) accepted"

log "waiting for every conversation to be answered (quiet 10 s, at most $MAX_WAIT s)"
status=0
"${LOADGEN[@]}" verify --customer "http://127.0.0.1:$CUSTOMER_PORT" --accepted-file "$OUT/accepted.txt" --load-json "$OUT/load.json" \
  --quiet 10 --long-quiet 60 --max-wait "$MAX_WAIT" --json "$OUT/verdict.json" >"$OUT/verdict.txt" 2>"$OUT/verify-progress.txt" || status=$?
tail -3 "$OUT/verify-progress.txt" >&2
curl -sf "http://127.0.0.1:$PORT/metrics" >"$OUT/metrics-end.txt" || true
cp "$TMP/dumgum-1.log" "$TMP/dumgum-2.log" "$OUT/"
{
  echo "killed at accepted: $KILLED_AT"
  echo "downtime (kill -> healthy again): ${DOWNTIME_MS} ms"
  echo "restart log: $(grep -o 'Resuming [0-9]* [a-z ]*' "$TMP/dumgum-2.log" | tr '\n' ';')"
  echo "log, first run: $(log_counts "$TMP/dumgum-1.log")"
  echo "log, second run: $(log_counts "$TMP/dumgum-2.log")"
} | tee "$OUT/kill.txt"
cat "$OUT/verdict.txt"
log "results in $OUT"
exit "$status"
