#!/usr/bin/env bash
# The long fuzz run (issue 9, point 10): ITER fuzzed bodies per endpoint (default 100,000) against the Release server on
# SQLite, with the bench customer on the same machine. Result lines go to stdout and $OUT/fuzz.txt; see BENCHMARKS.md.
set -euo pipefail
source "$(dirname "$0")/common.sh"

ITER=${ITER:-100000}
THREADS=${THREADS:-4}
OUT=${OUT:-$ROOT/bench/results/fuzz-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
FUZZ_DLL=$ROOT/bench/Fuzz/bin/Release/net10.0/Fuzz.dll

build_all
log "dotnet build -c Release bench/Fuzz"
dotnet build -c Release -nologo -v q "$ROOT/bench/Fuzz" >"$TMP/build-fuzz.log" 2>&1 || { cat "$TMP/build-fuzz.log" >&2; exit 1; }
machine_info | tee "$OUT/machine.txt" >&2

CUSTOMER_PORT=$(free_port)
start fake-customer "$TMP/customer.log" dotnet "$CUSTOMER_DLL" --urls "http://127.0.0.1:$CUSTOMER_PORT"
wait_healthy "http://127.0.0.1:$CUSTOMER_PORT/healthz" "$LAST_PID" "$TMP/customer.log"

port=$(free_port)
token=bench-admin-$RANDOM$RANDOM
mkdir -p "$TMP/db"
start_dumgum "$port" "$TMP/db/dumgum.db" "$token" "$TMP/dumgum.log"
wait_healthy "http://127.0.0.1:$port/healthz" "$DUMGUM_PID" "$TMP/dumgum.log"

log "fuzzing: $ITER bodies per endpoint, $THREADS threads"
status=0
dotnet "$FUZZ_DLL" --url "http://127.0.0.1:$port" --token "$token" --customer "http://127.0.0.1:$CUSTOMER_PORT" \
  --iter "$ITER" --threads "$THREADS" | tee "$OUT/fuzz.txt" || status=$?
log "server log: $(grep -c '"LogLevel":"Error"' "$TMP/dumgum.log" || true) errors, $(grep -c '"LogLevel":"Warning"' "$TMP/dumgum.log" || true) warnings"
grep '"LogLevel":"Error"' "$TMP/dumgum.log" | head -5 >&2 || true
exit $status
