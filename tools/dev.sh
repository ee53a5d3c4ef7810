#!/usr/bin/env bash
# Development tasks behind the Makefile: find Odoo, build the virtualenv, check PostgreSQL,
# create the demo database, start Odoo and the Chorus Pro sandbox, run the tests.
# Every failure ends with one line "error: ..." saying what to install or set, and a non-zero status.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ADDON=l10n_fr_chorus_pro
PYTHON=${PYTHON:-python3}
VENV=${VENV:-$ROOT/.venv}
ODOO_CACHE=${ODOO_CACHE:-$HOME/.cache/$ADDON/odoo-18.0}
ODOO_REPO=${ODOO_REPO:-https://github.com/odoo/odoo.git}
DB_HOST=${DB_HOST:-127.0.0.1}
DB_PORT=${DB_PORT:-5432}
DB_USER=${DB_USER:-odoo}
DB_PASSWORD=${DB_PASSWORD:-odoo}
DB_NAME=${DB_NAME:-chorus_pro_demo}
HTTP_PORT=${HTTP_PORT:-8069}
SANDBOX_PORT=${SANDBOX_PORT:-8900}
TEST_DB_NAME=${TEST_DB_NAME:-${DB_NAME}_test_$$}
TEST_HTTP_PORT=${TEST_HTTP_PORT:-8169}
CONF=$VENV/odoo.conf
ADDONS_LINK_DIR=$VENV/odoo-addons
# ruff and pylint-odoo live in a small virtualenv of their own: `make lint` needs no Odoo.
LINT_VENV=${LINT_VENV:-$VENV/lint}

die() { echo "error: $*" >&2; exit 1; }
say() { echo "==> $*" >&2; }

# --- Odoo source tree --------------------------------------------------------------------------
odoo_src() {
    local src
    if [ -n "${ODOO_SRC:-}" ]; then
        src=$ODOO_SRC
        [ -f "$src/odoo/release.py" ] || die "ODOO_SRC=$src is not an Odoo source tree (no odoo/release.py): point ODOO_SRC to an Odoo 18.0 checkout"
    else
        src=$ODOO_CACHE
        if [ ! -f "$src/odoo/release.py" ]; then
            say "Odoo 18.0 not found in $src: cloning $ODOO_REPO (branch 18.0)"
            rm -rf "$src"
            mkdir -p "$(dirname "$src")"
            if ! git clone --quiet --depth 1 --branch 18.0 "$ODOO_REPO" "$src" >&2; then
                rm -rf "$src"
                die "could not clone Odoo 18.0 from $ODOO_REPO: set ODOO_SRC to a local Odoo 18.0 source tree"
            fi
        fi
    fi
    grep -q "^version_info = (18, 0," "$src/odoo/release.py" \
        || die "$src is not Odoo 18.0 (see $src/odoo/release.py): point ODOO_SRC to an Odoo 18.0 checkout"
    (cd "$src" && pwd)
}

# Nightly trees hold every addon under odoo/addons (and sometimes a stale top-level addons/ that must
# not be used); a git checkout of odoo/odoo holds them in addons/.
odoo_addons_path() {
    local src=$1
    if [ -f "$src/odoo/addons/account/__manifest__.py" ]; then
        echo "$ADDONS_LINK_DIR,$src/odoo/addons"
    else
        echo "$ADDONS_LINK_DIR,$src/addons,$src/odoo/addons"
    fi
}

# --- virtualenv --------------------------------------------------------------------------------
check_python() {
    command -v "$PYTHON" >/dev/null || die "$PYTHON not found: install Python 3.10, 3.11 or 3.12 (or set PYTHON)"
    "$PYTHON" -c 'import sys; sys.exit(not ((3, 10) <= sys.version_info[:2] <= (3, 12)))' \
        || die "$PYTHON is Python $("$PYTHON" -c 'import platform; print(platform.python_version())'); Odoo 18 needs 3.10 to 3.12: set PYTHON"
}

# --- system packages ---------------------------------------------------------------------------
# What Odoo's requirements build with (psycopg2 has no wheel for its pinned version: gcc, the Python headers,
# libpq-dev; everything else comes as wheels or builds without a compiler), the PDF renderer and the browser the
# tours drive. Installed when run as root with apt; otherwise one line says what to run. Checked from a bare
# Debian 12 root by tools/fresh-machine-check.sh.
APT_PACKAGES="gcc python3-dev libpq-dev wkhtmltopdf chromium"

system_packages() {
    command -v dpkg-query >/dev/null || return 0
    local missing="" p
    for p in $APT_PACKAGES; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
    done
    [ -n "$missing" ] || return 0
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        say "Installing system packages:$missing"
        local log
        log=$(mktemp)
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing) \
            >"$log" 2>&1 || { tail -n 20 "$log" >&2; die "could not install the system packages: apt-get install$missing"; }
        rm -f "$log"
        return 0
    fi
    die "missing system packages: sudo apt-get install$missing"
}

# pip_into VENV ARGS...: pip in that virtualenv, its output appended to VENV/setup.log (shown on failure)
pip_into() {
    local venv=$1; shift
    "$venv/bin/python" -m pip --disable-pip-version-check -q "$@" >>"$venv/setup.log" 2>&1 \
        || { tail -n 30 "$venv/setup.log" >&2; return 1; }
}

new_venv() {
    check_python
    [ -x "$1/bin/python" ] || "$PYTHON" -m venv "$1" || die "could not create a virtualenv with $PYTHON: install python3-venv"
    : >"$1/setup.log"
    say "  (pip's output goes to $1/setup.log)"
    pip_into "$1" install -U 'pip>=25.3' wheel || die "pip could not upgrade itself: check your access to PyPI"
}

lint_venv() {
    local want stamp=$LINT_VENV/.setup-done
    want=$(sha1sum <"$ROOT/requirements-lint.txt" | cut -c1-12)
    [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && return
    say "Building the lint virtualenv $LINT_VENV (ruff, pylint-odoo)"
    new_venv "$LINT_VENV"
    pip_into "$LINT_VENV" install -r "$ROOT/requirements-lint.txt" || die "installing the lint tools failed (requirements-lint.txt)"
    echo "$want" >"$stamp"
}

venv() {
    local src stamp want
    src=$(odoo_src)
    system_packages
    want=$(cat "$src/requirements.txt" "$ROOT/requirements-dev.txt" "$ROOT/requirements-lint.txt" \
           "$ROOT/tools/build-constraints.txt" | sha1sum | cut -c1-12)-$src
    stamp=$VENV/.setup-done
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        write_conf "$src"
        return
    fi
    say "Building the virtualenv $VENV (Odoo from $src)"
    new_venv "$VENV"
    pip() { pip_into "$VENV" "$@"; }
    # Odoo pins build old packages from source; some need pkg_resources (setuptools < 81) at build time,
    # python-ldap needs libldap2-dev libsasl2-dev, psycopg2 needs libpq-dev.
    # python-ldap only serves Odoo's auth_ldap, which this addon never uses: it is not built at all.
    grep -v '^python-ldap' "$src/requirements.txt" >"$VENV/odoo-requirements.txt"
    pip install --build-constraint "$ROOT/tools/build-constraints.txt" -r "$VENV/odoo-requirements.txt" \
        || die "installing Odoo's requirements failed: apt-get install $APT_PACKAGES, then retry"
    # compat mode keeps 'import odoo' working once addons are installed as wheels
    pip install --no-deps --config-settings editable_mode=compat -e "$src" || die "could not install Odoo from $src"
    pip install -r "$ROOT/requirements-dev.txt" || die "installing the development tools failed (requirements-dev.txt)"
    echo "$want" >"$stamp"
    write_conf "$src"
}

write_conf() {
    local src=$1
    mkdir -p "$ADDONS_LINK_DIR"
    # Odoo takes the addon's name from its folder: give it the right name whatever the clone is called.
    ln -sfn "$ROOT" "$ADDONS_LINK_DIR/$ADDON"
    cat >"$CONF" <<CONF
[options]
addons_path = $(odoo_addons_path "$src")
db_host = $DB_HOST
db_port = $DB_PORT
db_user = $DB_USER
db_password = $DB_PASSWORD
http_port = $HTTP_PORT
admin_passwd = admin
data_dir = $VENV/odoo-data
without_demo = False
CONF
}

# --- PostgreSQL --------------------------------------------------------------------------------
# The superuser, once, to create our role: over TCP if it may log in so; else, as root on the machine that runs
# the cluster, through the local socket as the postgres system user (what a fresh Debian/Ubuntu cluster allows).
pg_superuser() {
    local su=${PG_SUPERUSER:-postgres}
    if psql -h "$DB_HOST" -p "$DB_PORT" -U "$su" -d postgres -w -qtAc 'select 1' >/dev/null 2>&1; then
        psql -h "$DB_HOST" -p "$DB_PORT" -U "$su" -d postgres -w -v ON_ERROR_STOP=1 -qtA "$@"
    elif [ "$(id -u)" = 0 ] && [[ $DB_HOST =~ ^(127\.0\.0\.1|localhost|::1)$ ]] && id "$su" >/dev/null 2>&1 \
            && command -v runuser >/dev/null; then
        (cd / && runuser -u "$su" -- psql -p "$DB_PORT" -d postgres -v ON_ERROR_STOP=1 -qtA "$@")
    else
        return 1
    fi
}

postgres() {
    command -v psql >/dev/null || die "psql not found: install PostgreSQL (client and server, e.g. apt-get install postgresql)"
    if ! pg_isready -q -h "$DB_HOST" -p "$DB_PORT" 2>/dev/null; then
        if command -v pg_ctlcluster >/dev/null && [ -n "$(ls /etc/postgresql 2>/dev/null)" ]; then
            say "PostgreSQL is down: starting the local cluster"
            pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start >/dev/null 2>&1 || true
            for _ in 1 2 3 4 5 6 7 8 9 10; do pg_isready -q -h "$DB_HOST" -p "$DB_PORT" && break; sleep 1; done
        fi
        pg_isready -q -h "$DB_HOST" -p "$DB_PORT" \
            || die "PostgreSQL does not answer on $DB_HOST:$DB_PORT: install and start PostgreSQL, or set DB_HOST/DB_PORT"
    fi
    # Odoo refuses to run as 'postgres': make sure our own role exists.
    if ! PGPASSWORD=$DB_PASSWORD psql -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" -d postgres -qtAc 'select 1' >/dev/null 2>&1; then
        pg_superuser -c "DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') THEN
                             CREATE ROLE \"$DB_USER\" LOGIN CREATEDB PASSWORD '$DB_PASSWORD'; END IF; END\$\$;" >/dev/null 2>&1 \
            || die "cannot log into PostgreSQL as $DB_USER, nor create that role as postgres: create it (CREATE ROLE $DB_USER LOGIN CREATEDB PASSWORD '...') and set DB_USER/DB_PASSWORD"
    fi
}

odoo_bin() { "$VENV/bin/python" "$(odoo_src)/odoo-bin" -c "$CONF" "$@"; }

db_has_addon() {
    PGPASSWORD=$DB_PASSWORD psql -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" -d "$1" -qtAc \
        "select state from ir_module_module where name = '$ADDON'" 2>/dev/null | grep -qx installed
}

# --- commands ----------------------------------------------------------------------------------
cmd_setup() { venv; postgres; }

cmd_run() {
    cmd_setup
    sandbox_start
    if ! db_has_addon "$DB_NAME"; then
        say "Creating the database $DB_NAME with $ADDON and demo data (a few minutes, once)"
        odoo_bin -d "$DB_NAME" -i "$ADDON" --stop-after-init --log-level=warn \
            || die "installing $ADDON into $DB_NAME failed (see the log above)"
    fi
    demo_sandbox_url
    say "Odoo on http://localhost:$HTTP_PORT (login admin / admin), Chorus Pro sandbox on http://127.0.0.1:$SANDBOX_PORT"
    exec "$VENV/bin/python" "$(odoo_src)/odoo-bin" -c "$CONF" -d "$DB_NAME" --db-filter="^$DB_NAME\$"
}

# Does the sandbox answer? (Python, not curl: a fresh machine may have no curl)
sandbox_up() {
    "$VENV/bin/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
        "http://127.0.0.1:$SANDBOX_PORT/_sandbox/state" >/dev/null 2>&1
}

# The demo company talks to the sandbox this run started, whatever SANDBOX_PORT is (on every run: an existing
# database follows a port change too).
demo_sandbox_url() {
    PGPASSWORD=$DB_PASSWORD psql -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" -d "$DB_NAME" -v ON_ERROR_STOP=1 -qtAc \
        "UPDATE res_company SET l10n_fr_chorus_sandbox_url = 'http://127.0.0.1:$SANDBOX_PORT'
          WHERE l10n_fr_chorus_environment = 'sandbox'
            AND id = (SELECT res_id FROM ir_model_data WHERE module = 'base' AND name = 'demo_company_fr')" >/dev/null \
        || die "could not point the demo company of $DB_NAME at the sandbox on port $SANDBOX_PORT"
}

sandbox_start() {
    [ -d "$ROOT/chorus_sandbox" ] || return 0
    if sandbox_up; then
        return 0
    fi
    say "Starting the Chorus Pro sandbox on http://127.0.0.1:$SANDBOX_PORT (log: $VENV/sandbox.log)"
    (cd "$ROOT" && nohup "$VENV/bin/python" -m chorus_sandbox --port "$SANDBOX_PORT" >"$VENV/sandbox.log" 2>&1 &)
    for _ in $(seq 1 20); do
        sandbox_up && return 0
        sleep 0.5
    done
    die "the Chorus Pro sandbox did not start on port $SANDBOX_PORT (see $VENV/sandbox.log); set SANDBOX_PORT to a free port"
}

cmd_lint() {
    lint_venv
    say "ruff"
    (cd "$ROOT" && "$LINT_VENV/bin/ruff" check .) || die "ruff found problems (above)"
    say "pylint-odoo"
    (cd "$ROOT" && "$LINT_VENV/bin/python" -m pylint --rcfile="$ROOT/.pylintrc" \
        $(git -C "$ROOT" ls-files --cached --others --exclude-standard -- '*.py' | grep -v '^bench/' | grep -v '^tools/')) \
        || die "pylint-odoo found problems (above)"
}

browser() {
    # Odoo's browser tests (tours) drive a headless Chromium; without one Odoo would silently skip them.
    if command -v chromium >/dev/null || command -v chromium-browser >/dev/null || command -v google-chrome >/dev/null; then
        return 0
    fi
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        say "Installing Debian's chromium for the browser tests"
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >&2 \
            || die "could not install chromium: apt-get install chromium"
        return 0
    fi
    die "Chromium not found: install it (apt-get install chromium), the browser tests need it"
}

# Install the addon with its demo data into a new database (what the tests run on).
install_test_db() {
    local db=$1 log
    log=$(mktemp)
    say "Installing $ADDON with demo data into a new database $db"
    drop_test_db "$db"
    if ! odoo_bin -d "$db" -i "$ADDON" --stop-after-init --no-http --log-level=warn >"$log" 2>&1 \
            || grep -qE '^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) ' "$log"; then
        cat "$log" >&2; rm -f "$log"; drop_test_db "$db"
        die "installing $ADDON into $db failed (see the log above)"
    fi
    rm -f "$log"
}

# make test: lint, then the suite under pytest-odoo on a database where the addon is installed. Ends with pytest's
# summary line; fails on any failure, error, skipped test (e.g. Chrome missing) or ERROR logged during a test.
cmd_test() {
    cmd_lint
    venv
    postgres
    browser
    local db=$TEST_DB_NAME rc
    install_test_db "$db"
    say "The tests under pytest-odoo on $db (Odoo's HTTP server for the tours on port $TEST_HTTP_PORT)"
    set +e
    (cd "$ROOT" && PYTHONPATH="$ROOT/tools" TEST_HTTP_PORT=$TEST_HTTP_PORT \
        "$VENV/bin/python" -m pytest -p no:cacheprovider -p pytest_chorus --disable-warnings -rfEs \
        --odoo-database="$db" --odoo-config="$CONF" --odoo-log-level=test --odoo-http \
        "$ADDONS_LINK_DIR/$ADDON/tests")
    rc=$?
    set -e
    drop_test_db "$db"
    return "$rc"
}

# make test-odoo: the same suite under Odoo's own runner (at_install tests during the install, post_install after).
cmd_test_odoo() {
    venv
    postgres
    browser
    local db=$TEST_DB_NAME log rc
    log=$(mktemp)
    say "Odoo tests on a new database $db (installed once for the whole run, with demo data)"
    drop_test_db "$db"
    set +e
    odoo_bin -d "$db" -i "$ADDON" --test-enable --test-tags "/$ADDON" --stop-after-init \
        --log-level=test --http-port="$TEST_HTTP_PORT" 2>&1 | tee "$log" >&2
    rc=${PIPESTATUS[0]}
    set -e
    drop_test_db "$db"
    local summary
    summary=$(grep -Eo '[0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests' "$log" | tail -1 || true)
    if grep -qE 'Chrome executable not found|Chrome.*(could not|failed to) (be )?start' "$log"; then
        echo "error: the browser tests could not start Chromium: apt-get install chromium" >&2; rc=1
    fi
    if grep -qE '^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) ' "$log"; then rc=1; fi
    [ -n "$summary" ] || { summary="no test summary found"; rc=1; }
    rm -f "$log"
    echo "$summary"
    return "$rc"
}

drop_test_db() {
    dropdb_quiet "$1"
    rm -rf "$VENV/odoo-data/filestore/$1"
}

dropdb_quiet() {
    PGPASSWORD=$DB_PASSWORD dropdb -h "$DB_HOST" -p "$DB_PORT" -U "$DB_USER" --if-exists "$1" >/dev/null 2>&1 || true
}

case "${1:-}" in
    setup) cmd_setup ;;
    run) cmd_run ;;
    lint) cmd_lint ;;
    test) cmd_test ;;
    test-odoo) cmd_test_odoo ;;
    sandbox) venv; sandbox_start ;;
    odoo-src) odoo_src ;;
    *) die "usage: $0 setup|run|lint|test|test-odoo|sandbox|odoo-src" ;;
esac
