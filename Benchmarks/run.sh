#!/usr/bin/env bash
# Marina's dispatch benchmarks, on loopback only (see docs/performance.md):
#   - direct:  the echo app alone, POST /tool/echo with wrk at 1 and 16 connections;
#   - marina:  the same app installed in a `marina serve` (release build, bubblewrap sandbox),
#              POST /api/v1/tenants/bench/apps/echo-c/tools/echo at 1 and 16 connections; the app
#              serves MARINA_SOCKET itself (as the SDKs do);
#   - marina-relay: the same again as echo-c-relay, which listens on $PORT behind the sandbox's relay;
#   - cold:    the app's own start (spawn → GET /health 200) vs Marina's wake-to-first-response
#              (serve --idle-timeout 1, wait for `sleeping`, time one tool call), 20 runs each;
#   - nginx:   /work/shared/bench/nginx-hop.sh, the cost of one bare reverse-proxy hop.
# For context it also measures serve's GET /healthz (no key, no database) and GET /api/v1/whoami
# (authentication only), the CPU time serve and the instance spend per request, and how much CPU
# other processes (or the hypervisor) took during each measurement: a run with more than a few
# tenths of a second there was disturbed.
# Prints a table and writes the output to Benchmarks/results/latest.txt (only when it completes).
# Needs root (bubblewrap sandbox, cgroups); installs wrk, nginx, curl, gcc, bubblewrap if missing.
#
#   usage: Benchmarks/run.sh [SECONDS]     wrk duration per measurement (default 10)
#   env:   COLD_RUNS=20                    cold-start repetitions
#          BUILD_NICE=10                   niceness of the release build
#          MARINA_BIN=path                 use this marina binary instead of building one
#          NGINX_HOP=path                  the yardstick script (default /work/shared/bench/nginx-hop.sh)
#          BENCH_TMP=/dev/shm              where serve's data directory lives (default /tmp): on tmpfs
#                                          an fsync costs nothing, which separates the disk's share
#          SERVE_ARGS="…"                  more options for marina serve (e.g. --sqlite-synchronous normal)
#          PERF_STAT=1                     count serve's context switches and CPU migrations per request
#                                          (perf stat, from Debian's linux-perf) in the detailed output
set -euo pipefail

secs=${1:-10}
cold_runs=${COLD_RUNS:-20}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bench="$root/Benchmarks"
app_dir="$bench/echo-app"
results="$bench/results"
nginx_hop=${NGINX_HOP:-/work/shared/bench/nginx-hop.sh}
export PATH="/opt/swift/usr/bin:$PATH"

# ---------------------------------------------------------------------------------------------
# Cleanup: everything started here is stopped by its PID.
pids=()
work=$(mktemp -d "${BENCH_TMP:-/tmp}/marina-bench.XXXXXX")
chmod 0711 "$work"  # instances run as their own unprivileged users and must reach their bundle below it
out="$work/latest.txt"  # copied to Benchmarks/results/ when the run completes
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  remove_cgroup_namespace
  rm -rf "$work"
  exit "$status"
}
# serve keeps its instances' cgroups under marina/p<FNV-1a of DATA/run, base 36>/ and leaves that
# (then empty) directory behind when it stops; remove this run's (rmdir: only when empty).
remove_cgroup_namespace() {
  local ns dir
  ns=$(python3 -c '
import sys
h = 14695981039346656037
for b in sys.argv[1].encode():
    h = ((h ^ b) * 1099511628211) % (1 << 64)
digits, out = "0123456789abcdefghijklmnopqrstuvwxyz", ""
while True:
    h, r = divmod(h, 36)
    out = digits[r] + out
    if h == 0:
        break
print("p" + out)' "$work/data/run") || return 0
  for dir in /sys/fs/cgroup/marina /sys/fs/cgroup/memory/marina /sys/fs/cgroup/cpu/marina /sys/fs/cgroup/pids/marina; do
    [ -d "$dir/$ns" ] && rmdir "$dir/$ns" 2>/dev/null || true
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

stop() {  # stop one process started here (by PID) and forget it
  local pid=$1 keep=() p
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  for p in "${pids[@]}"; do [ "$p" = "$pid" ] || keep+=("$p"); done
  pids=("${keep[@]}")
}

start_serve() {  # start_serve ARGS…: marina serve ARGS in the background; sets serve_pid
  "$marina" serve "$@" >>"$work/serve.log" 2>&1 &
  serve_pid=$!; pids+=("$serve_pid")
}

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_http() {  # wait_http URL [SECONDS]: until URL answers 2xx
  local url=$1 limit=${2:-60}
  for _ in $(seq $((limit * 20))); do
    curl -sf -o /dev/null --max-time 2 "$url" && return 0
    sleep 0.05
  done
  echo "run.sh: $url did not answer within ${limit}s" >&2
  return 1
}

mkdir -p "$results"
log() { printf '%s\n' "$*" | tee -a "$out"; }
logfile() { tee -a "$out"; }

# ---------------------------------------------------------------------------------------------
# Tools and builds.
for pair in wrk:wrk nginx:nginx curl:curl python3:python3 gcc:gcc bwrap:bubblewrap; do  # command:Debian package
  if ! command -v "${pair%%:*}" >/dev/null; then
    echo "installing ${pair#*:}"
    apt-get install -y -qq "${pair#*:}" >/dev/null 2>&1 || { apt-get update -qq >/dev/null && apt-get install -y -qq "${pair#*:}" >/dev/null; }
  fi
done

if [ -n "${MARINA_BIN:-}" ]; then
  marina=$MARINA_BIN
else
  echo "building the release marina (.build-release; about ten minutes the first time)…"
  (cd "$root" && nice -n "${BUILD_NICE:-10}" swift build -c release --product marina --scratch-path .build-release &&
     nice -n "${BUILD_NICE:-10}" swift build -c release --product marina-sandbox --scratch-path .build-release) >"$work/build.log" 2>&1 || {
    tail -40 "$work/build.log" >&2; echo "run.sh: the release build failed" >&2; exit 1; }
  marina="$root/.build-release/release/marina"
fi
[ -x "$marina" ] || { echo "run.sh: no marina binary at $marina" >&2; exit 1; }

gcc -O2 -Wall -o "$app_dir/echo-app" "$app_dir/echo-app.c" -lpthread
"$marina" validate "$app_dir" >/dev/null

# ---------------------------------------------------------------------------------------------
# Header: what ran where.
log "# Marina dispatch benchmarks — $(date -u +%Y-%m-%dT%H:%M:%SZ)"
log "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(awk '/MemTotal/ {printf "%.1f GB RAM", $2/1048576}' /proc/meminfo), kernel $(uname -r)"
log "marina: $(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo '?')$(cd "$root" && git diff --quiet HEAD -- Sources Package.swift 2>/dev/null || echo ' (with uncommitted changes to Sources/Package.swift)'), binary $marina; app: echo-c (C, gcc -O2, one epoll loop)"
log "wrk: $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2), -t1, ${secs}s per measurement, body {\"message\":\"hello\",\"n\":42}; cold-start runs: $cold_runs"
log "serve: --log-level warning${SERVE_ARGS:+ $SERVE_ARGS}, bubblewrap sandbox, SQLite in a temporary data directory under ${BENCH_TMP:-/tmp} ($(stat -f -c %T "${BENCH_TMP:-/tmp}"))"
log "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
log ""

# CPU time (clock ticks) used so far by the given processes.
cpu_ticks() {
  local t=0 p
  for p in "$@"; do [ -r "/proc/$p/stat" ] && t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done
  echo "$t"
}
descendants() {  # descendants PID: every process below PID (for serve: its instances' sandbox, relay and app)
  ps -e -o pid= -o ppid= | awk -v root="$1" '
    {parent[$1] = $2}
    END {for (p in parent) {q = parent[p]; while (q != "" && q != 0 && q != 1) {if (q == root) {printf "%s ", p; break}; q = parent[q]}}}'
}
hz=$(getconf CLK_TCK)
# CPU ticks of every process on the machine, with its reaped children ("pid ticks name" lines),
# and the time the hypervisor gave to others ("steal"), to see what else ran during a measurement.
cpu_snapshot() {
  python3 -c '
import glob, os
for f in glob.glob("/proc/[0-9]*/stat"):
    if f.split("/")[2] == str(os.getpid()):
        continue
    try:
        text = open(f).read()
    except OSError:
        continue
    name = text[text.index("(") + 1:text.rindex(")")].replace(" ", "_")
    fields = text[text.rindex(")") + 2:].split()
    print(f.split("/")[2], sum(int(x) for x in fields[11:15]), name)
cpu = open("/proc/stat").readline().split()
print("steal", int(cpu[8]) if len(cpu) > 8 else 0, "steal(hypervisor)")'
}
# others BEFORE AFTER [NAME…]: CPU seconds used between the snapshots by processes this script did
# not start (nor named NAME: nginx-hop.sh's nginx daemonizes, so it is no descendant of ours).
others() {
  local before=$1 after=$2; shift 2
  awk -v hz="$hz" -v skip=" $$ $(descendants $$) " -v names=" $* " '
    NR == FNR {t0[$1] = $2; next}
    index(skip, " " $1 " ") == 0 && index(names, " " $3 " ") == 0 {d = $2 - ($1 in t0 ? t0[$1] : 0); if (d > 0) {sum[$3] += d; total += d}}
    END {
      line = sprintf("%.1f s", total / hz)
      for (k = 0; k < 3; k++) {best = ""; for (n in sum) if (best == "" || sum[n] > sum[best]) best = n
        if (best == "" || sum[best] < hz / 10) break; line = line sprintf("%s%s %.1f s", k ? ", " : " (", best, sum[best] / hz); delete sum[best]; more = 1}
      print line (more ? ")" : "")
    }' "$before" "$after"
}

# wrk_run NAME CONNECTIONS URL LUA [SERVER_PIDS [APP_PIDS]]: runs wrk, keeps its output, adds a
# summary line: name, connections, p50 ms, p99 ms, req/s, errors, and the CPU milliseconds per
# request of the server (marina serve) and of the app (its process, or its whole instance).
wrk_run() {
  local name=$1 c=$2 url=$3 lua=$4 server=${5:-} app=${6:-} raw="$work/wrk-$1-$2.txt" s0 s1 a0 a1
  cpu_snapshot >"$work/cpu0"
  s0=$(cpu_ticks $server); a0=$(cpu_ticks $app)
  local perf_pid=""
  if [ -n "${PERF_STAT:-}" ] && [ -n "$server" ]; then
    perf stat -x, -e context-switches,cpu-migrations -p "$server" -o "$work/perf-$name-$c.txt" &
    perf_pid=$!
  fi
  wrk -t1 -c"$c" -d"${secs}s" --latency ${lua:+-s "$lua"} "$url" >"$raw"
  if [ -n "$perf_pid" ]; then kill -INT "$perf_pid"; wait "$perf_pid" || true; fi
  s1=$(cpu_ticks $server); a1=$(cpu_ticks $app)
  cpu_snapshot >"$work/cpu1"
  local other; other=$(others "$work/cpu0" "$work/cpu1")
  {
    echo "## wrk $name c=$c"
    sed -e '/^Running/d' "$raw"
    echo "CPU used meanwhile by other processes: $other"
    if [ -n "$perf_pid" ]; then
      awk -F, -v total="$(awk '/requests in/ {print $1}' "$raw")" '$3 ~ /context-switches|cpu-migrations/ && total > 0 {
        printf "serve %s per request: %.2f\n", $3, $1 / total }' "$work/perf-$name-$c.txt"
    fi
  } >>"$out"
  awk -v n="$name" -v c="$c" -v sc=$((s1 - s0)) -v ac=$((a1 - a0)) -v hz="$hz" -v hs="${server:+y}" -v ha="${app:+y}" -v other="${other%% *}" '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /m$/) return v * 60000; if (v ~ /s$/) return v * 1000; return v }
    /^ +50%/ {p50=ms($2)} /^ +99%/ {p99=ms($2)} /Requests\/sec/ {r=$2} /requests in/ {total=$1}
    /Non-2xx/ {e+=$NF} /Socket errors/ {gsub(/,/, ""); e+=$4+$6+$8+$10}
    END {
      scpu = (hs == "y" && total > 0) ? sprintf("%.3f", sc * 1000 / hz / total) : "-"
      acpu = (ha == "y" && total > 0) ? sprintf("%.3f", ac * 1000 / hz / total) : "-"
      printf "%s %s %.3f %.3f %s %d %s %s %s\n", n, c, p50, p99, r, e, scpu, acpu, other
    }' "$raw" >>"$work/summary.txt"
}

lua_script() {  # lua_script FILE [API_KEY [get]]
  {
    if [ "${3:-}" != get ]; then
      echo 'wrk.method = "POST"'
      echo 'wrk.body = '"'"'{"message":"hello","n":42}'"'"
      echo 'wrk.headers["Content-Type"] = "application/json"'
    fi
    [ -z "${2:-}" ] || echo 'wrk.headers["Authorization"] = "Bearer '"$2"'"'
  } >"$1"
  chmod 600 "$1"
}

# ---------------------------------------------------------------------------------------------
# 1. Direct: the app alone.
echo "measuring the app directly…"
app_port=$(port)
(cd "$app_dir" && PORT=$app_port exec ./echo-app) 2>"$work/echo-app.log" &
app_pid=$!; pids+=("$app_pid")
wait_http "http://127.0.0.1:$app_port/health" 10
lua_script "$work/direct.lua"
for c in 1 16; do wrk_run direct "$c" "http://127.0.0.1:$app_port/tool/echo" "$work/direct.lua" "" "$app_pid"; done
stop "$app_pid"

# ---------------------------------------------------------------------------------------------
# 2. Through Marina.
echo "measuring through marina serve…"
data="$work/data"
mp=$(port)
start_serve --data "$data" --listen "127.0.0.1:$mp" --log-level warning ${SERVE_ARGS:-}
wait_http "http://127.0.0.1:$mp/healthz" 60
for _ in $(seq 100); do [ -s "$data/admin.key" ] && break; sleep 0.1; done
key=$(tr -d '[:space:]' <"$data/admin.key")
export MARINA_SERVER="http://127.0.0.1:$mp" MARINA_API_KEY="$key"
# The same app a second time as echo-c-relay, told to ignore MARINA_SOCKET (ECHO_LISTEN=port): it
# listens on $PORT inside its network namespace and Marina reaches it through the sandbox's relay,
# as it reaches any app that does not serve the Unix socket itself.
relay_dir="$work/echo-c-relay"
cp -r "$app_dir" "$relay_dir"
python3 - "$relay_dir/marina.app.json" <<'PY'
import json, sys
path = sys.argv[1]
manifest = json.load(open(path))
manifest["app"]["id"] = "echo-c-relay"
manifest["app"]["name"] = "Echo (C, through the relay)"
manifest["runtime"]["env"] = {"ECHO_LISTEN": "port"}
json.dump(manifest, open(path, "w"), indent=2)
PY
(
  set -e
  "$marina" tenants create bench
  for app in echo-c echo-c-relay; do
    "$marina" publish "$([ "$app" = echo-c ] && echo "$app_dir" || echo "$relay_dir")"
    "$marina" deploy --app "$app" --version 1.0.0
    "$marina" install "$app" --tenant bench
  done
) >"$work/setup.log" 2>&1 || { cat "$work/setup.log" >&2; tail -20 "$work/serve.log" >&2; exit 1; }
tool_url="http://127.0.0.1:$mp/api/v1/tenants/bench/apps/echo-c/tools/echo"
warm=$(curl -sS --max-time 60 -w ' %{http_code} %{time_total}s' -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
  -d '{"message":"hello","n":42}' "$tool_url")
warm=$(printf '%s' "$warm" | tr -d '\n')
case "$warm" in
  *' 200 '*) log "warm-up call (wakes the instance): $warm" ;;
  *) echo "run.sh: the warm-up call failed: $warm" >&2; tail -20 "$work/serve.log" >&2; exit 1 ;;
esac
relay_url="http://127.0.0.1:$mp/api/v1/tenants/bench/apps/echo-c-relay/tools/echo"
warm=$(curl -sS --max-time 60 -w ' %{http_code}' -H "Authorization: Bearer $key" -H 'Content-Type: application/json' -d '{"message":"hello","n":42}' "$relay_url")
case "$warm" in
  *' 200') ;;
  *) echo "run.sh: the warm-up call to echo-c-relay failed: $warm" >&2; tail -20 "$work/serve.log" >&2; exit 1 ;;
esac
lua_script "$work/marina.lua" "$key"
# Each instance is measured alone: the other one is idle (serve's CPU is the process's, app CPU
# counts every process below serve, the idle instance included).
for c in 1 16; do wrk_run marina "$c" "$tool_url" "$work/marina.lua" "$serve_pid" "$(descendants "$serve_pid")"; done
for c in 1 16; do wrk_run marina-relay "$c" "$relay_url" "$work/marina.lua" "$serve_pid" "$(descendants "$serve_pid")"; done
# Context: the HTTP stack alone (no key, no database) and a call that only authenticates.
lua_script "$work/auth.lua" "$key" get
for c in 1 16; do wrk_run marina-healthz "$c" "http://127.0.0.1:$mp/healthz" "" "$serve_pid"; done
for c in 1 16; do wrk_run marina-whoami "$c" "http://127.0.0.1:$mp/api/v1/whoami" "$work/auth.lua" "$serve_pid"; done
"$marina" instances >>"$out" 2>&1 || true
stop "$serve_pid"

# ---------------------------------------------------------------------------------------------
# 3. Cold start.
echo "measuring cold starts ($cold_runs runs each)…"
cpu_snapshot >"$work/cold0"
python3 "$bench/coldstart.py" app "$app_dir/echo-app" "$app_dir" "$cold_runs" >"$work/cold.txt"
mp=$(port)
start_serve --data "$data" --listen "127.0.0.1:$mp" --log-level warning --idle-timeout 1 ${SERVE_ARGS:-}
wait_http "http://127.0.0.1:$mp/healthz" 60
export MARINA_SERVER="http://127.0.0.1:$mp"
python3 "$bench/coldstart.py" marina "$marina" "$MARINA_SERVER" "$data/admin.key" bench echo-c echo "$cold_runs" >>"$work/cold.txt"
stop "$serve_pid"
cpu_snapshot >"$work/cold1"
{ echo "## cold start"; cat "$work/cold.txt"; echo "CPU used meanwhile by other processes: $(others "$work/cold0" "$work/cold1")"; } >>"$out"

# ---------------------------------------------------------------------------------------------
# 4. The yardstick: one bare nginx reverse-proxy hop.
echo "measuring the nginx hop…"
cpu_snapshot >"$work/nginx0"
bash "$nginx_hop" "$secs" >"$work/nginx.txt" 2>&1 || { cat "$work/nginx.txt" >&2; echo "run.sh: nginx-hop.sh failed" >&2; exit 1; }
cpu_snapshot >"$work/nginx1"
{ echo "## nginx hop ($nginx_hop $secs)"; cat "$work/nginx.txt"; echo "CPU used meanwhile by other processes: $(others "$work/nginx0" "$work/nginx1" nginx)"; } >>"$out"

if grep -qi 'warning\|error\|critical' "$work/serve.log"; then
  { echo "## marina serve log (warnings and errors)"; grep -i 'warning\|error\|critical' "$work/serve.log" | tail -20; } >>"$out"
fi
log "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---------------------------------------------------------------------------------------------
# The table.
cold_stat() { awk -v k="$1" '$1 == k {print $0}' "$work/cold.txt" | grep -o "$2=[0-9.]*" | cut -d= -f2; }
{
  echo ""
  echo "## summary"
  printf '%-24s %9s %9s %9s %7s %10s %10s %10s\n' "path (connections)" "p50 ms" "p99 ms" "req/s" "errors" "serve CPU" "app CPU" "others s"
  while read -r name c p50 p99 rps errors scpu acpu other; do
    printf '%-24s %9.3f %9.3f %9.0f %7d %10s %10s %10s\n' "$name ($c)" "$p50" "$p99" "$rps" "$errors" "$scpu" "$acpu" "$other"
  done <"$work/summary.txt"
  for path in marina marina-relay; do
    for c in 1 16; do
      awk -v c="$c" -v m="$path" '$2 == c && $1 == "direct" {d50=$3; d99=$4; dr=$5} $2 == c && $1 == m {m50=$3; m99=$4; mr=$5}
        END {printf "%-24s %+9.3f %+9.3f %+8.1f%%\n", "overhead " (m == "marina" ? "" : "via relay ") "(" c ")", m50 - d50, m99 - d99, (mr / dr - 1) * 100}' "$work/summary.txt"
    done
  done
  echo "(serve/app CPU: milliseconds of CPU per request; app CPU through marina counts the whole instance: bubblewrap, relay,"
  echo " app. others s: CPU seconds used during the measurement by processes this run did not start — other work on the machine)"
  echo ""
  printf '%-34s %9s %9s\n' "cold start" "median ms" "p90 ms"
  printf '%-34s %9.2f %9.2f\n' "app's own start (spawn → /health)" "$(cold_stat app_start median_ms)" "$(cold_stat app_start p90_ms)"
  printf '%-34s %9.2f %9.2f\n' "marina wake → first tool response" "$(cold_stat marina_wake median_ms)" "$(cold_stat marina_wake p90_ms)"
  printf '%-34s %9.2f %9.2f\n' "marina warm call (same client)" "$(cold_stat marina_warm_call median_ms)" "$(cold_stat marina_warm_call p90_ms)"
  awk -v a="$(cold_stat app_start median_ms)" -v m="$(cold_stat marina_wake median_ms)" 'BEGIN {printf "%-34s %+9.2f\n", "overhead (wake − own start)", m - a}'
  echo ""
  cat "$work/nginx.txt"
} | logfile
cp "$out" "$results/latest.txt"
echo "wrote $results/latest.txt"
