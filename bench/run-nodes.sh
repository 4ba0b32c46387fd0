#!/usr/bin/env bash
# One DumGum node vs two nodes sharing one PostgreSQL database (see BENCHMARKS.md, "PostgreSQL (issue 4)").
# Builds Release, starts a throwaway PostgreSQL cluster (bench/pg.sh) and a FakeCustomer, then runs four phases, each
# on a fresh database with fresh nodes, all on 127.0.0.1:
#   enqueue-1  1 node,  bufferSeconds 60, USERS conversations          (the enqueue path alone: no run starts)
#   enqueue-2  2 nodes, same load
#   process-1  1 node,  bufferSeconds 1, PROCESS_USERS conversations   (runs claim, generate, deliver and finish
#   process-2  2 nodes, same load                                       during the load, on both nodes)
# The load is always two closed-loop generators with CONNECTIONS/2 connections each (the same generator CPU in every
# phase): both on the node in a 1-node phase, one per node in a 2-node phase. Both nodes serve the same conversations.
# Over a window inside the generators' measured window (WARMUP + 1 s to WARMUP + DURATION - 1 s) it records, per
# node, enqueues and finished runs (from /metrics; dumgum_runs_total, every outcome) and CPU seconds (utime + stime from /proc/PID/stat), the cluster's
# CPU, WAL fsyncs and commits, and samples lock waits every 100 ms (pg_stat_activity, wait_event_type = 'Lock').
# Each phase starts with SERVER_WARMUP s of the same load, not measured (the tiered JIT's first ~15-20 s under load).
# Goal: enqueues per DumGum CPU-second with 2 nodes >= 0.8 x with 1 node.
# Environment: SERVER_WARMUP (20, 0 = none), DURATION (15), WARMUP (3), CONNECTIONS (64), USERS (10000),
#              PROCESS_USERS (1000), PHASES (all four, e.g. "enqueue-1 enqueue-2"), OUT (bench/results/nodes-<time>),
#              SKIP_BUILD (0), PG_OPTIONS.
set -euo pipefail
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/pg.sh"

DURATION=${DURATION:-15}
WARMUP=${WARMUP:-3}
SERVER_WARMUP=${SERVER_WARMUP:-20}
CONNECTIONS=${CONNECTIONS:-64}
USERS=${USERS:-10000}
PROCESS_USERS=${PROCESS_USERS:-1000}
PHASES=${PHASES:-enqueue-1 enqueue-2 process-1 process-2}
OUT=${OUT:-$ROOT/bench/results/nodes-$(date -u +%Y%m%dT%H%M%SZ)}
if (( WARMUP + DURATION > 20 || DURATION < 5 )); then echo "DURATION must be 5..20 s and WARMUP + DURATION at most 20 s" >&2; exit 1; fi
mkdir -p "$OUT"

build_all
machine_info | tee "$OUT/machine.txt" >&2
pg_start
LOADGEN=(dotnet "$LOADGEN_DLL")
PATH_ENQUEUE=/cs/v1/content_creation/conversations/enqueue
TOKEN=bench-admin-$RANDOM$RANDOM

CUSTOMER_PORT=$(free_port)
start fake-customer "$TMP/customer.log" dotnet "$CUSTOMER_DLL" --urls "http://127.0.0.1:$CUSTOMER_PORT"
CUSTOMER_PID=$LAST_PID
wait_healthy "http://127.0.0.1:$CUSTOMER_PORT/healthz" "$CUSTOMER_PID" "$TMP/customer.log"

# counters PORT PID: "enqueues runs-finished cpu-ticks" of one node.
counters() {
  local m
  m=$(curl -sf --max-time 5 "http://127.0.0.1:$1/metrics" || true)
  echo "$(awk '/^dumgum_enqueues_total/ {e += $NF} /^dumgum_runs_total/ {r += $NF} END {print e + 0, r + 0}' <<<"$m") $(proc_cpu_ticks "$2")"
}

# snapshot DIR NAME DB PORTS... PIDS...: node counters, the cluster's CPU and counters, the time.
snapshot() {
  local dir=$1 name=$2 db=$3 i; shift 3
  local n=$(($# / 2))
  {
    echo "ns $(date +%s%N)"
    for ((i = 1; i <= n; i++)); do echo "node$i $(counters "${@:i:1}" "${@:n+i:1}")"; done
    echo "pg $(pg_cpu_ticks) $(pg_counters "$db")"
    echo "machine $(machine_busy_ticks)"
  } >"$dir/$name.txt"
}

# phase NAME NODES BUFFER USERS
phase() {
  local name=$1 nodes=$2 buffer=$3 users=$4 dir=$OUT/$1 db=dumgum_${1//-/_} i key
  local ports=() pids=() gens=() g
  mkdir -p "$dir"
  pg_createdb "$db"
  for ((i = 1; i <= nodes; i++)); do
    ports+=("$(free_port)")
    start_dumgum "${ports[-1]}" "postgres:$db" "$TOKEN" "$TMP/$name-node$i.log"
    pids+=("$DUMGUM_PID")
  done
  for ((i = 0; i < nodes; i++)); do wait_healthy "http://127.0.0.1:${ports[i]}/healthz" "${pids[i]}" "$TMP/$name-node$((i + 1)).log"; done
  key=$("${LOADGEN[@]}" setup --admin "http://127.0.0.1:${ports[0]}" --token "$TOKEN" --customer "http://127.0.0.1:$CUSTOMER_PORT" --name "$name")

  # run_gens SUFFIX ARGS...: starts the two generators (generator g on node g % nodes, result files gen<g><SUFFIX>.*);
  # their PIDs go to gens.
  gens=()
  run_gens() {
    local g i
    for g in 0 1; do
      i=$((g % nodes))
      start "gen$g" "$dir/gen$g$1.txt" "${LOADGEN[@]}" closed --url "http://127.0.0.1:${ports[i]}$PATH_ENQUEUE" --key "$key" \
        --connections $((CONNECTIONS / 2)) --users "$users" --buffer-seconds "$buffer" --label "$name-gen$g$1" \
        --server-pid "${pids[i]}" --json "$dir/gen$g$1.json" "${@:2}"
      gens+=("$LAST_PID")
    done
  }
  if (( SERVER_WARMUP > 0 )); then
    log "phase $name: server warm-up, $SERVER_WARMUP s, not measured"
    run_gens -warmup --warmup 0 --duration "$SERVER_WARMUP"
    for g in "${gens[@]}"; do wait "$g" || true; done
    gens=()
  fi
  log "phase $name: $nodes node(s), bufferSeconds $buffer, $users conversations, 2 generators x $((CONNECTIONS / 2)) connections"
  run_gens "" --warmup "$WARMUP" --duration "$DURATION"
  sleep $((WARMUP + 1))
  snapshot "$dir" before "$db" "${ports[@]}" "${pids[@]}"
  pg_sample_waits "$dir/waits.txt" $((DURATION - 2)) &
  local sampler=$!
  sleep $((DURATION - 2))
  snapshot "$dir" after "$db" "${ports[@]}" "${pids[@]}"
  wait "$sampler" || true
  for g in "${gens[@]}"; do wait "$g" || true; done

  for ((i = 0; i < nodes; i++)); do
    curl -sf --max-time 5 "http://127.0.0.1:${ports[i]}/metrics" >"$dir/metrics-node$((i + 1)).txt" || true
    stop "${pids[i]}"
    cp "$TMP/$name-node$((i + 1)).log" "$dir/node$((i + 1)).log"
  done
  summarize "$dir" "$name" "$nodes" | tee "$dir/summary.txt"
}

# summarize DIR NAME NODES: one table row per node and one for the phase (the window's deltas), plus the generators'
# own view (throughput over their measured window, latency, non-204 answers) and the lock-wait samples.
summarize() {
  local dir=$1 name=$2 nodes=$3
  paste -d' ' "$dir/before.txt" "$dir/after.txt" | awk -v tck="$CLK_TCK" -v name="$name" -v nodes="$nodes" '
    $1 == "ns" { s = ($4 - $2) / 1e9; next }
    $1 ~ /^node/ { e = $6 - $2; r = $7 - $3; c = ($8 - $4) / tck; E += e; R += r; C += c
      printf "| %s | %s | %.0f | %.0f | %.2f | %.0f | %.2f |\n", name, $1, e / s, r / s, c, e / c, c / s; next }
    # pg: before = $2 ticks $3 wal_write $4 wal_sync $5 write ms $6 sync ms $7 wal_bytes $8 commits; after = $10..$16
    $1 == "pg" { pc = ($10 - $2) / tck; sy = $12 - $4; st = $14 - $6; cm = $16 - $8 }
    $1 == "machine" { all = ($4 - $2) / tck }
    END { printf "| %s | total (%d) | %.0f | %.0f | %.2f | %.0f | %.2f |\n", name, nodes, E / s, R / s, C, E / C, C / s
      printf "window %.1f s: machine busy %.2f cores = DumGum %.2f + postgres %.2f + rest %.2f (generators and everything else)\n",
        s, all / s, C / s, pc / s, (all - C - pc) / s
      printf "%.0f enqueues per (DumGum + postgres) CPU-second; postgres: %.0f WAL fsyncs/s (mean %.2f ms), %.0f transactions/s\n",
        E / (C + pc), sy / s, sy ? st / sy : 0, cm / s }'
  echo "lock waits (every 100 ms): $(summarize_waits "$dir/waits.txt")"
  for g in 0 1; do
    jq -r '"generator \(.label): \(.throughput) 204/s over \(.durationSeconds) s, p50 \(.latencyMs.p50) ms, p99 \(.latencyMs.p99) ms, non-204 \(.completed - .ok), errors \(.errors | add // 0); cores: loadgen \(.cpu.loadGenCores), its node \(.cpu.serverCores), other \(.cpu.otherCores)"' "$dir/gen$g.json" 2>/dev/null || echo "generator $g: no result"
  done
  for ((i = 1; i <= nodes; i++)); do
    echo "node$i log: $(log_counts "$dir/node$i.log")"
  done
}

echo "| phase | node | enqueues/s | runs finished/s | DumGum CPU s | enqueues per CPU-s | DumGum cores |" >"$OUT/table.md"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: |" >>"$OUT/table.md"
for p in $PHASES; do
  case "$p" in
    enqueue-1) phase "$p" 1 60 "$USERS" ;;
    enqueue-2) phase "$p" 2 60 "$USERS" ;;
    process-1) phase "$p" 1 1 "$PROCESS_USERS" ;;
    process-2) phase "$p" 2 1 "$PROCESS_USERS" ;;
    *) echo "unknown phase $p" >&2; exit 1 ;;
  esac
  grep '^|' "$OUT/$p/summary.txt" >>"$OUT/table.md"
done

# The goal: per DumGum CPU-second, 2 nodes >= 0.8 x 1 node.
{
  echo
  cat "$OUT/table.md"
  for kind in enqueue process; do
    one=$(awk -F'|' -v p="$kind-1" '$2 ~ p && $3 ~ /total/ {print $7 + 0}' "$OUT/table.md")
    two=$(awk -F'|' -v p="$kind-2" '$2 ~ p && $3 ~ /total/ {print $7 + 0}' "$OUT/table.md")
    if [[ -n "$one" && -n "$two" ]]; then
      awk -v k="$kind" -v a="$one" -v b="$two" 'BEGIN {printf "%s: enqueues per DumGum CPU-second, 2 nodes / 1 node = %.0f / %.0f = %.2f (goal >= 0.8: %s)\n", k, b, a, b / a, (b / a >= 0.8 ? "met" : "NOT MET")}'
    fi
  done
  echo "customer saw: $(curl -sf "http://127.0.0.1:$CUSTOMER_PORT/stats" || echo '?')"
} | tee "$OUT/result.txt"
log "results in $OUT"
