"""Where the Chorus Pro credentials may go.

The local sandbox environment sends the credentials to the sandbox URL: only loopback hosts are accepted there,
plus the hosts listed in the option ``l10n_fr_chorus_sandbox_hosts`` of the Odoo configuration file.
"""

from urllib.parse import urlsplit

from odoo.tools import config

HOSTS_OPTION = "l10n_fr_chorus_sandbox_hosts"
LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")


def allowed_sandbox_hosts():
    """Loopback, plus the comma-separated hosts of the configuration option (never anything from the database)."""
    extra = [host.strip().lower().strip("[]") for host in str(config.get(HOSTS_OPTION) or "").split(",")]
    return LOOPBACK_HOSTS + tuple(host for host in extra if host and host not in LOOPBACK_HOSTS)


def is_allowed_sandbox_url(url):
    """Whether ``url`` is an http(s) address on an allowed host."""
    try:
        parts = urlsplit((url or "").strip())
        host = (parts.hostname or "").lower()
        port = parts.port  # raises ValueError on a port that is not a number
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and host in allowed_sandbox_hosts() and port != 0

