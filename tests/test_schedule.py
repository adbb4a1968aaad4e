"""``biolake schedule`` through the real CLI with a temporary HOME: a stand-in ``crontab`` on PATH keeps
the table in a file; the launchd plist is written under ~/Library/LaunchAgents (no launchctl here)."""

from __future__ import annotations

import json
import plistlib
import stat
import sys
from pathlib import Path

import pytest

from conftest import RunCli, assert_one_error_line

FAKE_CRONTAB = """#!/bin/sh
# crontab -l prints the table (or fails like cron when there is none); crontab - replaces it
TABLE="$HOME/crontab.txt"
case "$1" in
  -l) if [ -f "$TABLE" ]; then cat "$TABLE"; else echo "no crontab for $(id -un)" >&2; exit 1; fi ;;
  -) cat > "$TABLE" ;;
  *) echo "usage" >&2; exit 2 ;;
esac
"""


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    (home / "bin").mkdir(parents=True)
    script = home / "bin" / "crontab"
    script.write_text(FAKE_CRONTAB)
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return home


@pytest.fixture
def cli(home: Path, lake: Path) -> object:
    run = RunCli(lake)

    def call(*args: str) -> object:
        return run(*args, env={"HOME": str(home), "PATH": f"{home / 'bin'}:/usr/bin:/bin"})

    return call


def test_cron_install_is_idempotent_and_keeps_other_entries(cli, home: Path, lake: Path) -> None:  # type: ignore[no-untyped-def]
    table = home / "crontab.txt"
    table.write_text("MAILTO=me@example.org\n15 3 * * * /usr/bin/backup\n")
    for at in ("06:30", "07:45", "07:45"):
        proc = cli("schedule", "install", "--cron", "--at", at)
        assert proc.returncode == 0, proc.stderr
    lines = table.read_text().splitlines()
    assert lines[:2] == ["MAILTO=me@example.org", "15 3 * * * /usr/bin/backup"]
    (ours,) = [line for line in lines if "biolake" in line]
    assert ours.startswith("45 7 * * * ")
    assert f"{sys.executable} -m biolake --lake {lake.absolute()} --quiet run" in ours
    assert f">> {lake.absolute()}/state/scheduled-run.log 2>&1" in ours
    status = json.loads(cli("--format", "json", "schedule", "status", "--cron").stdout)[0]
    assert (status["installed"], status["at"], status["backend"]) == (True, "07:45", "cron")


def test_cron_uninstall_twice(cli, home: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("schedule", "install", "--cron").returncode == 0
    assert "0 7 * * *" in (home / "crontab.txt").read_text()
    first = cli("schedule", "uninstall", "--cron")
    assert first.returncode == 0 and "schedule removed" in first.stdout
    assert "biolake" not in (home / "crontab.txt").read_text()
    second = cli("schedule", "uninstall", "--cron")
    assert second.returncode == 0 and "no schedule was installed" in second.stdout
    assert "not scheduled" in cli("schedule", "status", "--cron").stdout


def test_two_lakes_get_two_entries(home: Path, tmp_path: Path) -> None:
    env = {"HOME": str(home), "PATH": f"{home / 'bin'}:/usr/bin:/bin"}
    for name in ("a", "b"):
        assert RunCli(tmp_path / name)("schedule", "install", "--cron", env=env).returncode == 0
    assert sum("biolake" in line for line in (home / "crontab.txt").read_text().splitlines()) == 2


def test_the_scheduled_command_runs(cli, home: Path, lake: Path) -> None:  # type: ignore[no-untyped-def]
    import subprocess

    assert cli("init").returncode == 0
    assert cli("schedule", "install", "--cron").returncode == 0
    (line,) = [x for x in (home / "crontab.txt").read_text().splitlines() if "biolake" in x]
    command = line.split(None, 5)[5]
    assert " --quiet run >> " in command
    # the same line with `status` for `run` (a cold dbt build would take the test half a minute): the
    # shell quoting, the interpreter, the lake and the log redirection are what cron will run
    probe = command.replace(" --quiet run >> ", " status >> ")
    proc = subprocess.run(["/bin/sh", "-c", probe], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    log = (lake / "state" / "scheduled-run.log").read_text()
    assert "the lake is empty" in log and "Traceback" not in log


def test_launchd_plist(cli, home: Path, lake: Path) -> None:  # type: ignore[no-untyped-def]
    assert cli("schedule", "install", "--launchd", "--at", "6:05").returncode == 0
    (plist,) = (home / "Library" / "LaunchAgents").glob("org.biolake.run.*.plist")
    spec = plistlib.loads(plist.read_bytes())
    assert spec["Label"] == plist.stem
    assert spec["ProgramArguments"] == [
        sys.executable,
        "-m",
        "biolake",
        "--lake",
        str(lake.absolute()),
        "--quiet",
        "run",
    ]
    assert spec["StartCalendarInterval"] == {"Hour": 6, "Minute": 5}
    assert spec["StandardOutPath"] == str(lake.absolute() / "state" / "scheduled-run.log")
    again = cli("schedule", "install", "--launchd", "--at", "06:05")
    assert again.returncode == 0 and plistlib.loads(plist.read_bytes()) == spec
    assert "daily at 06:05 via launchd" in cli("schedule", "status", "--launchd").stdout
    assert cli("schedule", "uninstall", "--launchd").returncode == 0 and not plist.exists()
    assert "no schedule was installed" in cli("schedule", "uninstall", "--launchd").stdout


@pytest.mark.parametrize(
    ("args", "words"), [(("--at", "25:00"), ["--at", "HH:MM"]), (("--at", "7pm"), ["--at"])]
)
def test_bad_time(cli, args: tuple[str, ...], words: list[str]) -> None:  # type: ignore[no-untyped-def]
    assert_one_error_line(cli("schedule", "install", "--cron", *args), *words)


def test_no_crontab_command(lake: Path, tmp_path: Path) -> None:
    proc = RunCli(lake)("schedule", "install", "--cron", env={"HOME": str(tmp_path), "PATH": str(tmp_path)})
    assert_one_error_line(proc, "crontab", "not available")
