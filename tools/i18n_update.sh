#!/usr/bin/env bash
# Re-export i18n/l10n_fr_chorus_pro.pot with Odoo, then merge it into i18n/fr.po.
#
#   tools/i18n_update.sh            (after `make setup`, which builds .venv and .venv/odoo.conf)
#
# Odoo exports the terms of a database where the addon is installed: the script installs the addon
# into its own database on the first run (I18N_DB, chorus_i18n by default), updates it on later runs,
# exports the template, then runs msgmerge (gettext) so that fr.po gains the new msgids (empty msgstr),
# keeps its translations and loses the msgids that are gone. Translate what it reports as untranslated.
# Settings: I18N_DB, VENV (.venv), ODOO_SRC (see tools/dev.sh).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ADDON=l10n_fr_chorus_pro
VENV=${VENV:-$ROOT/.venv}
CONF=$VENV/odoo.conf
DB=${I18N_DB:-chorus_i18n}
POT=$ROOT/i18n/$ADDON.pot
PO=$ROOT/i18n/fr.po

die() { echo "error: $*" >&2; exit 1; }
say() { echo "==> $*" >&2; }

case "$DB" in
    chorus_dev | chorus_doc | chorus_tour | chorus_pro_demo)
        die "I18N_DB=$DB is a shared database: use a database of your own (default chorus_i18n)" ;;
esac
command -v msgmerge >/dev/null || die "msgmerge not found: install gettext (apt-get install gettext)"
[ -f "$CONF" ] || die "$CONF not found: run 'make setup' first"
ODOO_SRC=$("$ROOT/tools/dev.sh" odoo-src)

# Odoo scans every folder of the addon for terms, following symlinks: .venv (which links back to the
# addon) would make that endless. Odoo works on a copy of the addon without it, at a temporary path.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/addons/$ADDON"
tar -C "$ROOT" --exclude=./.venv --exclude=./.git --exclude=./.ruff_cache --exclude=__pycache__ \
    --exclude=./bench --exclude=./build --exclude=./dist -cf - . | tar -C "$work/addons/$ADDON" -xf -
addons_path=$("$VENV/bin/python" - "$CONF" "$VENV/odoo-addons" <<'PY'
import configparser, os, sys
conf = configparser.ConfigParser()
conf.read(sys.argv[1])
skip = os.path.realpath(sys.argv[2])
print(",".join(p for p in conf["options"]["addons_path"].split(",") if os.path.realpath(p.strip()) != skip))
PY
)
odoo_bin() {
    "$VENV/bin/python" "$ODOO_SRC/odoo-bin" -c "$CONF" -d "$DB" --addons-path="$work/addons,$addons_path" \
        --log-level=warn "$@"
}

# The terms of the models and views come from the database: install or update the addon first.
db_option=(-u "$ADDON")
"$VENV/bin/python" - "$CONF" "$DB" "$ADDON" <<'PY' || db_option=(-i "$ADDON")
import configparser, sys
import psycopg2
conf = configparser.ConfigParser()
conf.read(sys.argv[1])
opts = conf["options"]
try:
    with psycopg2.connect(dbname=sys.argv[2], host=opts.get("db_host") or None, port=opts.get("db_port") or None,
                          user=opts.get("db_user") or None, password=opts.get("db_password") or None) as cnx:
        with cnx.cursor() as cr:
            cr.execute("SELECT state FROM ir_module_module WHERE name = %s", [sys.argv[3]])
            row = cr.fetchone()
except psycopg2.Error:
    sys.exit(1)
sys.exit(0 if row and row[0] == "installed" else 1)
PY
say "Odoo ${db_option[*]} on the database $DB"
odoo_bin "${db_option[@]}" --stop-after-init || die "could not install/update $ADDON in $DB (see the log above)"

say "Exporting $POT"
odoo_bin --i18n-export="$work/$ADDON.pot" --modules="$ADDON" --stop-after-init \
    || die "the export failed (see the log above)"
[ -s "$work/$ADDON.pot" ] || die "Odoo exported an empty file"
mkdir -p "$ROOT/i18n"
cp "$work/$ADDON.pot" "$POT"

if [ -f "$PO" ]; then
    say "Merging into $PO"
    msgmerge --quiet --update --no-fuzzy-matching --backup=none "$PO" "$POT"
    # Drop the msgids that left the addon: git history keeps their translations.
    msgattrib --no-obsolete -o "$PO" "$PO"
else
    say "Creating $PO"
    msginit --no-translator --locale=fr --input="$POT" --output-file="$PO"
fi

# "N translated messages[, M fuzzy translations][, K untranslated messages]."
msgfmt --check-format --statistics -o /dev/null "$PO"
todo=$(msgfmt --statistics -o /dev/null "$PO" 2>&1 | grep -oE '[0-9]+ (fuzzy|untranslated)' | awk '{n += $1} END {print n + 0}')
if [ "$todo" -gt 0 ]; then
    say "$todo entries of i18n/fr.po to translate (and unmark if fuzzy); list them with:"
    say "    msgattrib --untranslated i18n/fr.po; msgattrib --only-fuzzy i18n/fr.po"
fi
