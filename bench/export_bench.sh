#!/usr/bin/env bash
# End-to-end export benchmark against the Dataloop emulator. Prints one JSON line on stdout:
#   {"items", "seconds", "items_per_s", "api_calls_per_item", "latency_bound_items_per_s",
#    "efficiency", "cpu_us_per_item", "peak_rss_mib", ... context fields}
# Progress and logs go to stderr. See bench/README.md for the scenarios and measured figures.
#
#   bench/export_bench.sh --items N --annotations K --latency-ms L --concurrency C
#                         [--mode export|serve] [--cleanup immediate|none] [--seed S]
#                         [--build-dir DIR] [--keep] [--callgrind OUT] [--perf OUT] [--storage DIR]
#
# - Builds the Release binaries in build-release/ (configured once; ninja rebuilds only what is
#   stale).
# - Starts the emulator WITHOUT latency, loads a project, an S3 driver (allowExternalDelete false)
#   and a generated dataset of N items x K annotations, then installs the latency L through
#   PUT /__admin/faults and resets the stats, so only the export's own calls are counted and timed.
# - Runs dlexport under /usr/bin/time: cpu_us_per_item is dlexport's user+sys (never the
#   emulator's) / N, peak_rss_mib its max RSS. seconds is wall time of the export only: process
#   start to exit (mode export), or first POST /v1/exports to an empty queue (mode serve).
# - api_calls_per_item = the emulator's /__admin/stats total / N (token, driver, staging dataset,
#   listing, annotation queries, uploads, bulk deletes: everything the run sent).
# - latency_bound_items_per_s = C / (L/1000 * api_calls_per_item): what C requests in flight,
#   each taking L, allow; efficiency = items_per_s / bound. Both null when L = 0.
# - --callgrind OUT runs dlexport under valgrind's callgrind (OUT: the profile) and adds
#   "instructions_per_item" (Ir / N, stable under load); the timings are then meaningless.
#   --perf OUT records a `perf record -g` profile of dlexport into OUT (perf report -i OUT).
# - --storage DIR: where the emulator keeps the bucket's files (default: /dev/shm when it has
#   4 GiB free, else the run's temp folder); "bucket_fs" names the filesystem used.
# - Checks that N files landed in the bucket and that dlexport exited 0; fails otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

ITEMS="" ANNOTATIONS="" LATENCY="" CONCURRENCY=""
MODE=export CLEANUP=immediate SEED=1 BUILD_DIR=build-release KEEP=0 CALLGRIND="" PERF=""

usage() {
  sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
while [ $# -gt 0 ]; do
  case "$1" in
    --items) ITEMS=$2; shift 2 ;;
    --annotations) ANNOTATIONS=$2; shift 2 ;;
    --latency-ms) LATENCY=$2; shift 2 ;;
    --concurrency) CONCURRENCY=$2; shift 2 ;;
    --mode) MODE=$2; shift 2 ;;
    --cleanup) CLEANUP=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    --build-dir) BUILD_DIR=$2; shift 2 ;;
    --keep) KEEP=1; shift ;;
    --callgrind) CALLGRIND=$2; shift 2 ;;
    --perf) PERF=$2; shift 2 ;;
    --storage) STORAGE_PARENT=$2; shift 2 ;;
    -h | --help) usage ;;
    *) echo "export_bench: unknown argument $1" >&2; usage ;;
  esac
done
for v in ITEMS ANNOTATIONS LATENCY CONCURRENCY SEED; do
  [[ ${!v} =~ ^[0-9]+$ ]] || { echo "export_bench: --${v,,} needs a non-negative integer" >&2; usage; }
done
[ "$ITEMS" -gt 0 ] || { echo "export_bench: --items must be > 0" >&2; exit 2; }
[ "$CONCURRENCY" -gt 0 ] || { echo "export_bench: --concurrency must be > 0" >&2; exit 2; }
case "$MODE" in export | serve) ;; *) echo "export_bench: --mode export|serve" >&2; exit 2 ;; esac
case "$CLEANUP" in immediate | none) ;; *) echo "export_bench: --cleanup immediate|none" >&2; exit 2 ;; esac

log() { printf 'export_bench: %s %s\n' "$(date +%T)" "$*" >&2; }

[ -x /usr/bin/time ] || { log "/usr/bin/time is missing (apt-get install time; scripts/install-deps.sh)"; exit 1; }

# --- build -----------------------------------------------------------------------------------
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  log "configuring a Release build in $BUILD_DIR"
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DDLEXPORT_BUILD_TESTS=OFF >&2
fi
cmake --build "$BUILD_DIR" -j2 --target dlexport dlexport-emulator >&2
BIN=$ROOT/$BUILD_DIR/bin
[[ $BUILD_DIR = /* ]] && BIN=$BUILD_DIR/bin

PROJECT=6600000000000000000000a1
DRIVER=6600000000000000000000d1
DATASET=6600000000000000000000e5
BUCKET=bench-bucket

WORK=$(mktemp -d -t dlexport-bench.XXXXXX)
# The emulator writes the bucket's files (create, write, rename per upload). On a disk filesystem
# that is kernel work (ext4 inode allocation showed as most of the emulator's CPU after a few runs)
# on the same two cores, and a real bucket is not a local disk: so by default the bucket lives in
# tmpfs when /dev/shm has room (4 GiB), else beside the rest of the run.
if [ -z "${STORAGE_PARENT:-}" ]; then
  STORAGE_PARENT=$WORK
  if [ -d /dev/shm ] && [ -w /dev/shm ] &&
    [ "$(df -Pk /dev/shm | awk 'NR == 2 {print $4}')" -gt $((4 * 1024 * 1024)) ]; then
    STORAGE_PARENT=/dev/shm
  fi
fi
STORAGE=$(mktemp -d "$STORAGE_PARENT/dlexport-bench-storage.XXXXXX")
STORAGE_FS=$(df -PT "$STORAGE" | awk 'NR == 2 {print $2}')
mkdir -p "$WORK/state"
EMU_PID="" SERVE_PID=""
finish() {
  [ -n "$SERVE_PID" ] && kill "$SERVE_PID" 2>/dev/null || true
  [ -n "$EMU_PID" ] && kill "$EMU_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  if [ "$KEEP" = 1 ]; then log "kept $WORK and $STORAGE"; else rm -rf "$WORK" "$STORAGE"; fi
}
trap finish EXIT

# --- emulator and dataset --------------------------------------------------------------------
"$BIN/dlexport-emulator" serve --listen 127.0.0.1:0 --storage-root "$STORAGE" \
  >"$WORK/emulator.out" 2>"$WORK/emulator.log" &
EMU_PID=$!
URL=""
for _ in $(seq 1 200); do
  URL=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$WORK/emulator.out" | head -n 1 || true)
  [ -n "$URL" ] && break
  kill -0 "$EMU_PID" 2>/dev/null || { cat "$WORK/emulator.log" >&2; exit 1; }
  sleep 0.05
done
[ -n "$URL" ] || { log "the emulator did not start"; exit 1; }

admin() { curl -fsS -H 'Content-Type: application/json' "$@"; }
admin -o /dev/null -X POST "$URL/__admin/fixture" -d @- <<JSON
{"projects": [{"id": "$PROJECT", "name": "bench"}],
 "drivers": [{"id": "$DRIVER", "type": "s3", "name": "bench-export-bucket", "projectId": "$PROJECT",
              "integrationId": "6600000000000000000000b1", "integrationType": "s3",
              "metadata": {"system": {"projectId": "$PROJECT"}},
              "bucketName": "$BUCKET", "region": "eu-west-1", "path": "exports",
              "allowExternalDelete": false, "allowExternalModification": false}]}
JSON
log "generating $ITEMS items x $ANNOTATIONS annotations"
admin -o /dev/null -X POST "$URL/__admin/generate" \
  -d "{\"project_id\": \"$PROJECT\", \"dataset_id\": \"$DATASET\", \"items\": $ITEMS, \"annotations_per_item\": $ANNOTATIONS, \"seed\": $SEED}"
TOKEN=$("$BIN/dlexport-emulator" token --email bench@example.com)
# Latency only now, so the setup above is fast; admin calls never see it.
admin -o /dev/null -X PUT "$URL/__admin/faults" -d "{\"latency_ms\": $LATENCY, \"rules\": []}"
# An explicit empty body: without Content-Length cpp-httplib waits for one (2 min timeout).
admin -o /dev/null -X POST "$URL/__admin/stats/reset" -d '{}'

export DLEXPORT_API_URL="$URL/api/v1" DLEXPORT_API_KEY="$TOKEN" DLEXPORT_STATE_DIR="$WORK/state"
export DLEXPORT_CONCURRENCY="$CONCURRENCY" DLEXPORT_EXPORT_CONCURRENCY="$CONCURRENCY"
if [ "$CLEANUP" = none ]; then export DLEXPORT_CLEANUP=none; fi

now_ns() { date +%s%N; }
# The emulator's user+sys CPU seconds so far (it shares the machine's cores with dlexport).
emu_cpu() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$EMU_PID/stat"; }
WRAP=()
if [ -n "$CALLGRIND" ]; then
  command -v valgrind >/dev/null || { log "valgrind is missing"; exit 1; }
  [[ $CALLGRIND = /* ]] || CALLGRIND=$ROOT/$CALLGRIND
  WRAP=(valgrind --tool=callgrind "--callgrind-out-file=$CALLGRIND")
elif [ -n "$PERF" ]; then
  command -v perf >/dev/null || { log "perf is missing"; exit 1; }
  [[ $PERF = /* ]] || PERF=$ROOT/$PERF
  # PERF_CALL_GRAPH=dwarf gives whole stacks (the Release build has no frame pointers).
  WRAP=(perf record -q --call-graph "${PERF_CALL_GRAPH:-fp}" -o "$PERF" --)
fi
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
EMU_CPU_BEFORE=$(emu_cpu)

# --- the export --------------------------------------------------------------------------------
if [ "$MODE" = export ]; then
  log "dlexport export ($ITEMS items, latency ${LATENCY} ms, concurrency $CONCURRENCY, cleanup $CLEANUP)"
  START=$(now_ns)
  set +e
  /usr/bin/time -o "$WORK/time" -f '%U %S %M' \
    "${WRAP[@]}" "$BIN/dlexport" export --driver "$DRIVER" --dataset "$DATASET" \
    >"$WORK/dlexport.out" 2>"$WORK/dlexport.log"
  RC=$?
  set -e
  END=$(now_ns)
  if [ "$RC" -ne 0 ]; then
    log "dlexport exited $RC:"
    tail -n 20 "$WORK/dlexport.log" >&2
    exit 1
  fi
else
  # Serve mode: the durable queue + workers, items enqueued through the HTTP API.
  CONTROL_TOKEN=bench-control-token-0123456789
  log "dlexport serve ($ITEMS items, latency ${LATENCY} ms, concurrency $CONCURRENCY, cleanup $CLEANUP)"
  DLEXPORT_LISTEN=127.0.0.1:0 DLEXPORT_CONTROL_TOKEN=$CONTROL_TOKEN \
    /usr/bin/time -o "$WORK/time" -f '%U %S %M' "${WRAP[@]}" "$BIN/dlexport" serve \
    >"$WORK/dlexport.out" 2>"$WORK/dlexport.log" &
  TIME_PID=$!
  API=""
  for _ in $(seq 1 400); do
    API=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$WORK/dlexport.out" | head -n 1 || true)
    [ -n "$API" ] && break
    kill -0 "$TIME_PID" 2>/dev/null || { tail -n 20 "$WORK/dlexport.log" >&2; exit 1; }
    sleep 0.05
  done
  [ -n "$API" ] || { log "dlexport serve did not start"; tail -n 20 "$WORK/dlexport.log" >&2; exit 1; }
  SERVE_PID=$(pgrep -P "$TIME_PID" | head -n 1 || true)
  [ -n "$SERVE_PID" ] || { log "dlexport serve has no process"; exit 1; }
  ctl() { curl -fsS -H "Authorization: Bearer $CONTROL_TOKEN" -H 'Content-Type: application/json' "$@"; }
  START=$(now_ns)
  ctl -o "$WORK/enqueue.json" -X POST "$API/v1/exports" \
    -d "{\"driver_id\": \"$DRIVER\", \"dataset_id\": \"$DATASET\", \"query\": {}}"
  while :; do
    STATUS=$(ctl "$API/v1/status")
    python3 -c 'import json,sys; q=json.loads(sys.argv[1])["queue"]; sys.exit(0 if q["depth"]==0 and q["in_flight"]==0 else 1)' "$STATUS" && break
    kill -0 "$SERVE_PID" 2>/dev/null || { log "dlexport serve died"; tail -n 20 "$WORK/dlexport.log" >&2; exit 1; }
    sleep 0.1
  done
  END=$(now_ns)
  DEAD=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["queue"]["dead_letters"])' "$STATUS")
  [ "$DEAD" = 0 ] || { log "$DEAD jobs dead-lettered: $STATUS"; exit 1; }
  # The stats are read before the drain so shutdown calls are not counted.
  admin "$URL/__admin/stats" >"$WORK/stats.json"
  kill -TERM "$SERVE_PID"
  set +e
  wait "$TIME_PID"
  set -e
  SERVE_PID=""
fi
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
EMU_CPU_AFTER=$(emu_cpu)

[ -f "$WORK/stats.json" ] || admin "$URL/__admin/stats" >"$WORK/stats.json"
FILES=$(find "$STORAGE/$BUCKET" -type f -name '*.json' 2>/dev/null | wc -l)
if [ "$FILES" -ne "$ITEMS" ]; then
  log "expected $ITEMS files in the bucket, found $FILES"
  tail -n 20 "$WORK/dlexport.log" >&2
  exit 1
fi

INSTRUCTIONS=""
if [ -n "$CALLGRIND" ]; then
  INSTRUCTIONS=$(grep -m1 '^summary:' "$CALLGRIND" | awk '{print $2}')
fi

python3 - "$ITEMS" "$ANNOTATIONS" "$LATENCY" "$CONCURRENCY" "$MODE" "$CLEANUP" "$START" "$END" \
  "$(tail -n 1 "$WORK/time")" "$WORK/stats.json" "$LOAD_BEFORE" "$LOAD_AFTER" "$(nproc)" "$INSTRUCTIONS" "$EMU_CPU_BEFORE" "$EMU_CPU_AFTER" "$STORAGE_FS" <<'PY'
import json, sys
(items, annotations, latency, concurrency, mode, cleanup, start, end, timing, stats_path,
 load_before, load_after, nproc, instructions, emu_before, emu_after, storage_fs) = sys.argv[1:]
items, latency, concurrency = int(items), int(latency), int(concurrency)
seconds = (int(end) - int(start)) / 1e9
user, system, max_rss_kib = timing.split()
stats = json.load(open(stats_path))
calls = stats["total"]
calls_per_item = calls / items
items_per_s = items / seconds
bound = concurrency / (latency / 1000 * calls_per_item) if latency > 0 and calls else None
out = {
    "items": items,
    "seconds": round(seconds, 3),
    "items_per_s": round(items_per_s, 1),
    "api_calls_per_item": round(calls_per_item, 4),
    "latency_bound_items_per_s": round(bound, 1) if bound else None,
    "efficiency": round(items_per_s / bound, 3) if bound else None,
    "cpu_us_per_item": round((float(user) + float(system)) * 1e6 / items, 1),
    "peak_rss_mib": round(int(max_rss_kib) / 1024, 1),
    "annotations_per_item": int(annotations),
    "latency_ms": latency,
    "concurrency": concurrency,
    "mode": mode,
    "cleanup": cleanup,
    "api_calls": calls,
    "calls_by_route": stats.get("requests", {}),
    "cpu_user_s": float(user),
    "cpu_sys_s": float(system),
    "emulator_cpu_s": round(float(emu_after) - float(emu_before), 2),
    "nproc": int(nproc),
    "bucket_fs": storage_fs,
    "loadavg_before": [float(x) for x in load_before.split()],
    "loadavg_after": [float(x) for x in load_after.split()],
}
if instructions:
    out["instructions_per_item"] = round(int(instructions) / items)
print(json.dumps(out))
PY
