#!/usr/bin/env bash
# The README's first command: installs dependencies, builds, starts the Dataloop emulator with a
# sample dataset, exports it through an S3-type storage driver, and shows the files in the bucket.
#   scripts/demo.sh                 200 items x 5 annotations
#   ITEMS=1000 scripts/demo.sh      more
set -euo pipefail
cd "$(dirname "$0")/.."

ITEMS=${ITEMS:-200}
PROJECT=6600000000000000000000a1
DRIVER=6600000000000000000000d1
DATASET=6600000000000000000000e5

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "Installing dependencies and building (first run takes a few minutes)"
scripts/install-deps.sh
scripts/build.sh
BIN=build/bin

WORK=$(mktemp -d -t dlexport-demo.XXXXXX)
STORAGE=$WORK/storage
mkdir -p "$STORAGE"

say "Starting the Dataloop emulator (storage root $STORAGE)"
"$BIN/dlexport-emulator" serve --listen 127.0.0.1:0 --storage-root "$STORAGE" \
  >"$WORK/emulator.out" 2>"$WORK/emulator.log" &
EMU_PID=$!
cleanup() {
  kill "$EMU_PID" 2>/dev/null || true
  wait "$EMU_PID" 2>/dev/null || true
}
trap cleanup EXIT
URL=""
for _ in $(seq 1 100); do
  URL=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$WORK/emulator.out" | head -n 1 || true)
  [ -n "$URL" ] && break
  kill -0 "$EMU_PID" 2>/dev/null || { cat "$WORK/emulator.log" >&2; exit 1; }
  sleep 0.1
done
[ -n "$URL" ] || { echo "the emulator did not start" >&2; exit 1; }
echo "listening on $URL"

say "Loading a project, an S3 driver (bucket demo-bucket, path exports, allow delete OFF) and $ITEMS items"
curl -fsS -o /dev/null -X POST "$URL/__admin/fixture" -H 'Content-Type: application/json' -d @- <<JSON
{"projects": [{"id": "$PROJECT", "name": "demo"}],
 "drivers": [{"id": "$DRIVER", "type": "s3", "name": "demo-export-bucket", "projectId": "$PROJECT",
              "integrationId": "6600000000000000000000b1", "integrationType": "s3",
              "metadata": {"system": {"projectId": "$PROJECT"}},
              "bucketName": "demo-bucket", "region": "eu-west-1", "path": "exports",
              "allowExternalDelete": false, "allowExternalModification": false}]}
JSON
# The source dataset is a normal dataset (no driver); the driver is only the export target.
curl -fsS -o /dev/null -X POST "$URL/__admin/generate" -H 'Content-Type: application/json' \
  -d "{\"project_id\": \"$PROJECT\", \"dataset_id\": \"$DATASET\", \"items\": $ITEMS, \"annotations_per_item\": 5, \"seed\": 42}"
TOKEN=$("$BIN/dlexport-emulator" token --email demo@example.com)

say "dlexport export --driver $DRIVER --dataset $DATASET"
DLEXPORT_API_URL="$URL/api/v1" DLEXPORT_API_KEY="$TOKEN" DLEXPORT_STATE_DIR="$WORK/state" \
  "$BIN/dlexport" export --driver "$DRIVER" --dataset "$DATASET"

BUCKET_DIR="$STORAGE/demo-bucket/exports"
say "The bucket: $BUCKET_DIR"
(cd "$BUCKET_DIR" && find . -type f | sort | head -n 10)
echo "... $(find "$BUCKET_DIR" -type f | wc -l) JSON files in total"

SMALLEST=$(find "$BUCKET_DIR" -type f -printf '%s %p\n' | sort -n | head -n 1 | cut -d' ' -f2-)
say "One of them: ${SMALLEST#"$STORAGE"/}"
LINES=$(wc -l <"$SMALLEST")
head -n 25 "$SMALLEST"
echo "  ... ($((LINES - 25)) more lines: the item's metadata, then its annotations)"

say "Done. The staged items were deleted right after upload (cleanup: immediate); the files stay."
echo "Emulator stopped; scratch files in $WORK"
