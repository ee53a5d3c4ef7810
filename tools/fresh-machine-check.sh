#!/usr/bin/env bash
# Proves the README's promise on a fresh machine: a bare Debian 12 root (debootstrap) with only
#   git make python3 python3-venv postgresql
# then `git clone` of this repository and `make test`, which must set up everything else by itself
# (system packages, virtualenv, Odoo's requirements, the PostgreSQL role, Chromium...).
#
# Run as root on a Debian/Ubuntu host with network access to a Debian mirror and PyPI:
#   tools/fresh-machine-check.sh
# Settings (environment):
#   CHROOT      where the bare root goes (default /work/chroot-wt15/root; wiped and re-made on every run)
#   DEBS        debootstrap's package cache, kept between runs (default: CHROOT's parent/debs)
#   MIRROR      Debian mirror (default: the first URI of the host's /etc/apt/sources.list*, else deb.debian.org)
#   ODOO_SRC    the Odoo 18.0 tree (a git checkout) cloned into the root (default ~/.cache/l10n_fr_chorus_pro/odoo-18.0)
#   REPO        the repository cloned inside the root (default: this one; its current branch as committed is tested)
#   PG_PORT     port of the root's own PostgreSQL cluster (default 5479, so as not to meet the host's 5432)
#   DB_NAME, TEST_HTTP_PORT   passed to `make test` (default wt15_fresh, 8379)
#   KEEP=1      leave the root in place afterwards (it is unmounted either way)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CHROOT=${CHROOT:-/work/chroot-wt15/root}
DEBS=${DEBS:-$(dirname "$CHROOT")/debs}
REPO=${REPO:-$HERE}
ODOO_SRC=${ODOO_SRC:-$HOME/.cache/l10n_fr_chorus_pro/odoo-18.0}
PG_PORT=${PG_PORT:-5479}
DB_NAME=${DB_NAME:-wt15_fresh}
TEST_HTTP_PORT=${TEST_HTTP_PORT:-8379}
SUITE=bookworm
GIVEN=git,make,python3,python3-venv,postgresql

die() { echo "error: $*" >&2; exit 1; }
say() { echo "==> $(date +%T) $*" >&2; }

[ "$(id -u)" = 0 ] || die "run as root (debootstrap, chroot and mounts need it)"
[ -f "$ODOO_SRC/odoo/release.py" ] || die "ODOO_SRC=$ODOO_SRC is not an Odoo source tree"
git -C "$REPO" rev-parse HEAD >/dev/null 2>&1 || die "REPO=$REPO is not a git repository"
case "$CHROOT" in "$HERE"|"$HERE"/*) die "CHROOT must not be inside the repository" ;; esac
if [ -z "${MIRROR:-}" ]; then
    MIRROR=$(grep -hoE '^(URIs:|deb) +https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null \
             | grep -oE 'https?://[^ ]+' | head -1 || true)
    MIRROR=${MIRROR:-http://deb.debian.org/debian}
fi
command -v debootstrap >/dev/null || { say "installing debootstrap"; apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null; }

MOUNTS=()
cleanup() {
    local i
    # stop the root's PostgreSQL and the sandbox/Odoo it may have left, then unmount (reverse order)
    if [ -x "$CHROOT/usr/bin/pg_ctlcluster" ] && mountpoint -q "$CHROOT/proc"; then
        chroot "$CHROOT" bash -c 'for c in /etc/postgresql/*/main; do v=${c#/etc/postgresql/}; v=${v%/main};
            pg_ctlcluster --skip-systemctl-redirect "$v" main stop -m fast; done' >/dev/null 2>&1 || true
    fi
    for pid in $(ls /proc | grep -E '^[0-9]+$'); do
        [ "$(readlink "/proc/$pid/root" 2>/dev/null)" = "$CHROOT" ] && kill "$pid" 2>/dev/null || true
    done
    for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do umount -R "${MOUNTS[$i]}" 2>/dev/null || umount -lR "${MOUNTS[$i]}" || true; done
    MOUNTS=()
    if [ "${KEEP:-}" != 1 ] && [ -d "$CHROOT" ] && ! grep -q " $CHROOT/" /proc/mounts; then rm -rf "$CHROOT"; fi
}
trap cleanup EXIT
mnt() { mount "$@"; MOUNTS+=("${!#}"); }

START=$(date +%s)
say "bare Debian 12 root in $CHROOT (mirror $MIRROR), given only: ${GIVEN//,/ }"
if grep -q " $CHROOT/" /proc/mounts; then die "something is still mounted under $CHROOT: umount it first"; fi
rm -rf "$CHROOT"
mkdir -p "$CHROOT" "$DEBS"
debootstrap --variant=minbase --include="$GIVEN" --cache-dir="$DEBS" "$SUITE" "$CHROOT" "$MIRROR" \
    >"$(dirname "$CHROOT")/debootstrap.log" 2>&1 \
    || { tail -n 20 "$(dirname "$CHROOT")/debootstrap.log" >&2; die "debootstrap failed"; }
cp /etc/resolv.conf "$CHROOT/etc/resolv.conf"
cp /etc/hosts "$CHROOT/etc/hosts"
# Networks that inspect TLS (their CA is in the host's bundle, named by PIP_CERT / SSL_CERT_FILE) must be trusted
# by pip in the root too: that is network configuration, not a package. Nothing is passed otherwise.
ENV_TLS=()
HOST_CA=${PIP_CERT:-${SSL_CERT_FILE:-}}
if [ -n "$HOST_CA" ] && [ -f "$HOST_CA" ]; then
    cp "$HOST_CA" "$CHROOT/usr/local/share/host-ca-bundle.crt"
    ENV_TLS=(PIP_CERT=/usr/local/share/host-ca-bundle.crt)
    say "pip in the root trusts the host's CA bundle $HOST_CA (PIP_CERT)"
fi
mnt -t proc proc "$CHROOT/proc"
mnt -t sysfs sys "$CHROOT/sys"
mnt --rbind /dev "$CHROOT/dev"
mount --make-rslave "$CHROOT/dev"
say "debootstrap done in $(( $(date +%s) - START ))s"

# What a person does on a fresh machine: PostgreSQL is installed (here on its own port), the repository cloned.
sed -i "s/^port = .*/port = $PG_PORT/" "$CHROOT"/etc/postgresql/*/main/postgresql.conf
# The repository is handed over as a bare clone of its current branch (a worktree's .git points outside it).
git clone --quiet --bare --branch "$(git -C "$REPO" symbolic-ref --short HEAD)" "$REPO" "$CHROOT/srv/l10n_fr_chorus_pro.git"
# The Odoo tree cannot be cloned from GitHub here: a local clone of ODOO_SRC stands for it.
git clone --quiet "$ODOO_SRC" "$CHROOT/opt/odoo-18.0"

say "in the root: git clone, then make test"
T0=$(date +%s)
set +e
chroot "$CHROOT" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    LANG=C.UTF-8 "${ENV_TLS[@]}" ODOO_SRC=/opt/odoo-18.0 DB_PORT="$PG_PORT" DB_NAME="$DB_NAME" TEST_HTTP_PORT="$TEST_HTTP_PORT" \
    bash -c 'set -e; cd /root && git clone --quiet /srv/l10n_fr_chorus_pro.git l10n_fr_chorus_pro
             cd l10n_fr_chorus_pro && git log --oneline -1 && make test && git status --short --untracked-files=all | sed "s/^/dirty: /"' \
    2>&1 | tee "$(dirname "$CHROOT")/make-test.log"
rc=${PIPESTATUS[0]}
set -e
say "make test in the root: exit status $rc after $(( $(date +%s) - T0 ))s (whole check $(( $(date +%s) - START ))s)"
if grep -q '^dirty: ' "$(dirname "$CHROOT")/make-test.log"; then say "git status is not clean after make test"; rc=1; fi
exit "$rc"
