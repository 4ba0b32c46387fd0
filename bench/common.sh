# Shared by the bench scripts (run-*.sh): build, start/stop processes by PID, wait for health, free ports, CPU ticks.
# Everything listens on 127.0.0.1 only; every process started here is stopped by its PID on exit.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SERVER_DLL=$ROOT/src/DumGum.Server/bin/Release/net10.0/DumGum.Server.dll
BARE_DLL=$ROOT/bench/BareKestrel/bin/Release/net10.0/BareKestrel.dll
CUSTOMER_DLL=$ROOT/bench/FakeCustomer/bin/Release/net10.0/FakeCustomer.dll
LOADGEN_DLL=$ROOT/bench/LoadGen/bin/Release/net10.0/LoadGen.dll
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

STARTED_PIDS=()
CLEANUP_HOOKS=()   # functions run at exit after the processes are stopped (pg.sh's pg_stop)
TMP=$(mktemp -d /tmp/dumgum-bench.XXXXXX)

cleanup() {
  local pid
  for pid in "${STARTED_PIDS[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then kill "$pid" 2>/dev/null || true; fi
  done
  for pid in "${STARTED_PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  local hook
  for hook in "${CLEANUP_HOOKS[@]}"; do "$hook" || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }

build_all() {
  if [[ "${SKIP_BUILD:-0}" == 1 ]]; then log "SKIP_BUILD=1: using the existing Release builds"; return; fi
  local p
  for p in src/DumGum.Server bench/BareKestrel bench/FakeCustomer bench/LoadGen; do
    log "dotnet build -c Release $p"
    if ! dotnet build -c Release -nologo -v q "$ROOT/$p" >"$TMP/build.log" 2>&1; then cat "$TMP/build.log" >&2; exit 1; fi
  done
  # What the builds are made of, for machine_info (with SKIP_BUILD=1 the HEAD of a run may be newer than its build).
  mkdir -p "$ROOT/bench/results"
  echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) from $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- src 2>/dev/null || echo ' + uncommitted src changes')" \
    >"$ROOT/bench/results/last-build.txt"
}

# A TCP port on 127.0.0.1 that nothing listens on, below Linux's ephemeral range (32768+), so no outgoing
# connection of another program can be holding it when the server binds.
free_port() {
  local p
  for _ in $(seq 200); do
    p=$((20000 + RANDOM % 12000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  echo "no free port found" >&2; return 1
}

# start NAME LOGFILE COMMAND...: runs it in the background; its PID goes to $LAST_PID and STARTED_PIDS.
start() {
  local name=$1 logfile=$2; shift 2
  "$@" >"$logfile" 2>&1 &
  LAST_PID=$!
  STARTED_PIDS+=("$LAST_PID")
  log "started $name (pid $LAST_PID)"
}

# stop PID: SIGTERM, then SIGKILL after 5 s.
stop() {
  local pid=$1
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}

# wait_healthy URL PID LOGFILE: until URL answers 2xx (at most 60 s) while PID is alive.
wait_healthy() {
  local url=$1 pid=$2 logfile=$3
  for _ in $(seq 600); do
    if ! kill -0 "$pid" 2>/dev/null; then log "process $pid died; its log:"; tail -50 "$logfile" >&2; exit 1; fi
    if curl -sf -o /dev/null --max-time 2 "$url"; then return 0; fi
    sleep 0.1
  done
  log "$url did not become healthy in 60 s"; tail -50 "$logfile" >&2; exit 1
}

# start_dumgum PORT STORE TOKEN LOGFILE: the built server in Production, loopback customers allowed. STORE is a SQLite
# file path, or "postgres:DBNAME" for a database of pg.sh's cluster. The content root is the build output, so its
# appsettings.json (log levels, JSON console logs) applies as in a deployment; run from another directory without it,
# ASP.NET Core would log 4 Information lines per request and the bench would measure logging.
start_dumgum() {
  local port=$1 store=$2 token=$3 logfile=$4 storage
  if [[ "$store" == postgres:* ]]; then
    storage=(--Storage:Provider=Postgres --ConnectionStrings:Postgres="$(pg_connection_string "${store#postgres:}")")
  else
    storage=(--Storage:Sqlite:Path="$store")
  fi
  # DUMGUM_ARGS: extra settings for a trial (split on spaces), e.g. "--Outbound:MaxConcurrentDeliveriesPerProject=128"
  local extra=()
  read -r -a extra <<<"${DUMGUM_ARGS:-}"
  start dumgum "$logfile" dotnet "$SERVER_DLL" --contentRoot "$(dirname "$SERVER_DLL")" --urls "http://127.0.0.1:$port" \
    --environment Production "${storage[@]}" --Admin:Token="$token" --Security:AllowPrivateNetworkEndpoints=true "${extra[@]}"
  DUMGUM_PID=$LAST_PID
}

# proc_cpu_ticks PID: user + system CPU of PID so far, in 1/CLK_TCK s (0 once it is gone). Fields 14 and 15 of
# /proc/PID/stat, counted after the ")" that ends the command name (which may hold spaces).
proc_cpu_ticks() { awk '{sub(/.*\) /, ""); print $12 + $13}' "/proc/$1/stat" 2>/dev/null || echo 0; }
CLK_TCK=$(getconf CLK_TCK)
# tiering_ticks PID: CPU ticks so far of PID's tiered-compilation threads (".NET Tiered Com"), which re-JIT hot methods
# at full optimisation in the background (none run with DOTNET_TieredCompilation=0).
tiering_ticks() {
  local t s=0
  for t in /proc/"$1"/task/*; do
    if [[ "$(cat "$t/comm" 2>/dev/null)" == ".NET Tiered Com" ]]; then
      s=$((s + $(awk '{sub(/.*\) /, ""); print $12 + $13}' "$t/stat" 2>/dev/null || echo 0)))
    fi
  done
  echo "$s"
}
# machine_busy_ticks: CPU ticks of the whole machine so far, all cores (user + nice + system + irq + softirq + steal).
machine_busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }

# log_counts LOGFILE: DumGum's Error/Critical and Warning lines (JSON console log), and how many of them came after
# "Application is shutting down" (i.e. caused by the stop, not by the load).
log_counts() {
  awk '/Application is shutting down/ {down = 1}
       /"LogLevel":"(Error|Critical)"/ {e++; if (down) ed++}
       /"LogLevel":"Warning"/ {w++; if (down) wd++}
       END {printf "%d errors (%d after shutdown began), %d warnings (%d after shutdown began)\n", e, ed, w, wd}' "$1"
}

machine_info() {
  echo "date (UTC): $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)$(git -C "$ROOT" diff --quiet 2>/dev/null || echo ' (+ uncommitted changes)')"
  echo "Release builds: $(cat "$ROOT/bench/results/last-build.txt" 2>/dev/null || echo unknown)"
  echo "nproc: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "memory: $(free -g | awk '/Mem:/ {print $2 " GiB"}')"
  echo "dotnet: $(dotnet --version)"
  echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  # What the machine was already doing before we start anything (on a shared machine: other people's work).
  local a b
  a=($(grep '^cpu ' /proc/stat)); sleep 2; b=($(grep '^cpu ' /proc/stat))
  echo "cores busy before the run (2 s sample): $(awk -v u=$((b[1]+b[2]+b[3]+b[6]+b[7]-a[1]-a[2]-a[3]-a[6]-a[7])) 'BEGIN {printf "%.2f", u/100/2}')"
}
