# shellcheck shell=bash
# Shared steps of setup/run and setup/test.  Source it; do not run it.
#
# Settings (environment variables, all optional):
#   ODOO_SRC        an Odoo 18.0 source tree to use (else the per-user cache,
#                   else a clone of the official repository into that cache)
#   NATERO_CACHE    the per-user cache (default ~/.cache/natero-odoo)
#   NATERO_STATE    where databases' filestore, logs and a private PostgreSQL
#                   cluster live (default .state/ in the repository)
#   PGHOST PGPORT PGUSER   the PostgreSQL server (default 127.0.0.1:5432, the
#                   first of $PGUSER, postgres, $USER that can log in)
#   NATERO_PG=private      always use the private cluster in $NATERO_STATE/pg

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE=${NATERO_STATE:-$ROOT/.state}
VENV=$ROOT/.venv
CACHE=${NATERO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/natero-odoo}
ODOO_REPO_URL=${ODOO_REPO_URL:-https://github.com/odoo/odoo.git}
PRIVATE_PG_PORT=${NATERO_PG_PORT:-54329}
mkdir -p "$STATE"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() {
    printf '\033[1;31mERROR: %s\033[0m\n' "$*" >&2
    exit 1
}

# --- Python ------------------------------------------------------------------

pick_python() {
    local py
    for py in python3.12 python3.11 python3.10 python3; do
        if command -v "$py" >/dev/null 2>&1 &&
            "$py" -c 'import sys; sys.exit(not (3, 10) <= sys.version_info[:2] <= (3, 12))' 2>/dev/null; then
            echo "$py"
            return
        fi
    done
    die "Odoo 18.0 needs Python 3.10, 3.11 or 3.12: install one (apt-get install python3 python3-venv)"
}

# The project's and Odoo's Python requirements, installed once per change of
# either file (a stamp in the venv records what was installed).
ensure_venv() {
    local odoo_src=${1:-} stamp want
    if [ ! -x "$VENV/bin/python" ]; then
        say "Creating $VENV"
        "$(pick_python)" -m venv "$VENV" || die "could not create a virtualenv: install python3-venv"
    fi
    want=$(cat "$ROOT/requirements.txt" "$ROOT/setup/odoo_requirements.py" \
        ${odoo_src:+"$odoo_src/requirements.txt"} 2>/dev/null | sha256sum | cut -c1-16)
    stamp="$VENV/.natero-installed"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        return
    fi
    say "Installing Python requirements into .venv (a few minutes the first time)"
    "$VENV/bin/python" -m pip install --progress-bar off -q --upgrade pip 'setuptools<81' wheel
    "$VENV/bin/python" -m pip install --progress-bar off -q -r "$ROOT/requirements.txt" ||
        die "pip could not install requirements.txt (see above)"
    if [ -n "$odoo_src" ]; then
        "$VENV/bin/python" "$ROOT/setup/odoo_requirements.py" "$odoo_src" "$STATE/odoo-requirements.txt"
        "$VENV/bin/python" -m pip install --progress-bar off -q -r "$STATE/odoo-requirements.txt" ||
            die "pip could not install Odoo's requirements (see above)"
        # Make 'import odoo' work in the venv (pytest, scripts) without copying it.
        "$VENV/bin/python" - "$odoo_src" <<'EOF'
import site, sys
from pathlib import Path
Path(site.getsitepackages()[0], "natero-odoo-src.pth").write_text(sys.argv[1] + "\n")
EOF
    fi
    echo "$want" >"$stamp"
}

# --- Odoo source ---------------------------------------------------------------

# Sets ODOO_DIR and ADDONS_PATH.  $1 = "clone" to clone when nothing is found.
# Returns 1 (with WHY set) when no usable source can be had.
find_odoo() {
    local mode=${1:-} out
    WHY=""
    if [ -n "${ODOO_SRC:-}" ]; then
        out=$(python3 "$ROOT/setup/odoo_source.py" check "$ODOO_SRC" 2>&1) ||
            die "ODOO_SRC is not usable: $out. Point ODOO_SRC at an Odoo 18.0 checkout, or unset it."
        ODOO_DIR=$(cd "$ODOO_SRC" && pwd)
    elif out=$(python3 "$ROOT/setup/odoo_source.py" check "$CACHE/odoo-18.0" 2>&1); then
        ODOO_DIR=$CACHE/odoo-18.0
    elif [ "$mode" = clone ]; then
        if [ -e "$CACHE/odoo-18.0" ]; then
            die "$CACHE/odoo-18.0 exists but is not usable ($out): remove it or set ODOO_SRC"
        fi
        say "Cloning Odoo 18.0 into $CACHE/odoo-18.0 (about 1 GB; once per user)"
        mkdir -p "$CACHE"
        if ! git clone --progress --depth 1 --branch 18.0 "$ODOO_REPO_URL" "$CACHE/odoo-18.0.part"; then
            rm -rf "$CACHE/odoo-18.0.part"
            WHY="no ODOO_SRC, nothing in $CACHE/odoo-18.0, and cloning $ODOO_REPO_URL failed (offline?)"
            return 1
        fi
        mv "$CACHE/odoo-18.0.part" "$CACHE/odoo-18.0"
        out=$(python3 "$ROOT/setup/odoo_source.py" check "$CACHE/odoo-18.0" 2>&1) || die "$out"
        ODOO_DIR=$CACHE/odoo-18.0
    else
        WHY="no ODOO_SRC and no Odoo 18.0 in $CACHE/odoo-18.0"
        return 1
    fi
    ADDONS_PATH="$out,$ROOT"
}

# --- PostgreSQL ------------------------------------------------------------------

pg_try() { # host port user -> 0 when that role can log in
    PGCONNECT_TIMEOUT=3 psql -h "$1" -p "$2" -U "$3" -d postgres -Atqc 'select 1' >/dev/null 2>&1
}

as_pg_owner() { # run a PostgreSQL server binary; root must not own a cluster
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

pg_bindir() {
    local d
    command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return; }
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        [ -x "$d/initdb" ] && { echo "$d"; return; }
    done
    return 1
}

start_private_pg() {
    local bin data=$STATE/pg sock=$STATE/pg-socket
    bin=$(pg_bindir) || die "PostgreSQL is not running on ${PGHOST:-127.0.0.1}:${PGPORT:-5432} and no PostgreSQL server binaries are installed: apt-get install postgresql (or set PGHOST/PGPORT)"
    mkdir -p "$sock"
    if [ "$(id -u)" = 0 ]; then
        id postgres >/dev/null 2>&1 || die "running as root needs a 'postgres' system user to own the private cluster"
        chown postgres "$STATE" "$sock"
        [ -d "$data" ] && chown -R postgres "$data"
    fi
    if [ ! -f "$data/PG_VERSION" ]; then
        say "Creating a private PostgreSQL cluster in $data"
        as_pg_owner "$bin/initdb" -D "$data" -U odoo --auth=trust -E UTF8 --locale=C.UTF-8 >"$STATE/pg-initdb.log" 2>&1 ||
            die "initdb failed, see $STATE/pg-initdb.log"
    fi
    if ! pg_try 127.0.0.1 "$PRIVATE_PG_PORT" odoo; then
        say "Starting the private PostgreSQL cluster on 127.0.0.1:$PRIVATE_PG_PORT"
        as_pg_owner "$bin/pg_ctl" -D "$data" -l "$STATE/pg.log" -w -t 60 \
            -o "-p $PRIVATE_PG_PORT -k $sock -c listen_addresses=127.0.0.1" start >/dev/null ||
            die "the private PostgreSQL cluster did not start, see $STATE/pg.log"
    fi
    PGHOST=127.0.0.1 PGPORT=$PRIVATE_PG_PORT PGUSER=odoo
}

# Sets PGHOST PGPORT PGUSER to a server and role that can create databases.
ensure_pg() {
    local host=${PGHOST:-127.0.0.1} port=${PGPORT:-5432} user
    command -v psql >/dev/null 2>&1 || die "psql not found: apt-get install postgresql-client (and postgresql for a local server)"
    if [ "${NATERO_PG:-}" != private ]; then
        for user in ${PGUSER:-} odoo "$(id -un)" postgres; do
            pg_try "$host" "$port" "$user" || continue
            if [ "$user" = postgres ]; then
                # Odoo refuses to run as the superuser 'postgres': make a role for it.
                say "Creating the PostgreSQL role 'odoo' (CREATEDB) for Odoo"
                psql -h "$host" -p "$port" -U postgres -d postgres -qc \
                    'CREATE ROLE odoo LOGIN CREATEDB' >/dev/null 2>&1 || true
                pg_try "$host" "$port" odoo && user=odoo ||
                    die "Odoo will not run as 'postgres' and the role 'odoo' cannot log in: set PGUSER to a role with CREATEDB"
            fi
            PGHOST=$host PGPORT=$port PGUSER=$user
            export PGHOST PGPORT PGUSER
            return
        done
        say "No PostgreSQL answers on $host:$port; using a private cluster instead"
    fi
    start_private_pg
    export PGHOST PGPORT PGUSER
}

odoo_bin() { # run odoo-bin of the found source with this project's addons
    "$VENV/bin/python" "$ODOO_DIR/odoo-bin" --addons-path="$ADDONS_PATH" \
        --db_host="$PGHOST" --db_port="$PGPORT" --db_user="$PGUSER" \
        --data-dir="$STATE/data" "$@"
}

db_exists() {
    [ "$(echo "select 1 from pg_database where datname = :'name'" |
        psql -d postgres -Atq -v name="$1")" = 1 ]
}
