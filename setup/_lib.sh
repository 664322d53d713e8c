# shellcheck shell=bash
# Shared steps of setup/run, setup/test, setup/e2e and setup/bench.  Source it;
# do not run it.
#
# The project runs on Odoo 18.0 and 19.0.  Each series has its own Odoo tree
# and its own virtualenv (.venv-18.0, .venv-19.0: Odoo's requirements of that
# tree, which differ, plus requirements.txt); the static-check tools live apart
# in .venv-tools (requirements-tools.txt), so they never pin Odoo's packages.
#
# Settings (environment variables, all optional):
#   NATERO_SERIES   the Odoo series to use: 18.0 or 19.0 (setup/test: a list,
#                   all supported by default; setup/run, setup/e2e, setup/bench:
#                   one, by default the series of ODOO_SRC, else the first
#                   found, 18.0 first)
#   ODOO_SRC        an Odoo source tree of either series (detected from
#                   odoo/release.py); it serves that series
#   ODOO_SRC_18 ODOO_SRC_19   an Odoo 18.0 / 19.0 tree (wins over ODOO_SRC)
#                   Else the per-user cache $NATERO_CACHE/odoo-<series> is used.
#   NATERO_CLONE    the series cloned from the official repository into the
#                   cache when nothing is found (default 18.0; "18.0 19.0" for
#                   both, "none" for neither); about 1 GB per series, once
#   NATERO_CACHE    the per-user cache (default ~/.cache/natero-odoo)
#   NATERO_STATE    where databases' filestore, logs and a private PostgreSQL
#                   cluster live (default .state/ in the repository)
#   PGHOST PGPORT PGUSER   the PostgreSQL server (default 127.0.0.1:5432, the
#                   first of $PGUSER, odoo, $USER, postgres that can log in)
#   NATERO_PG=private      always use the private cluster in $NATERO_STATE/pg

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE=${NATERO_STATE:-$ROOT/.state}
CACHE=${NATERO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/natero-odoo}
ODOO_REPO_URL=${ODOO_REPO_URL:-https://github.com/odoo/odoo.git}
PRIVATE_PG_PORT=${NATERO_PG_PORT:-54329}
SUPPORTED_SERIES=(18.0 19.0)
# The venv of the series that find_odoo / find_series found (18.0's until then).
VENV=$ROOT/.venv-18.0
TOOLS_VENV=$ROOT/.venv-tools
ODOO_SRC_SERIES=""
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
    die "Odoo 18.0 and 19.0 need Python 3.10, 3.11 or 3.12 here: install one (apt-get install python3 python3-venv)"
}

stamp_of() { printf '%s' "$1" | sha256sum | cut -c1-16; }

# venv_install VENV KEY PIP_ARGS... : create VENV when missing and run one
# `pip install PIP_ARGS` (one resolver run over every requirement, so no
# conflicting pin slips in), once per change of KEY (a stamp in the venv).
venv_install() {
    local venv=$1 want
    want=$(stamp_of "$2")
    shift 2
    if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.natero-installed" 2>/dev/null)" = "$want" ]; then
        return 0
    fi
    if [ ! -x "$venv/bin/python" ]; then
        say "Creating ${venv#"$ROOT"/}"
        "$(pick_python)" -m venv "$venv" || die "could not create a virtualenv: install python3-venv"
    fi
    say "Installing Python requirements into ${venv#"$ROOT"/} (a few minutes the first time)"
    "$venv/bin/python" -m pip install --progress-bar off -q --upgrade pip 'setuptools<81' wheel ||
        die "pip could not upgrade itself in $venv (see above)"
    "$venv/bin/python" -m pip install --progress-bar off -q "$@" ||
        die "pip could not install the requirements into $venv (see above)"
    echo "$want" >"$venv/.natero-installed"
}

# The venv of the series found by find_odoo / find_series ($VENV): the
# project's requirements.txt and Odoo's own requirements of the tree $1
# (optional: without it, requirements.txt only), and a .pth file making
# `import odoo` that tree (pytest-odoo, scripts).
ensure_venv() {
    local odoo_src=${1:-} reqs key
    key="$(cat "$ROOT/requirements.txt" "$ROOT/setup/odoo_requirements.py" \
        ${odoo_src:+"$odoo_src/requirements.txt"} 2>/dev/null)|$odoo_src"
    if [ -z "$odoo_src" ]; then
        venv_install "$VENV" "$key" -r "$ROOT/requirements.txt"
        return
    fi
    reqs=$STATE/odoo-requirements-$ODOO_SERIES.txt
    python3 "$ROOT/setup/odoo_requirements.py" "$odoo_src" "$reqs" >"$reqs.log" ||
        die "could not read $odoo_src/requirements.txt"
    if [ "$(cat "$VENV/.natero-installed" 2>/dev/null)" != "$(stamp_of "$key")" ]; then
        cat "$reqs.log" >&2 # the workarounds, said once per install
    fi
    venv_install "$VENV" "$key" -r "$ROOT/requirements.txt" -r "$reqs"
    "$VENV/bin/python" - "$odoo_src" <<'PYEOF'
import site, sys
from pathlib import Path
pth = Path(site.getsitepackages()[0], "natero-odoo-src.pth")
if not pth.is_file() or pth.read_text() != sys.argv[1] + "\n":
    pth.write_text(sys.argv[1] + "\n")
PYEOF
}

# The static-check tools (ruff, pylint-odoo, OCA's hooks, pre-commit) in
# .venv-tools, apart from Odoo's runtime: their pins (polib for one) differ.
ensure_tools_venv() {
    venv_install "$TOOLS_VENV" "$(cat "$ROOT/requirements-tools.txt")" \
        -r "$ROOT/requirements-tools.txt"
}

# prettier with @prettier/plugin-xml, which formats the addons' XML as OCA's
# pre-commit does (.prettierrc.cjs, .editorconfig): the same versions as OCA's
# 18.0 repositories, installed from the npm registry into .venv-tools/node once
# per change of these pins.  Needs node (14 or later) and npm.
NODE_TOOLS=(prettier@3.3.3 @prettier/plugin-xml@3.4.1)
PRETTIER=$TOOLS_VENV/node/node_modules/.bin/prettier

# ensure_node_tools: returns 1 with WHY set when node or npm is missing, too
# old, or the install fails (setup/test then fails its static stage: loudly).
ensure_node_tools() {
    local dir=$TOOLS_VENV/node want major
    want=$(stamp_of "${NODE_TOOLS[*]}")
    WHY=""
    if [ -x "$PRETTIER" ] && [ "$(cat "$dir/.natero-installed" 2>/dev/null)" = "$want" ]; then
        return 0
    fi
    if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
        WHY="node and npm are needed for prettier (XML formatting): apt-get install nodejs npm"
        return 1
    fi
    major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
    if [ "$major" -lt 14 ]; then
        WHY="prettier 3 needs node 14 or later, found $(node --version 2>/dev/null)"
        return 1
    fi
    say "Installing ${NODE_TOOLS[*]} into ${dir#"$ROOT"/} (npm)"
    mkdir -p "$dir"
    if ! npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error \
        "${NODE_TOOLS[@]}" >&2; then
        WHY="npm could not install ${NODE_TOOLS[*]} (see above; is the npm registry reachable?)"
        return 1
    fi
    echo "$want" >"$dir/.natero-installed"
}

# --- Odoo source ---------------------------------------------------------------

odoo_source() { python3 "$ROOT/setup/odoo_source.py" "$@"; }

valid_series() { # SERIES: returns when supported, else dies
    local s
    for s in "${SUPPORTED_SERIES[@]}"; do [ "$1" = "$s" ] && return 0; done
    die "unknown Odoo series '$1' (NATERO_SERIES): this project supports ${SUPPORTED_SERIES[*]}"
}

clone_allowed() { # SERIES MODE: 0 when that series may be cloned
    local s
    [ "$2" = clone ] || [ "$2" = clone-asked ] || return 1
    # A series asked for by name (NATERO_SERIES) is cloned unless NATERO_CLONE=none.
    [ "$2" = clone-asked ] && [ "${NATERO_CLONE:-}" != none ] && return 0
    for s in ${NATERO_CLONE-18.0}; do
        for s in ${s//,/ }; do
            if [ "$s" = "$1" ] || [ "$s" = all ]; then return 0; fi
        done
    done
    return 1
}

# The series to work on, in order: $NATERO_SERIES (spaces or commas) or all.
series_list() {
    local s out=() asked=${NATERO_SERIES:-}
    for s in ${asked//,/ }; do
        valid_series "$s"
        out+=("$s")
    done
    [ ${#out[@]} -gt 0 ] || out=("${SUPPORTED_SERIES[@]}")
    echo "${out[@]}"
}

# ODOO_SRC, when set, must be an Odoo tree of a supported series: its series
# goes to ODOO_SRC_SERIES.
check_odoo_src() {
    local out
    [ -n "${ODOO_SRC:-}" ] || return 0
    out=$(odoo_source series "$ODOO_SRC" 2>&1) ||
        die "ODOO_SRC is not usable: $out. Point ODOO_SRC at an Odoo 18.0 or 19.0 checkout, or unset it."
    ODOO_SRC_SERIES=$out
}

# find_series SERIES [clone|clone-asked]: sets ODOO_DIR, ODOO_SERIES, ADDONS_PATH and VENV
# for that series, from ODOO_SRC_<major>, else ODOO_SRC when it is that series,
# else the cache, else a shallow clone of the official repository's branch
# (with "clone" when NATERO_CLONE lists the series, with "clone-asked" unless
# NATERO_CLONE=none).  Returns 1 with WHY set when no
# tree can be had; dies on a tree that was given but is not usable.
find_series() {
    local series=$1 mode=${2:-} var out dir cached
    var=ODOO_SRC_${series%%.*}
    cached=$CACHE/odoo-$series
    WHY=""
    valid_series "$series"
    check_odoo_src
    if [ -n "${!var:-}" ]; then
        out=$(odoo_source check "${!var}" "$series" 2>&1) ||
            die "$var is not usable: $out. Point $var at an Odoo $series checkout, or unset it."
        dir=${!var}
    elif [ -n "${ODOO_SRC:-}" ] && [ "$ODOO_SRC_SERIES" = "$series" ]; then
        out=$(odoo_source check "$ODOO_SRC" "$series" 2>&1) ||
            die "ODOO_SRC is not usable: $out. Point ODOO_SRC at an Odoo $series checkout, or unset it."
        dir=$ODOO_SRC
    elif out=$(odoo_source check "$cached" "$series" 2>&1); then
        dir=$cached
    elif [ -e "$cached" ]; then
        die "$cached exists but is not usable ($out): remove it or set $var"
    elif clone_allowed "$series" "$mode"; then
        say "Cloning Odoo $series into $cached (about 1 GB; once per user)"
        mkdir -p "$CACHE"
        rm -rf "$cached.part"
        if ! git clone --progress --depth 1 --branch "$series" "$ODOO_REPO_URL" "$cached.part"; then
            rm -rf "$cached.part"
            WHY="no $var, nothing in $cached, and cloning $ODOO_REPO_URL failed (offline?)"
            return 1
        fi
        mv "$cached.part" "$cached"
        out=$(odoo_source check "$cached" "$series" 2>&1) || die "$out"
        dir=$cached
    else
        WHY="no $var${ODOO_SRC:+, ODOO_SRC is Odoo $ODOO_SRC_SERIES,} and no Odoo $series in $cached"
        if [ -n "$mode" ]; then
            WHY="$WHY (set $var to an Odoo $series checkout, or NATERO_CLONE=$series to clone it: about 1 GB)"
        fi
        return 1
    fi
    ODOO_DIR=$(cd "$dir" && pwd)
    ODOO_SERIES=$series
    ADDONS_PATH="$out,$ROOT"
    VENV=$ROOT/.venv-$series
}

# find_odoo [clone]: one series, for setup/run, setup/e2e and setup/bench:
# NATERO_SERIES when set, else the series of ODOO_SRC when set, else the first
# found of 18.0 and 19.0 (by default only 18.0 is cloned when missing).  Sets
# what find_series sets; returns 1 with WHY set when none can be had.
find_odoo() {
    local mode=${1:-} s whys=()
    check_odoo_src
    if [ -n "${NATERO_SERIES:-}" ]; then
        find_series "$NATERO_SERIES" "${mode:+clone-asked}"
        return
    fi
    if [ -n "${ODOO_SRC:-}" ]; then
        find_series "$ODOO_SRC_SERIES" "$mode"
        return
    fi
    for s in "${SUPPORTED_SERIES[@]}"; do
        find_series "$s" "$mode" && return 0
        whys+=("$WHY")
    done
    WHY=$(IFS=';'; echo "${whys[*]}")
    return 1
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

# $STATE/odoo-<series>.conf (sets ODOO_CONF): the found series' addons path and
# database settings, for pytest-odoo (--odoo-config) or `odoo-bin -c`.
write_odoo_conf() {
    ODOO_CONF=$STATE/odoo-$ODOO_SERIES.conf
    cat >"$ODOO_CONF" <<CONF
[options]
addons_path = $ADDONS_PATH
db_host = $PGHOST
db_port = $PGPORT
db_user = $PGUSER
data_dir = $STATE/data
max_cron_threads = 0
CONF
}

# pytest_odoo DB [pytest arguments...]: the addons' Odoo tests through pytest
# (pytest-odoo) on database DB of the found series, where both addons are
# installed; --odoo-http serves Odoo on a free port for the HttpCase tests, and
# setup/pytest_odoo_testmode.py sets Odoo's test mode as Odoo's runner does.
pytest_odoo() {
    local db=$1
    shift
    write_odoo_conf
    PYTHONPATH="$ROOT/setup${PYTHONPATH:+:$PYTHONPATH}" \
        "$VENV/bin/python" -m pytest -p pytest_odoo_testmode \
        --odoo-config="$ODOO_CONF" --odoo-database="$db" --odoo-http \
        --odoo-log-level=warn "$@"
}

# demo_args on|off: odoo-bin's options to load (on) or leave out (off) demo data
# in a new database of the found series: 18.0 loads it unless --without-demo,
# 19.0 only with --with-demo (and warns about --without-demo=all).
demo_args() {
    case "$ODOO_SERIES:$1" in
    18.0:off) echo "--without-demo=all" ;;
    19.0:on) echo "--with-demo" ;;
    esac
}
