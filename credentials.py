"""Where the Chorus Pro credentials may go, and their encryption at rest with a key never in the database.

The local sandbox environment sends the credentials to the sandbox URL: only loopback hosts are accepted there,
plus the hosts listed in the option ``l10n_fr_chorus_sandbox_hosts`` of the Odoo configuration file.

The key comes from the Odoo configuration file (option ``l10n_fr_chorus_key``, any long random string). Without
it, one is generated on first use into ``<data_dir>/l10n_fr_chorus_pro.key`` (mode 0600) and reused afterwards.
A database restored on another server cannot read its secrets: they must be typed again in Settings.
"""

import base64
import hashlib
import logging
import os
import stat
import tempfile
import threading
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, InvalidToken

from odoo.tools import config

_logger = logging.getLogger(__name__)

KEY_OPTION = "l10n_fr_chorus_key"
HOSTS_OPTION = "l10n_fr_chorus_sandbox_hosts"
LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")
KEY_FILE_NAME = "l10n_fr_chorus_pro.key"

_lock = threading.Lock()
_fernets = {}


class SecretUnreadable(Exception):
    """The stored value was encrypted with another key (or is damaged)."""


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


def key_file_path():
    return os.path.join(config["data_dir"], KEY_FILE_NAME)


def _fernet_of(passphrase):
    # Fernet wants 32 bytes in urlsafe base64; the option may be any string, so it is hashed into that.
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(passphrase.encode()).digest()))


def _read_or_create_key_file(path):
    """The key stored in ``path``, written there first (atomically, 0600) when there is none."""
    try:
        with open(path, encoding="ascii") as file:
            key = file.read().strip()
    except FileNotFoundError:
        key = None
    if key:
        mode = stat.S_IMODE(os.stat(path).st_mode)
        if mode & 0o077:
            _logger.warning("The Chorus Pro key file %s can be read by other users (mode %o): make it 0600.",
                            path, mode)
        return key
    directory = os.path.dirname(path)
    os.makedirs(directory, mode=0o700, exist_ok=True)
    key = Fernet.generate_key().decode("ascii")
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".chorus-key-")  # mkstemp creates it 0600
    try:
        with os.fdopen(fd, "w", encoding="ascii") as file:
            file.write(key + "\n")
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(tmp, path)  # fails if another worker published its key first: then use that one
        except FileExistsError:
            with open(path, encoding="ascii") as file:
                return file.read().strip()
    finally:
        os.unlink(tmp)
    _logger.info("Chorus Pro: generated the key that encrypts the credentials in %s", path)
    return key


def get_fernet():
    """The Fernet of this server: from the configuration option, else from the key file in data_dir."""
    configured = config.get(KEY_OPTION)
    cache_key = ("option", configured) if configured else ("file", key_file_path())
    fernet = _fernets.get(cache_key)
    if fernet is None:
        with _lock:
            fernet = _fernets.get(cache_key)
            if fernet is None:
                passphrase = configured or _read_or_create_key_file(cache_key[1])
                fernet = _fernets[cache_key] = _fernet_of(passphrase)
    return fernet


def clear_cache():
    """Forget the keys already read (tests, or after the key file was replaced)."""
    with _lock:
        _fernets.clear()


def encrypt(value):
    """The token stored for ``value`` (False for an empty value)."""
    if not value:
        return False
    return get_fernet().encrypt(value.encode()).decode("ascii")


def decrypt(token):
    """The clear value of a stored token; raises SecretUnreadable when this server's key cannot read it."""
    if not token:
        return False
    try:
        return get_fernet().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeError, ValueError):
        raise SecretUnreadable() from None
