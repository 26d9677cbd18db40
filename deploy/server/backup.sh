#!/bin/bash
# Back up the Cảnh giác hosted course: the course folder, the gradebook and the
# hub's database, into one new folder BACKUP_DIR/<UTC time>/ with SHA256SUMS.
#
#   backup.sh [--config FILE] [--course DIR] [--hub-db URL] [--out DIR] [--keep N]
#
# The gradebook is the one the course itself names (nbgrader's db_url in the
# course's nbgrader_config.py, read by the course package): PostgreSQL is dumped
# with pg_dump (custom format), SQLite copied with SQLite's online backup.  The
# hub's database is CANHGIAC_HUB_DB_URL (canhgiac.env) or --hub-db; unset, it is
# the SQLite file in the course folder, archived with it.  Passwords come from
# libpq (PGPASSFILE), never from this script's arguments.
#
# The backup holds personal data (roster, answers, results): it is made
# readable by its owner only (umask 077).  Restore: restore.sh.
set -euo pipefail
umask 077

CONFIG=""
COURSE="${CANHGIAC_COURSE:-}"
HUB_DB="${CANHGIAC_HUB_DB_URL:-}"
OUT="/var/backups/canhgiac"
KEEP=14
PYTHON="${CANHGIAC_PYTHON:-/opt/canhgiac/.venv/bin/python}"

die() { echo "backup.sh: $*" >&2; exit 1; }

args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  [[ ${args[i]} == --config ]] && CONFIG="${args[i + 1]:-}"
done
if [[ -n $CONFIG ]]; then
  [[ -r $CONFIG ]] || die "cannot read $CONFIG"
  # shellcheck source=/dev/null
  source "$CONFIG"
fi
while (($#)); do
  case "$1" in
    --config) shift 2 ;;
    --course) COURSE="$2"; shift 2 ;;
    --hub-db) HUB_DB="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --keep) KEEP="$2"; shift 2 ;;
    -h | --help) sed -n '2,16p' "$0"; exit 0 ;;
    *) die "unknown argument: $1" ;;
  esac
done
[[ -n $COURSE ]] || die "no course folder: --course DIR (or CANHGIAC_COURSE)"
[[ -d $COURSE ]] || die "$COURSE is not a folder"
[[ $KEEP =~ ^[0-9]+$ ]] || die "--keep wants a number"
command -v "$PYTHON" >/dev/null || PYTHON=python3
COURSE="$(cd "$COURSE" && pwd)"

# A SQLAlchemy URL (postgresql+psycopg2://...) as libpq reads it (postgresql://...).
libpq_url() { sed -E 's#^postgres(ql)?(\+[a-z0-9_]+)?://#postgresql://#' <<<"$1"; }
sqlite_path() { sed -E 's#^sqlite(\+[a-z0-9_]+)?:///##' <<<"$1"; }

dump_database() { # URL NAME: NAME.dump (PostgreSQL) or NAME.sqlite (SQLite) in $work
  local url="$1" name="$2"
  case "$url" in
    postgres*)
      pg_dump --dbname="$(libpq_url "$url")" --format=custom --no-owner --no-privileges \
        --file="$work/$name.dump"
      echo "$name postgresql $url" >>"$work/MANIFEST" ;;
    sqlite*)
      "$PYTHON" - "$(sqlite_path "$url")" "$work/$name.sqlite" <<'PY'
import sqlite3, sys
source, target = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True), sqlite3.connect(sys.argv[2])
with target:
    source.backup(target)  # consistent while the course runs
source.close(); target.close()
PY
      echo "$name sqlite $url" >>"$work/MANIFEST" ;;
    *) die "$name: unsupported database URL: $url" ;;
  esac
}

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT"
work="$OUT/.$stamp.partial"
trap 'rm -rf "$work"' EXIT
mkdir "$work"
echo "# what this backup holds: name, kind, where it came from" >"$work/MANIFEST"
echo "course folder $COURSE" >>"$work/MANIFEST"

gradebook_url="$(cd / && "$PYTHON" -c 'import sys; from canhgiac.course import Course; print(Course(sys.argv[1]).db_url)' "$COURSE")" \
  || die "cannot read the course's gradebook setting (is the course package installed for $PYTHON?)"
dump_database "$gradebook_url" gradebook
if [[ -n $HUB_DB ]]; then
  dump_database "$HUB_DB" hub
fi
tar --create --gzip --file="$work/course.tar.gz" --directory="$COURSE" --numeric-owner .
(cd "$work" && sha256sum -- * >SHA256SUMS)
mv "$work" "$OUT/$stamp"
trap - EXIT
echo "$OUT/$stamp"

# Keep the newest $KEEP backups.
if ((KEEP > 0)); then
  find "$OUT" -mindepth 1 -maxdepth 1 -type d -name '20*Z' | sort | head -n "-$KEEP" | xargs -r rm -rf
fi
