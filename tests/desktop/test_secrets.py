"""Secrets live in the keyring only; with no usable keyring nothing is stored anywhere."""

import keyring
import pytest
from keyring.backends import fail, null

from desktop.errors import SecretStoreUnavailable
from desktop.secrets.store import SecretStore, channel_secret_key
from desktop.services.channels import ChannelService
from desktop.storage.database import Database
from tests.support.memkeyring import MemoryKeyring


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring()], ids=["fail", "null"])
def test_a_keyring_that_cannot_keep_secrets_is_refused_with_advice(
    db: Database, backend: keyring.backend.KeyringBackend
) -> None:
    """No usable backend: a clear explanation, no fallback, nothing written."""
    keyring.set_keyring(backend)
    with pytest.raises(SecretStoreUnavailable, match="will not write them to a plain file"):
        ChannelService(db, SecretStore()).add("hook", "json://127.0.0.1:9/hook")
    assert ChannelService(db, SecretStore()).list() == []


def test_the_plaintext_backend_of_keyrings_alt_is_refused_by_name() -> None:
    """PlaintextKeyring (chosen via PYTHON_KEYRING_BACKEND) is never used."""

    class PlaintextKeyring(MemoryKeyring):
        pass

    PlaintextKeyring.__module__ = "keyrings.alt.file"
    PlaintextKeyring.__qualname__ = "PlaintextKeyring"
    with pytest.raises(SecretStoreUnavailable):
        SecretStore(PlaintextKeyring()).set("k", "v")


def test_a_channel_url_is_kept_in_the_keyring_and_nowhere_in_the_database(
    db: Database, memory_keyring: MemoryKeyring
) -> None:
    """The Apprise URL bytes are in the keyring, not in SQLite (file, WAL or rows)."""
    url = "json://127.0.0.1:9/hook?token=s3cr3t-t0ken-value"
    info = ChannelService(db, SecretStore()).add("hook", url)
    assert memory_keyring.get_password("upwatch", channel_secret_key(info.id)) == url
    assert "s3cr3t" not in info.target
    db.close()
    for path in db.path.parent.iterdir():
        assert b"s3cr3t-t0ken-value" not in path.read_bytes(), path.name


def test_removing_a_channel_removes_its_secret(db: Database, memory_keyring: MemoryKeyring) -> None:
    """The keyring entry goes with the channel; a missing entry is not an error."""
    service = ChannelService(db, SecretStore())
    info = service.add("hook", "json://127.0.0.1:9/hook")
    memory_keyring.delete_password("upwatch", channel_secret_key(info.id))
    service.remove("hook")
    assert service.list() == []


def test_reading_a_secret_that_is_not_there_gives_none() -> None:
    assert SecretStore().get("nothing") is None


def test_the_advice_without_a_keyring_names_the_file_store() -> None:
    keyring.set_keyring(fail.Keyring())
    with pytest.raises(SecretStoreUnavailable) as caught:
        SecretStore().ensure_available()
    assert "set UPWATCH_SECRET_STORE=file" in caught.value.message
    assert "only the file's permissions protect it" in caught.value.message


def test_a_backend_that_asks_for_a_password_with_no_terminal_is_a_clear_error() -> None:
    """A keyring that prompts (keyrings.cryptfile does) under systemd gets EOFError from
    getpass: the user reads why and what to do, not a traceback."""

    class PromptingKeyring(MemoryKeyring):
        def get_password(self, service: str, username: str) -> str | None:
            raise EOFError

        def set_password(self, service: str, username: str, password: str) -> None:
            raise EOFError

    store = SecretStore(PromptingKeyring())
    advice = r"no terminal to type it in .* set UPWATCH_SECRET_STORE=file"
    with pytest.raises(SecretStoreUnavailable, match=advice):
        store.get("k")
    with pytest.raises(SecretStoreUnavailable, match=advice):
        store.set("k", "v")
