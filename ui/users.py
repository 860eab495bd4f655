"""Web app users: a name, a role, and a scrypt hash of the password, in one small JSON file.

Why it is shaped this way:
- The role decides what a person may see (docs/ARCHITECTURE.md, Roles), so it lives server-side with the
  login; the web app never takes a role from a request.
- Passwords are stored only as scrypt hashes with a random salt per user, and the cost
  parameters are kept beside each hash, so they can be raised later without breaking old entries.
- The file is replaced atomically (temp file + ``os.replace``) with mode 0600, so a crash never
  leaves half a file and other local accounts cannot read the hashes.
- ``stamp`` names a user's current credentials (role, salt and hash): every ``add`` draws a new
  salt, so re-adding a user (with any role) or changing a password gives a new stamp, and the web
  app's sessions, bound to the stamp they logged in with, stop working at once.
- API keys (the OpenAI-compatible door) are random 256-bit tokens, so a plain SHA-256 of each is
  stored: no one can guess back from it, and checking one costs microseconds, not scrypt's time.
  Re-adding a user drops the user's keys along with the old password.

Example::

    store = UserStore(settings.users_path)
    store.add("li-wei", "staff", "a long passphrase")
    store.verify("li-wei", "a long passphrase")     # -> "staff"
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import tempfile
from pathlib import Path

from iitkb.schema import ROLES

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
MIN_PASSWORD = 8
# scrypt cost: about 16 MiB and tens of milliseconds per check, slow enough to blunt guessing.
SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1}
HASH_BYTES = 32


class UserError(ValueError):
    """A user that cannot be saved as given; the message says what to change."""


def _hash(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                          maxmem=128 * r * (n + p + 2) + 1024 * 1024, dklen=HASH_BYTES)


# A fixed entry to hash against when the name is unknown, so a wrong name costs as much time as a
# wrong password and response times do not reveal which names exist.
_DUMMY = {"salt": "00" * 16, "hash": "00" * HASH_BYTES, **SCRYPT}


KEY_PREFIX = "iitkb-"


def _key_digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _stamp(entry: dict) -> str:
    material = f"{entry['role']}|{entry.get('salt', '')}|{entry.get('hash', '')}"
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


class UserStore:
    def __init__(self, path: Path):
        self.path = Path(path)
        self._parsed: tuple[bytes | None, dict] = (None, {})

    # reading ------------------------------------------------------------------------------
    def _load(self) -> dict:
        """The users as stored; a missing file means no users yet.

        The web app asks on every request, so the file is read each time (it is small, and
        another process may have changed it) but parsed again only when its bytes changed.
        Callers must not change the dict they get: writers copy it first."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise UserError(f"cannot read the users file {self.path}: {exc}") from None
        if raw == self._parsed[0]:
            return self._parsed[1]
        try:
            data = json.loads(raw.decode("utf-8"))
        except ValueError as exc:
            raise UserError(f"cannot read the users file {self.path}: {exc}") from None
        if not isinstance(data, dict):
            raise UserError(f"the users file {self.path} is not a JSON object; fix or remove it")
        self._parsed = (raw, data)
        return data

    def __len__(self) -> int:
        return len(self._load())

    def list(self) -> list[dict]:
        """Names and roles only: the hashes never leave this module."""
        return [{"name": name, "role": entry["role"]} for name, entry in sorted(self._load().items())]

    def role(self, name: str | None) -> str | None:
        """The current role of a logged-in user; None once the user has been removed."""
        entry = self._load().get(name or "")
        return entry["role"] if entry and entry.get("role") in ROLES else None

    def stamp(self, name: str | None) -> str | None:
        """A digest of the user's current credentials; None once the user has been removed."""
        entry = self._load().get(name or "")
        return _stamp(entry) if entry and entry.get("role") in ROLES else None

    def verify(self, name: str, password: str) -> str | None:
        """The user's role when the password matches, else None (constant-time comparison)."""
        entry = self._matching(name, password)
        return entry["role"] if entry else None

    def verify_stamp(self, name: str, password: str) -> str | None:
        """The stamp of the credentials the password matched (read once, so a change made while
        hashing cannot be credited to the old password), else None."""
        entry = self._matching(name, password)
        return _stamp(entry) if entry else None

    def _matching(self, name: str, password: str) -> dict | None:
        entry = self._load().get(name)
        known = isinstance(entry, dict)
        checked = entry if known else _DUMMY
        try:
            salt = bytes.fromhex(checked["salt"])
            expected = bytes.fromhex(checked["hash"])
            actual = _hash(password or "", salt, int(checked["n"]), int(checked["r"]), int(checked["p"]))
        except (KeyError, TypeError, ValueError):
            return None
        if hmac.compare_digest(actual, expected) and known and checked.get("role") in ROLES:
            return checked
        return None

    def key_user(self, key: str) -> str | None:
        """The name of the user an API key belongs to (None: no such key, or its user is gone)."""
        digest = _key_digest(key or "")
        for name, entry in self._load().items():
            if entry.get("role") in ROLES and any(hmac.compare_digest(digest, k) for k in entry.get("keys", [])):
                return name
        return None

    # writing ------------------------------------------------------------------------------
    def new_key(self, name: str) -> str:
        """A new API key for ``name`` (shown once; only its digest is kept)."""
        users = dict(self._load())
        if name not in users:
            raise UserError(f"no user named {name!r}: add one first with `iitkb users add`")
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        users[name] = {**users[name], "keys": [*users[name].get("keys", []), _key_digest(key)]}
        self._save(users)
        return key

    def add(self, name: str, role: str, password: str) -> None:
        """Add a user, or reset an existing user's role and password."""
        if not NAME_RE.match(name or ""):
            raise UserError(f"user name {name!r} must be a simple slug: lower-case letters, digits, "
                            ". _ - (at most 64 characters, starting with a letter or digit)")
        if role not in ROLES:
            raise UserError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
        if len(password or "") < MIN_PASSWORD:
            raise UserError(f"the password must have at least {MIN_PASSWORD} characters")
        salt = secrets.token_bytes(16)
        users = dict(self._load())
        users[name] = {"role": role, "salt": salt.hex(), "hash": _hash(password, salt, **SCRYPT).hex(),
                       **SCRYPT}
        self._save(users)

    def remove(self, name: str) -> bool:
        users = dict(self._load())
        if users.pop(name, None) is None:
            return False
        self._save(users)
        return True

    def _save(self, users: dict) -> None:
        """Write a temp file beside the target with mode 0600, then swap it in atomically."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".users-", suffix=".tmp", dir=self.path.parent)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(users, fh, indent=1, sort_keys=True)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
