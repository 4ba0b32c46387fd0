#!/usr/bin/env bash
# The enqueue benchmark (see BENCHMARKS.md). Builds Release, then on 127.0.0.1:
#   1. bare Kestrel (bench/BareKestrel), closed loop            -> the baseline, req/s
#   2. DumGum, fresh temp DB, closed loop                       -> max durable enqueues/s (every answer must be 204)
#   3. DumGum, open loop at half of (2)                         -> p50/p99 from the intended send time
# and prints the ratio DumGum/bare and the goals. Each phase lasts WARMUP + DURATION <= 20 s.
# STORAGE=sqlite (default: a SQLite file in a temp folder), postgres (a database in a throwaway PostgreSQL cluster,
# bench/pg.sh) or both (2 and 3 on SQLite, then 2 and 3 on PostgreSQL, same load, one baseline; a table at the end).
# On PostgreSQL the closed loop also records the CPU split, WAL writes/fsyncs, transactions and lock waits (pg-*.txt).
# Before 2, each DumGum gets SERVER_WARMUP s of the same closed-loop load, not measured: for its first ~15-20 s under
# load the .NET tiered JIT recompiles the hot paths and takes ~0.3 cores of the 2 (see BENCHMARKS.md).
# Environment: STORAGE (sqlite), SERVER_WARMUP (20, 0 = none), DURATION (15), WARMUP (3), CONNECTIONS (64, closed
#              loops), OPEN_CONNECTIONS (256), USERS (10000), BUFFER_SECONDS (60), OUT (bench/results/enqueue-<time>),
#              SKIP_BUILD (0), PG_OPTIONS (extra PostgreSQL server options).
set -euo pipefail
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/pg.sh"

DURATION=${DURATION:-15}
WARMUP=${WARMUP:-3}
SERVER_WARMUP=${SERVER_WARMUP:-20}
CONNECTIONS=${CONNECTIONS:-64}
OPEN_CONNECTIONS=${OPEN_CONNECTIONS:-256}
USERS=${USERS:-10000}
BUFFER_SECONDS=${BUFFER_SECONDS:-60}
OUT=${OUT:-$ROOT/bench/results/enqueue-$(date -u +%Y%m%dT%H%M%SZ)}
if (( WARMUP + DURATION > 20 )); then echo "WARMUP + DURATION must be at most 20 s" >&2; exit 1; fi
STORAGE=${STORAGE:-sqlite}
case "$STORAGE" in sqlite | postgres) STORAGES=("$STORAGE") ;; both) STORAGES=(sqlite postgres) ;;
  *) echo "STORAGE must be sqlite, postgres or both" >&2; exit 1 ;; esac
mkdir -p "$OUT"

build_all
machine_info | tee "$OUT/machine.txt" >&2
if [[ "$STORAGE" != sqlite ]]; then pg_start; fi
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

# 2 and 3, once per storage. A customer that would answer (with bufferSeconds 60 no run starts during the phases: the
# measure is the enqueue path alone).
CUSTOMER_PORT=$(free_port)
start fake-customer "$TMP/customer.log" dotnet "$CUSTOMER_DLL" --urls "http://127.0.0.1:$CUSTOMER_PORT"
CUSTOMER_PID=$LAST_PID
wait_healthy "http://127.0.0.1:$CUSTOMER_PORT/healthz" "$CUSTOMER_PID" "$TMP/customer.log"

# pg_window DIR DB: in the background during the closed loop, from WARMUP + 1 s to WARMUP + DURATION - 1 s (inside the
# generator's measured window): CPU ticks of the cluster, of DumGum and of the whole machine, the cluster's WAL and
# transaction counters, before and after; and lock-wait samples every 100 ms in between.
pg_window() {
  local dir=$1 db=$2
  sleep $((WARMUP + 1))
  echo "$(date +%s%N) $(pg_cpu_ticks) $(proc_cpu_ticks "$DUMGUM_PID") $(machine_busy_ticks) $(pg_counters "$db")" >"$dir/pg-before.txt"
  pg_sample_waits "$dir/pg-waits.txt" $((DURATION - 2))
  echo "$(date +%s%N) $(pg_cpu_ticks) $(proc_cpu_ticks "$DUMGUM_PID") $(machine_busy_ticks) $(pg_counters "$db")" >"$dir/pg-after.txt"
}

# pg_window_summary DIR: over that window, where the 2 cores went (postgres, DumGum, the rest: the generator and
# anything else running), transactions per second (every transaction of the database, reads included), WAL writes
# and fsyncs per second (and the mean fsync time), WAL bytes; then the lock-wait samples.
# Fields 1-10 before, 11-20 after: ns, postgres ticks, DumGum ticks, machine ticks, wal_write, wal_sync, write ms,
# sync ms, wal_bytes, xact_commit.
pg_window_summary() {
  paste -d' ' "$1/pg-before.txt" "$1/pg-after.txt" | awk -v tck="$CLK_TCK" '{
    s = ($11 - $1) / 1e9; pg = ($12 - $2) / tck / s; dg = ($13 - $3) / tck / s; all = ($14 - $4) / tck / s
    printf "window %.1f s: machine busy %.2f cores = postgres %.2f + DumGum %.2f + rest %.2f (generator and everything else)\n", s, all, pg, dg, all - pg - dg
    printf "postgres: %.0f transactions/s, %.0f WAL writes/s, %.0f WAL fsyncs/s (mean %.2f ms each), %.1f MB WAL/s\n",
      ($20 - $10) / s, ($15 - $5) / s, ($16 - $6) / s, ($16 - $6) ? ($18 - $8) / ($16 - $6) : 0, ($19 - $9) / s / 1e6 }'
  echo "lock waits (every 100 ms): $(summarize_waits "$1/pg-waits.txt")"
}

# measure STORAGE: phases 2 and 3 on a fresh SQLite file or PostgreSQL database; results in $OUT/STORAGE/.
measure() {
  local storage=$1 dir=$OUT/$1 store port token key rate status=0 probe=
  mkdir -p "$dir"
  if [[ "$storage" == postgres ]]; then
    pg_createdb dumgum_enqueue; store=postgres:dumgum_enqueue
  else
    mkdir -p "$TMP/db"; store=$TMP/db/dumgum.db
  fi
  port=$(free_port)
  token=bench-admin-$RANDOM$RANDOM
  start_dumgum "$port" "$store" "$token" "$TMP/dumgum-$storage.log"
  wait_healthy "http://127.0.0.1:$port/healthz" "$DUMGUM_PID" "$TMP/dumgum-$storage.log"
  key=$("${LOADGEN[@]}" setup --admin "http://127.0.0.1:$port" --token "$token" --customer "http://127.0.0.1:$CUSTOMER_PORT" --name enqueue-bench)
  metrics() { curl -sf --max-time 5 "http://127.0.0.1:$port/metrics" >"$1" || true; }

  if (( SERVER_WARMUP > 0 )); then
    log "server warm-up ($storage): closed loop, $SERVER_WARMUP s, not measured"
    "${LOADGEN[@]}" closed --url "http://127.0.0.1:$port$PATH_ENQUEUE" --key "$key" "${COMMON[@]}" --warmup 0 --duration "$SERVER_WARMUP" \
      --label "dumgum-$storage-server-warmup" --json "$dir/server-warmup.json" >"$dir/server-warmup.txt" || true
  fi
  log "phase 2 ($storage): DumGum, closed loop, $CONNECTIONS connections"
  metrics "$dir/metrics-closed-before.txt"
  if [[ "$storage" == postgres ]]; then pg_window "$dir" dumgum_enqueue & probe=$!; fi
  "${LOADGEN[@]}" closed --url "http://127.0.0.1:$port$PATH_ENQUEUE" --key "$key" "${COMMON[@]}" --label "dumgum-$storage-closed" \
    --server-pid "$DUMGUM_PID" --json "$dir/dumgum-closed.json" | tee "$dir/dumgum-closed.txt" || true
  metrics "$dir/metrics-closed-after.txt"
  if [[ -n "$probe" ]]; then wait "$probe"; pg_window_summary "$dir" | tee "$dir/pg-summary.txt"; fi

  rate=$("${LOADGEN[@]}" rate --closed "$dir/dumgum-closed.json" --fraction 0.5)
  log "phase 3 ($storage): DumGum, open loop at $rate req/s (half the closed-loop maximum), up to $OPEN_CONNECTIONS connections"
  "${LOADGEN[@]}" open --url "http://127.0.0.1:$port$PATH_ENQUEUE" --key "$key" "${COMMON[@]}" --connections "$OPEN_CONNECTIONS" \
    --rate "$rate" --label "dumgum-$storage-open" --server-pid "$DUMGUM_PID" --json "$dir/dumgum-open.json" | tee "$dir/dumgum-open.txt" || true
  metrics "$dir/metrics-open-after.txt"
  stop "$DUMGUM_PID"
  grep -c '"LogLevel":"Error"\|"LogLevel":"Critical"' "$TMP/dumgum-$storage.log" >"$dir/dumgum-error-log-lines.txt" || true
  log_counts "$TMP/dumgum-$storage.log" >"$dir/dumgum-log-counts.txt"
  cp "$TMP/dumgum-$storage.log" "$dir/dumgum.log"

  "${LOADGEN[@]}" report --bare "$OUT/bare-closed.json" --closed "$dir/dumgum-closed.json" --open "$dir/dumgum-open.json" \
    --metrics-closed-before "$dir/metrics-closed-before.txt" --metrics-closed-after "$dir/metrics-closed-after.txt" \
    --metrics-open-before "$dir/metrics-closed-after.txt" --metrics-open-after "$dir/metrics-open-after.txt" \
    --json "$dir/summary.json" | tee "$dir/summary.txt" || status=$?
  return "$status"
}

status=0
for s in "${STORAGES[@]}"; do measure "$s" || status=$?; done

log "customer saw (expected: no events, no runs started during the phases):"
curl -sf "http://127.0.0.1:$CUSTOMER_PORT/stats" | tee "$OUT/customer-stats.json" >&2; echo >&2

# One table for all the storages measured in this run.
{
  echo "| storage | bare req/s | durable enqueues/s | / bare | server cores | generator cores | other cores | items/commit | open-loop rate | p50 | p99 | p99.9 | errors in log |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  for s in "${STORAGES[@]}"; do
    jq -r --arg s "$s" --arg e "$(cat "$OUT/$s/dumgum-error-log-lines.txt")" '"| \($s) | \(.bareThroughput) | \(.dumGumThroughput) | \(.ratio) | \(.dumGumClosed.cpu.serverCores) | \(.dumGumClosed.cpu.loadGenCores) | \(.dumGumClosed.cpu.otherCores) | \(.closedWriteBatches.meanItemsPerCommit) | \(.openRate)/s | \(.openP50Ms) ms | \(.openP99Ms) ms | \(.openP999Ms) ms | \($e) |"' "$OUT/$s/summary.json"
  done
  if [[ -f "$OUT/postgres/pg-summary.txt" ]]; then echo; echo "PostgreSQL, closed loop:"; cat "$OUT/postgres/pg-summary.txt"; fi
} | tee "$OUT/table.md"
log "results in $OUT"
exit "$status"
