#!/bin/bash
# Restore a backup made by backup.sh: the course folder, the gradebook and the
# hub's database, as they were when it was made.
#
#   restore.sh BACKUP_FOLDER --course DIR [--hub-db URL] [--replace]
#
# Stop the course first (systemctl stop canhgiac.target).  The checksums are
# verified before anything is written.  DIR must be absent or empty; with
# --replace, an existing DIR is moved aside to DIR.before-restore-<time>
# (nothing is deleted).  The gradebook goes back to the database that the
# restored course names (its nbgrader_config.py), the hub's to --hub-db or
# CANHGIAC_HUB_DB_URL, else to where it came from.  A missing PostgreSQL
# database is created when the role may; an existing one is emptied of the
# course's tables and filled from the backup, in one transaction.
set -euo pipefail
umask 077

BACKUP=""
COURSE="${CANHGIAC_COURSE:-}"
HUB_DB="${CANHGIAC_HUB_DB_URL:-}"
REPLACE=0
PYTHON="${CANHGIAC_PYTHON:-/opt/canhgiac/.venv/bin/python}"

die() { echo "restore.sh: $*" >&2; exit 1; }

while (($#)); do
  case "$1" in
    --course) COURSE="$2"; shift 2 ;;
    --hub-db) HUB_DB="$2"; shift 2 ;;
    --replace) REPLACE=1; shift ;;
    -h | --help) sed -n '2,15p' "$0"; exit 0 ;;
    -*) die "unknown argument: $1" ;;
    *) BACKUP="$1"; shift ;;
  esac
done
[[ -n $BACKUP && -f $BACKUP/SHA256SUMS ]] || die "not a backup folder (no SHA256SUMS): ${BACKUP:-none given}"
[[ -n $COURSE ]] || die "no course folder: --course DIR (or CANHGIAC_COURSE)"
command -v "$PYTHON" >/dev/null || PYTHON=python3
BACKUP="$(cd "$BACKUP" && pwd)"

(cd "$BACKUP" && sha256sum --check --quiet SHA256SUMS) || die "$BACKUP is damaged: checksums differ"

libpq_url() { sed -E 's#^postgres(ql)?(\+[a-z0-9_]+)?://#postgresql://#' <<<"$1"; }
sqlite_path() { sed -E 's#^sqlite(\+[a-z0-9_]+)?:///##' <<<"$1"; }
manifest() { awk -v n="$1" '$1 == n { $1 = ""; $2 = ""; sub(/^ +/, ""); print }' "$BACKUP/MANIFEST"; }

# 1. The course folder.
if [[ -e $COURSE ]] && [[ -n "$(ls -A "$COURSE")" ]]; then
  ((REPLACE)) || die "$COURSE is not empty: restore into a new folder, or give --replace to move it aside"
  aside="$COURSE.before-restore-$(date -u +%Y%m%dT%H%M%SZ)"
  mv "$COURSE" "$aside"
  echo "moved the existing $COURSE to $aside"
fi
mkdir -p "$COURSE"
tar --extract --gzip --file="$BACKUP/course.tar.gz" --directory="$COURSE" --same-permissions \
  $([[ $(id -u) == 0 ]] && echo --same-owner --numeric-owner)

restore_database() { # NAME URL
  local name="$1" url="$2"
  case "$url" in
    postgres*)
      [[ -f $BACKUP/$name.dump ]] || die "$name: the backup has no $name.dump"
      local target dbname maintenance
      target="$(libpq_url "$url")"
      dbname="$(sed -E 's#^[^/]*//[^/]*/([^?]*).*#\1#' <<<"$target")"
      maintenance="$(sed -E "s#^([^/]*//[^/]*/)[^?]*#\1postgres#" <<<"$target")"
      if [[ "$(psql --dbname="$maintenance" --tuples-only --no-align \
        --command="SELECT 1 FROM pg_database WHERE datname = '$dbname'")" != 1 ]]; then
        createdb --maintenance-db="$maintenance" --encoding=UTF8 --template=template0 "$dbname" \
          || die "$name: database $dbname does not exist and cannot be created by this role: create it (operator's guide), then run restore.sh again"
      fi
      pg_restore --dbname="$target" --clean --if-exists --no-owner --no-privileges \
        --single-transaction --exit-on-error "$BACKUP/$name.dump" ;;
    sqlite*)
      [[ -f $BACKUP/$name.sqlite ]] || die "$name: the backup has no $name.sqlite"
      local path
      path="$(sqlite_path "$url")"
      mkdir -p "$(dirname "$path")"
      cp -- "$BACKUP/$name.sqlite" "$path.restoring" && mv -- "$path.restoring" "$path" ;;
    *) die "$name: unsupported database URL: $url" ;;
  esac
  echo "restored $name"
}

# 2. The gradebook, where the restored course says it lives.
gradebook_url="$(cd / && "$PYTHON" -c 'import sys; from canhgiac.course import Course; print(Course(sys.argv[1]).db_url)' "$COURSE")" \
  || die "cannot read the restored course's gradebook setting"
restore_database gradebook "$gradebook_url"

# 3. The hub's database, if the backup has one.
if [[ -n "$(manifest hub)" ]]; then
  restore_database hub "${HUB_DB:-$(manifest hub)}"
fi
echo "restored $BACKUP into $COURSE"
