# A throwaway PostgreSQL cluster for the bench scripts (source after common.sh). pg_start creates it in a temp
# folder owned by the postgres user, on a free loopback port; common.sh's exit trap calls pg_stop, which stops exactly
# that server by the PID in postmaster.pid (SIGINT = fast shutdown, SIGKILL after 30 s) and deletes the folder.
# The server runs durable: fsync=on, synchronous_commit=on (DumGum also sets synchronous_commit=on per connection).
# PG_OPTIONS adds server options, e.g. PG_OPTIONS="-c shared_preload_libraries=pg_stat_statements" to see the statements.

PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
PG_DIR= PG_PORT= PG_PID= PG_LAUNCHER=

pg_start() {
  [[ -x "$PG_BIN/postgres" ]] || { log "no PostgreSQL in /usr/lib/postgresql/*/bin"; exit 1; }
  PG_DIR=$(mktemp -d /tmp/dumgum-bench-pg.XXXXXX)
  CLEANUP_HOOKS+=(pg_stop)
  chown postgres: "$PG_DIR"   # initdb and postgres refuse to run as root
  runuser -u postgres -- "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 --locale=C \
    >"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log" >&2; exit 1; }
  PG_PORT=$(free_port)
  # track_wal_io_timing: pg_stat_wal.wal_sync_time says how long the WAL fsyncs took (one clock read per write/sync).
  runuser -u postgres -- "$PG_BIN/postgres" -D "$PG_DIR/data" -p "$PG_PORT" -k "$PG_DIR" \
    -c listen_addresses=127.0.0.1 -c max_connections=400 -c shared_buffers=256MB \
    -c fsync=on -c synchronous_commit=on -c track_wal_io_timing=on ${PG_OPTIONS:-} >"$PG_DIR/postgres.log" 2>&1 &
  PG_LAUNCHER=$!   # runuser's PID; the server is its child, and its PID is line 1 of postmaster.pid
  for _ in $(seq 300); do
    if ! kill -0 "$PG_LAUNCHER" 2>/dev/null; then log "postgres exited:"; cat "$PG_DIR/postgres.log" >&2; exit 1; fi
    if [[ -z "$PG_PID" && -s "$PG_DIR/data/postmaster.pid" ]]; then PG_PID=$(head -1 "$PG_DIR/data/postmaster.pid"); fi
    if [[ -n "$PG_PID" ]] && "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres; then
      log "started PostgreSQL $("$PG_BIN/postgres" -V | awk '{print $3}') (pid $PG_PID, port $PG_PORT, $PG_DIR)"; return 0
    fi
    sleep 0.1
  done
  log "PostgreSQL not ready in 30 s"; cat "$PG_DIR/postgres.log" >&2; exit 1
}

pg_stop() {
  [[ -n "$PG_DIR" ]] || return 0
  if [[ -n "$PG_PID" ]] && kill -0 "$PG_PID" 2>/dev/null; then
    kill -INT "$PG_PID" 2>/dev/null || true
    for _ in $(seq 300); do kill -0 "$PG_PID" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$PG_PID" 2>/dev/null || true
  fi
  [[ -n "$PG_LAUNCHER" ]] && wait "$PG_LAUNCHER" 2>/dev/null || true
  if [[ -n "${OUT:-}" && -d "$OUT" ]]; then cp "$PG_DIR/postgres.log" "$OUT/postgres.log" 2>/dev/null || true; fi
  rm -rf "$PG_DIR"
  PG_DIR=
}

# pg_psql DB SQL: runs SQL (as the postgres superuser over TCP, trust auth), unaligned output, one row a line.
pg_psql() { "$PG_BIN/psql" -X -q -At -F ' ' -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$1" -v ON_ERROR_STOP=1 -c "$2"; }
pg_createdb() { "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres "$1"; }
pg_connection_string() { echo "Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=$1"; }

# CPU ticks (1/CLK_TCK s) of the whole cluster: the postmaster, its live children (backends, walwriter,
# checkpointer, …) and the children it has already reaped (cutime + cstime).
pg_cpu_ticks() {
  local total pid
  total=$(awk '{sub(/.*\) /, ""); print $12 + $13 + $14 + $15}' "/proc/$PG_PID/stat")
  for pid in $(ps -o pid= --ppid "$PG_PID"); do total=$((total + $(proc_cpu_ticks "$pid"))); done
  echo "$total"
}

# One line of cluster-wide counters: WAL writes and fsyncs (and their ms), WAL bytes, commits of database DB.
pg_counters() {
  pg_psql postgres "SELECT w.wal_write, w.wal_sync, round(w.wal_write_time), round(w.wal_sync_time), w.wal_bytes,
    (SELECT xact_commit FROM pg_stat_database WHERE datname = '$1') FROM pg_stat_wal w"
}

# pg_sample_waits FILE SECONDS: every 100 ms, one line "epoch-ms lock lwlock io active": backends waiting on a
# heavyweight lock (wait_event_type = 'Lock'), on an LWLock, on IO, and active client backends. One psql session
# (not one process per sample); at most SECONDS × 10 samples and SECONDS of wall time.
pg_sample_waits() {
  local file=$1 n=$(($2 * 10)) end=$((${EPOCHREALTIME/./} + $2 * 1000000)) i
  for ((i = 0; i < n && ${EPOCHREALTIME/./} < end; i++)); do
    echo "SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint,
      count(*) FILTER (WHERE wait_event_type = 'Lock'), count(*) FILTER (WHERE wait_event_type = 'LWLock'),
      count(*) FILTER (WHERE wait_event_type = 'IO'),
      count(*) FILTER (WHERE state = 'active' AND backend_type = 'client backend' AND pid <> pg_backend_pid())
      FROM pg_stat_activity;"
    sleep 0.1
  done | "$PG_BIN/psql" -X -q -At -F ' ' -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres >"$file"
}

# summarize_waits FILE: "samples N, with lock waits K, max M" (+ LWLock / IO means).
summarize_waits() {
  awk '{n++; if ($2 > 0) k++; if ($2 > m) m = $2; lw += $3; io += $4; act += $5}
       END {if (!n) {print "no samples"; exit}
            printf "samples %d, with lock waits %d, max %d; mean backends waiting on LWLock %.2f, on IO %.2f, active %.2f\n",
            n, k, m, lw / n, io / n, act / n}' "$1"
}
