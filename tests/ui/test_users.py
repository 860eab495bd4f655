"""Users file: scrypt hashes only, atomic 0600 writes, clear errors, and the `iitkb users` commands."""

import json
import os
import stat
import subprocess
import sys

import pytest

from tests.conftest import cli_env
from ui.users import UserError, UserStore


@pytest.fixture
def store(tmp_path):
    return UserStore(tmp_path / "users.json")


def test_passwords_are_hashed_never_stored(store):
    store.add("li-wei", "staff", "correct horse battery")
    raw = store.path.read_text()
    assert "correct horse battery" not in raw and "horse" not in raw
    entry = json.loads(raw)["li-wei"]
    assert set(entry) == {"role", "salt", "hash", "n", "r", "p"} and len(bytes.fromhex(entry["salt"])) == 16
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    assert store.verify("li-wei", "correct horse battery") == "staff"
    assert store.verify("li-wei", "correct horse battery ") is None
    assert store.verify("nobody", "correct horse battery") is None
    assert [p.name for p in store.path.parent.iterdir()] == ["users.json"]     # no temp file left


def test_same_password_gets_different_salts(store):
    store.add("a", "sponsor", "same password")
    store.add("b", "sponsor", "same password")
    data = json.loads(store.path.read_text())
    assert data["a"]["salt"] != data["b"]["salt"] and data["a"]["hash"] != data["b"]["hash"]


def test_add_list_remove_and_reset(store):
    assert len(store) == 0 and store.list() == []
    store.add("sponsor-1", "sponsor", "password-one")
    store.add("admin", "admin", "password-two")
    assert store.list() == [{"name": "admin", "role": "admin"}, {"name": "sponsor-1", "role": "sponsor"}]
    store.add("sponsor-1", "staff", "password-three")          # re-adding resets role and password
    assert store.verify("sponsor-1", "password-one") is None
    assert store.verify("sponsor-1", "password-three") == "staff" and store.role("sponsor-1") == "staff"
    assert store.remove("sponsor-1") is True and store.remove("sponsor-1") is False
    assert len(store) == 1 and store.role("sponsor-1") is None


@pytest.mark.parametrize("name,role,password,message", [
    ("ann", "owner", "long enough", "role must be one of sponsor, staff, admin"),
    ("ann", "staff", "short", "at least 8 characters"),
    ("Ann Smith", "staff", "long enough", "simple slug"),
    ("../etc", "staff", "long enough", "simple slug"),
])
def test_bad_users_are_refused_with_a_reason(store, name, role, password, message):
    with pytest.raises(UserError, match=message):
        store.add(name, role, password)
    assert not store.path.exists()


def test_a_damaged_users_file_is_reported(store):
    store.path.write_text("[1, 2]")
    with pytest.raises(UserError, match="not a JSON object"):
        len(store)


def test_cli_users_add_list_remove(tmp_path, settings):
    env = cli_env(settings)
    run = lambda *args, stdin=None: subprocess.run([sys.executable, "-m", "ui.cli", "users", *args], env=env,
                                                   input=stdin, capture_output=True, text=True, timeout=60)
    added = run("add", "wang-fang", "--role", "staff", "--password-stdin", stdin="s3cret-passphrase\n")
    assert added.returncode == 0, added.stderr
    listed = run("list", "--json")
    assert listed.returncode == 0 and json.loads(listed.stdout) == [{"name": "wang-fang", "role": "staff"}]
    store = UserStore(settings.data_dir / "users.json")
    assert store.verify("wang-fang", "s3cret-passphrase") == "staff"
    assert "s3cret" not in store.path.read_text()
    short = run("add", "li", "--role", "sponsor", "--password-stdin", stdin="short\n")
    assert short.returncode != 0 and "at least 8 characters" in short.stderr
    assert run("remove", "wang-fang").returncode == 0
    assert json.loads(run("list", "--json").stdout) == []
