#!/usr/bin/env bash
# Server CPU per answered conversation, two server builds compared in one run (BENCHMARKS.md, "End-to-end
# conversations and overload"). On a shared machine absolute rates say little, but the CPU-seconds the server itself
# used per answered conversation barely depend on what else runs; rounds alternate A, B, A, B… so a change of load hits
# both alike. Per round: a fresh server (Release, Production, offline engine, fresh SQLite file) and the bench customer,
# WARM conversations (not counted), then COUNT distinct conversations (closed loop, 64 connections, bufferSeconds 0)
# and the wait until every accepted one is answered; the server's CPU (user + system, /proc) over the counted load and
# its wait, minus its background JIT thread's, divided by the answered conversations.
#   A_DLL, B_DLL: the two DumGum.Server.dll (default: B is this tree's Release build; A must be given)
#   ROUNDS (2 per build), WARM (3000), COUNT (4000); DUMGUM_ARGS as in run-conversations.sh.
# Runs the servers with DOTNET_TieredCompilation=0 (everything JIT-compiled optimised at once), so neither build is
# measured while tiering still recompiles it: on a loaded machine tiering took minutes to settle (tested 2026-12-07).
# Prints one line per round and the mean per build; every process started is stopped by its PID. On a loaded machine
# rounds of one build varied from 3.2 to 4.1 ms (2026-12-07): use several rounds, and trust only a larger difference.
set -euo pipefail
source "$(dirname "$0")/common.sh"
A_DLL=${A_DLL:?A_DLL: the baseline DumGum.Server.dll}
B_DLL=${B_DLL:-$SERVER_DLL}
ROUNDS=${ROUNDS:-2}
WARM=${WARM:-3000}
COUNT=${COUNT:-4000}
OUT=${OUT:-$ROOT/bench/results/cpu-ab-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
{ machine_info; echo "A: $A_DLL"; echo "B: $B_DLL"; echo "DUMGUM_ARGS: ${DUMGUM_ARGS:-none}"; } | tee "$OUT/machine.txt" >&2
export DOTNET_TieredCompilation=0
LOADGEN=(dotnet "$LOADGEN_DLL")
PATH_ENQUEUE=/cs/v1/content_creation/conversations/enqueue

# round BUILD DLL N: one fresh server; prints "BUILD cpu-ms-per-conversation answered".
round() {
  local build=$1 dll=$2 n=$3 cport port token key dir c0 c1 j0 j1 answered
  dir=$OUT/$n-$build; mkdir -p "$dir"
  cport=$(free_port)
  start fake-customer "$TMP/customer-$n.log" dotnet "$CUSTOMER_DLL" --urls "http://127.0.0.1:$cport"
  local cpid=$LAST_PID
  wait_healthy "http://127.0.0.1:$cport/healthz" "$cpid" "$TMP/customer-$n.log"
  port=$(free_port); token=bench-admin-$RANDOM$RANDOM
  SERVER_DLL=$dll start_dumgum "$port" "$TMP/dumgum-$n.db" "$token" "$TMP/dumgum-$n.log"
  wait_healthy "http://127.0.0.1:$port/healthz" "$DUMGUM_PID" "$TMP/dumgum-$n.log"
  key=$("${LOADGEN[@]}" setup --admin "http://127.0.0.1:$port" --token "$token" --customer "http://127.0.0.1:$cport" --name cpu-ab)
  # load NAME TOTAL: distinct conversations, then the wait until each accepted one is answered
  load() {
    local name=$1 total=$2 already
    already=$(curl -sf "http://127.0.0.1:$cport/stats" | jq '.answered')
    "${LOADGEN[@]}" closed --connections 64 --total "$total" --users "$total" --warmup 0 --duration 30 \
      --url "http://127.0.0.1:$port$PATH_ENQUEUE" --key "$key" --distinct --user-prefix "$name-u" --buffer-seconds 0 --label "$name" \
      --server-pid "$DUMGUM_PID" --customer-pid "$cpid" --accepted-file "$dir/$name-accepted.txt" --json "$dir/$name-load.json" \
      >"$dir/$name-load.txt" 2>&1 || true
    "${LOADGEN[@]}" answered --customer "http://127.0.0.1:$cport" --load "$dir/$name-load.json" --accepted-file "$dir/$name-accepted.txt" \
      --persona bench-p --user-prefix "$name-u" --already "$already" --quiet 10 --max-wait 60 \
      --server-pid "$DUMGUM_PID" --customer-pid "$cpid" --json "$dir/$name-answered.json" >"$dir/$name-answered.txt" 2>&1 || true
  }
  load warm "$WARM"
  c0=$(proc_cpu_ticks "$DUMGUM_PID"); j0=$(tiering_ticks "$DUMGUM_PID")
  load counted "$COUNT"
  c1=$(proc_cpu_ticks "$DUMGUM_PID"); j1=$(tiering_ticks "$DUMGUM_PID")
  answered=$(jq '.answeredCount' "$dir/counted-answered.json")
  stop "$DUMGUM_PID"; stop "$cpid"
  log_counts "$TMP/dumgum-$n.log" >"$dir/log-counts.txt"
  grep -E '"LogLevel":"(Warning|Error|Critical)"' "$TMP/dumgum-$n.log" | head -50 >"$dir/warnings.log" || true
  awk -v b="$build" -v c=$((c1 - c0 - (j1 - j0))) -v hz="$CLK_TCK" -v a="$answered" -v l="$(cut -d' ' -f1 /proc/loadavg)" -v w="$(cat "$dir/log-counts.txt")" \
    'BEGIN { printf "%s %.3f %d  (server %.2f CPU-s for %d answered; load average %s; %s)\n", b, c / hz * 1000 / a, a, c / hz, a, l, w }'
}

for n in $(seq "$ROUNDS"); do
  round A "$A_DLL" "$n" | tee -a "$OUT/rounds.txt"
  round B "$B_DLL" "$n" | tee -a "$OUT/rounds.txt"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/machine.txt" >&2
awk '{ s[$1] += $2; n[$1]++ } END { for (b in s) printf "%s: %.3f ms server CPU per answered conversation (mean of %d rounds)\n", b, s[b] / n[b], n[b];
       if (n["A"] && n["B"]) printf "B / A: %.3f\n", (s["B"] / n["B"]) / (s["A"] / n["A"]) }' "$OUT/rounds.txt" | tee "$OUT/summary.txt"
log "results in $OUT"
