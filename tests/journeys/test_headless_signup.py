"""Bob signs up from a server with no keyring. Without the file store he is told so before
any account exists; with UPWATCH_SECRET_STORE=file his session is kept in a file only he can
read (with a warning saying so), and his runner syncs under it."""

from __future__ import annotations

import re
import stat
from pathlib import Path

from tests.journeys.computers import DevServer, Journey
from tests.journeys.processes import PASSWORD


def test_headless_sign_up_needs_the_file_store_and_works_with_it(
    journey: Journey, server: DevServer
) -> None:
    email = journey.email("bob")
    bare = journey.desktop("keyringless", file_store=False)
    refused = bare.run(
        "signup", "--server", server.url, "--email", email, "--password-stdin",
        stdin=f"{PASSWORD}\n",
    )  # fmt: skip
    assert refused.code == 2, refused
    assert "UPWATCH_SECRET_STORE" in refused.out, f"the way out is not named:\n{refused}"
    assert "Not signed in" in bare.run("whoami").out

    headless = journey.desktop("headless")
    said = headless.signup(server.url, email)  # a new account: the refused one never was
    warning = next((x for x in said.splitlines() if "0600" in x or "permission" in x), None)
    assert warning is not None, f"no warning about what protects the file:\n{said}"
    files = [Path(p) for p in re.findall(r"(/\S+?)[\s,;:)]", warning + " ")]
    kept = [p for p in files if p.is_file() and p.is_relative_to(headless.home)]
    assert kept, f"the warning names no file in the data folder:\n{warning}"
    assert stat.S_IMODE(kept[0].stat().st_mode) == 0o600, oct(kept[0].stat().st_mode)

    assert f"{email} on {server.url}" in headless.ok("whoami")
    runner = headless.start_runner()
    runner.wait_for_line("sync: up to date", 20)
