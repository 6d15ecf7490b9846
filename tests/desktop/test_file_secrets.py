"""The opt-in file store: a 0600 JSON file in the data folder, refused when others could read
it, chosen only through UPWATCH_SECRET_STORE, and announced once with what protects it."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from desktop.errors import InvalidInput, SecretStoreUnavailable
from desktop.secrets.file_store import FileSecrets
from desktop.secrets.store import SecretStore, store_choice
from tests.support.memkeyring import MemoryKeyring

pytestmark = pytest.mark.skipif(os.name != "posix", reason="the file store is POSIX only")


@pytest.fixture
def secrets_file(tmp_path: Path) -> Path:
    return tmp_path / "secrets.json"


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_secret_written_to_the_file_is_read_back_and_deleted(secrets_file: Path) -> None:
    store = SecretStore(FileSecrets(secrets_file))
    store.set("cloud:refresh", "token-1")
    store.set("channel:abc", "json://127.0.0.1:9/hook")
    assert store.get("cloud:refresh") == "token-1"
    store.delete("cloud:refresh")
    store.delete("cloud:refresh")  # a missing one is not an error
    assert store.get("cloud:refresh") is None
    assert SecretStore(FileSecrets(secrets_file)).get("channel:abc") == "json://127.0.0.1:9/hook"


def test_reading_from_a_file_that_does_not_exist_yet_gives_none(secrets_file: Path) -> None:
    assert SecretStore(FileSecrets(secrets_file)).get("nothing") is None
    assert not secrets_file.exists()


def test_the_file_is_mode_0600_whatever_the_umask(secrets_file: Path) -> None:
    previous = os.umask(0)
    try:
        FileSecrets(secrets_file).set("k", "v")
    finally:
        os.umask(previous)
    assert mode_of(secrets_file) == 0o600
    assert secrets_file.stat().st_uid == os.getuid()


def test_a_write_leaves_no_temporary_file_behind(secrets_file: Path) -> None:
    store = FileSecrets(secrets_file)
    for index in range(3):
        store.set(f"k{index}", "v")
    assert sorted(p.name for p in secrets_file.parent.iterdir() if p.name.endswith(".tmp")) == []


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660, 0o700, 0o666])
def test_a_file_that_others_could_read_or_change_is_refused(secrets_file: Path, mode: int) -> None:
    store = FileSecrets(secrets_file)
    store.set("cloud:refresh", "token-1")
    secrets_file.chmod(mode)
    with pytest.raises(SecretStoreUnavailable, match=f"has mode {mode:04o}.*chmod 600"):
        store.get("cloud:refresh")
    with pytest.raises(SecretStoreUnavailable, match="will not use it"):
        store.ensure_available()
    with pytest.raises(SecretStoreUnavailable):
        store.set("cloud:refresh", "token-2")
    assert mode_of(secrets_file) == mode  # left as it was, for its owner to look at


def test_a_read_only_file_of_its_owner_is_accepted(secrets_file: Path) -> None:
    store = FileSecrets(secrets_file)
    store.set("k", "v")
    secrets_file.chmod(0o400)
    assert store.get("k") == "v"


def test_a_file_of_another_user_is_refused(secrets_file: Path) -> None:
    if os.getuid() != 0:
        pytest.skip("giving a file to another user needs root")
    store = FileSecrets(secrets_file)
    store.set("k", "v")
    os.chown(secrets_file, 65534, 65534)
    with pytest.raises(SecretStoreUnavailable, match=r"belongs to another user \(uid 65534\)"):
        store.get("k")


def test_a_symbolic_link_is_not_followed(secrets_file: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.json"
    FileSecrets(elsewhere).set("k", "v")
    secrets_file.symlink_to(elsewhere)
    with pytest.raises(SecretStoreUnavailable, match="cannot read"):
        FileSecrets(secrets_file).get("k")


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[]", b'{"version": 9, "secrets": {}}', b'{"version": 1, "secrets": {"k": 1}}'],
    ids=["not-json", "a-list", "another-version", "a-number"],
)
def test_a_file_upwatch_did_not_write_is_refused_not_overwritten(
    secrets_file: Path, body: bytes
) -> None:
    secrets_file.write_bytes(body)
    secrets_file.chmod(0o600)
    with pytest.raises(SecretStoreUnavailable, match="move it aside"):
        FileSecrets(secrets_file).set("k", "v")
    assert secrets_file.read_bytes() == body


def test_the_warning_says_what_protects_the_secrets_once_per_file(
    secrets_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = SecretStore(FileSecrets(secrets_file))
    store.ensure_available()
    assert capsys.readouterr().err == ""  # checking is not using
    store.set("a", "1")
    store.get("a")
    SecretStore(FileSecrets(secrets_file)).delete("a")
    err = capsys.readouterr().err
    assert err.splitlines() == [
        f"warning: secrets are kept in {secrets_file} (mode 0600, not encrypted): only the"
        " file's permissions protect them; anyone who can read your account's files or their"
        " backups can read them"
    ]


def test_writers_in_several_threads_lose_no_secret(secrets_file: Path) -> None:
    store = FileSecrets(secrets_file)

    def write(index: int) -> None:
        for round_ in range(10):
            store.set(f"k{index}-{round_}", "v")

    threads = [threading.Thread(target=write, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(store.get(f"k{i}-{r}") == "v" for i in range(4) for r in range(10))


# -- choosing the store ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "choice"),
    [
        (None, "keyring"),
        ("", "keyring"),
        ("keyring", "keyring"),
        ("file", "file"),
        (" FILE ", "file"),
    ],
)
def test_the_variable_picks_the_store(value: str | None, choice: str) -> None:
    environ = {} if value is None else {"UPWATCH_SECRET_STORE": value}
    assert store_choice(environ) == choice


@pytest.mark.parametrize("value", ["plaintext", "files", "yes", "1"])
def test_any_other_value_is_refused_naming_the_variable_and_the_values(value: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        store_choice({"UPWATCH_SECRET_STORE": value})
    assert caught.value.exit_code == 2
    assert f"UPWATCH_SECRET_STORE={value!r} is not a secret store" in caught.value.message
    assert "UPWATCH_SECRET_STORE=keyring" in caught.value.message
    assert "UPWATCH_SECRET_STORE=file" in caught.value.message


def test_with_file_chosen_secrets_go_to_the_data_folder_and_not_the_keyring(
    upwatch_home: Path, monkeypatch: pytest.MonkeyPatch, memory_keyring: MemoryKeyring
) -> None:
    monkeypatch.setenv("UPWATCH_SECRET_STORE", "file")
    store = SecretStore()
    store.set("cloud:refresh", "token-1")
    assert store.where == f"{upwatch_home / 'secrets.json'} (mode 0600, not encrypted)"
    assert mode_of(upwatch_home / "secrets.json") == 0o600
    assert memory_keyring.get_password("upwatch", "cloud:refresh") is None


def test_without_the_variable_secrets_stay_in_the_keyring_even_if_a_file_exists(
    upwatch_home: Path, monkeypatch: pytest.MonkeyPatch, memory_keyring: MemoryKeyring
) -> None:
    FileSecrets(upwatch_home / "secrets.json").set("cloud:refresh", "from-the-file")
    monkeypatch.delenv("UPWATCH_SECRET_STORE", raising=False)
    store = SecretStore()
    assert store.get("cloud:refresh") is None
    store.set("cloud:refresh", "token-1")
    assert memory_keyring.get_password("upwatch", "cloud:refresh") == "token-1"
    assert store.where == "the OS keyring"
