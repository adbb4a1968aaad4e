"""``biolake schedule``: run ``biolake run`` every day at a set time, from launchd (macOS) or cron
(Linux and other Unixes). One entry per lake, marked so install replaces it (idempotent) and uninstall
finds it. Output of each run goes to ``<lake>/state/scheduled-run.log``."""

from __future__ import annotations

import hashlib
import os
import plistlib
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from biolake.config import Settings
from biolake.errors import BiolakeError

CRON_MARK = "# biolake-schedule:"
TIME_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class ScheduleError(BiolakeError):
    """The schedule cannot be installed, read or removed."""


@dataclass(frozen=True)
class ScheduleStatus:
    installed: bool
    backend: str  # cron | launchd
    at: str | None  # HH:MM
    command: str | None
    location: str  # the crontab, or the plist's path
    loaded: bool | None = None  # launchd: known to launchctl (None when it cannot be asked)


def parse_time(text: str) -> tuple[int, int]:
    match = TIME_RE.match(text.strip())
    if not match:
        raise ScheduleError(f"--at must be a time of day as HH:MM (24-hour), not {text!r}")
    return int(match.group(1)), int(match.group(2))


def default_backend() -> str:
    return "launchd" if sys.platform == "darwin" else "cron"


def run_command(settings: Settings) -> list[str]:
    """The command the scheduler runs: this Python's biolake on this lake, quietly."""
    lake = str(Path(settings.lake).expanduser().absolute())
    args = [sys.executable, "-m", "biolake", "--lake", lake]
    if settings.config_file is not None:
        args += ["--config", str(Path(settings.config_file).absolute())]
    return [*args, "--quiet", "run"]


def lake_id(settings: Settings) -> str:
    return hashlib.sha256(str(Path(settings.lake).expanduser().absolute()).encode()).hexdigest()[:10]


def log_file(settings: Settings) -> Path:
    return Path(settings.lake).expanduser().absolute() / "state" / "scheduled-run.log"


# --- cron -------------------------------------------------------------------------------------------


def _crontab() -> str:
    exe = shutil.which("crontab")
    if exe is None:
        raise ScheduleError("the 'crontab' command is not available; install cron or use --launchd on macOS")
    return exe


def read_crontab() -> str:
    proc = subprocess.run([_crontab(), "-l"], capture_output=True, text=True, check=False, timeout=30)
    if proc.returncode != 0:
        if "no crontab" in (proc.stderr + proc.stdout).lower():
            return ""
        raise ScheduleError(f"crontab -l failed: {proc.stderr.strip() or proc.returncode}")
    return proc.stdout


def write_crontab(table: str) -> None:
    proc = subprocess.run(
        [_crontab(), "-"], input=table, capture_output=True, text=True, check=False, timeout=30
    )
    if proc.returncode != 0:
        raise ScheduleError(f"crontab refused the new table: {proc.stderr.strip() or proc.returncode}")


def cron_line(settings: Settings, hour: int, minute: int) -> str:
    log = shlex.quote(str(log_file(settings)))
    command = " ".join(shlex.quote(a) for a in run_command(settings))
    mkdir = f"mkdir -p {shlex.quote(str(log_file(settings).parent))}"
    return f"{minute} {hour} * * * {mkdir} && {command} >> {log} 2>&1 {CRON_MARK}{lake_id(settings)}"


def _without_ours(table: str, settings: Settings) -> list[str]:
    mark = f"{CRON_MARK}{lake_id(settings)}"
    return [line for line in table.splitlines() if not line.rstrip().endswith(mark)]


def install_cron(settings: Settings, hour: int, minute: int) -> ScheduleStatus:
    lines = _without_ours(read_crontab(), settings)
    lines.append(cron_line(settings, hour, minute))
    write_crontab("\n".join(lines) + "\n")
    return cron_status(settings)


def cron_status(settings: Settings) -> ScheduleStatus:
    mark = f"{CRON_MARK}{lake_id(settings)}"
    for line in read_crontab().splitlines():
        if line.rstrip().endswith(mark):
            minute, hour = line.split()[:2]
            command = line.split(None, 5)[5].rsplit(CRON_MARK, 1)[0].strip()
            return ScheduleStatus(True, "cron", f"{int(hour):02d}:{int(minute):02d}", command, "crontab")
    return ScheduleStatus(False, "cron", None, None, "crontab")


def uninstall_cron(settings: Settings) -> bool:
    table = read_crontab()
    kept = _without_ours(table, settings)
    if len(kept) == len(table.splitlines()):
        return False
    write_crontab("\n".join(kept) + ("\n" if kept else ""))
    return True


# --- launchd ----------------------------------------------------------------------------------------


def label(settings: Settings) -> str:
    return f"org.biolake.run.{lake_id(settings)}"


def plist_path(settings: Settings) -> Path:
    return Path.home() / "Library" / "LaunchAgents" / f"{label(settings)}.plist"


def plist_content(settings: Settings, hour: int, minute: int) -> bytes:
    log = str(log_file(settings))
    spec = {
        "Label": label(settings),
        "ProgramArguments": run_command(settings),
        "StartCalendarInterval": {"Hour": hour, "Minute": minute},
        "StandardOutPath": log,
        "StandardErrorPath": log,
        "WorkingDirectory": str(Path(settings.lake).expanduser().absolute().parent),
        "EnvironmentVariables": {"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        "RunAtLoad": False,
    }
    return plistlib.dumps(spec)


def _launchctl(*args: str) -> subprocess.CompletedProcess[str] | None:
    exe = shutil.which("launchctl")
    if exe is None:
        return None
    return subprocess.run([exe, *args], capture_output=True, text=True, check=False, timeout=30)


def install_launchd(settings: Settings, hour: int, minute: int) -> ScheduleStatus:
    path = plist_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    log_file(settings).parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(plist_content(settings, hour, minute))
    domain = f"gui/{os.getuid()}"
    _launchctl("bootout", f"{domain}/{label(settings)}")  # not loaded yet is fine
    tmp.replace(path)
    proc = _launchctl("bootstrap", domain, str(path))
    if proc is not None and proc.returncode != 0:
        raise ScheduleError(f"launchctl bootstrap {path} failed: {proc.stderr.strip() or proc.returncode}")
    return launchd_status(settings)


def launchd_status(settings: Settings) -> ScheduleStatus:
    path = plist_path(settings)
    if not path.is_file():
        return ScheduleStatus(False, "launchd", None, None, str(path))
    try:
        spec = plistlib.loads(path.read_bytes())
        at = spec["StartCalendarInterval"]
        when = f"{int(at['Hour']):02d}:{int(at['Minute']):02d}"
        command = " ".join(shlex.quote(a) for a in spec["ProgramArguments"])
    except (plistlib.InvalidFileException, KeyError, TypeError, ValueError) as exc:
        raise ScheduleError(
            f"{path}: not a biolake schedule ({exc}); remove it with 'schedule uninstall'"
        ) from None
    proc = _launchctl("print", f"gui/{os.getuid()}/{label(settings)}")
    loaded = None if proc is None else proc.returncode == 0
    return ScheduleStatus(True, "launchd", when, command, str(path), loaded)


def uninstall_launchd(settings: Settings) -> bool:
    path = plist_path(settings)
    if not path.exists():
        return False
    _launchctl("bootout", f"gui/{os.getuid()}/{label(settings)}")
    path.unlink()
    return True


# --- one interface ----------------------------------------------------------------------------------


def install(settings: Settings, at: str = "07:00", backend: str | None = None) -> ScheduleStatus:
    """Install (or replace) the daily run at ``at`` (HH:MM, local time)."""
    hour, minute = parse_time(at)
    backend = backend or default_backend()
    if backend == "launchd":
        return install_launchd(settings, hour, minute)
    return install_cron(settings, hour, minute)


def status(settings: Settings, backend: str | None = None) -> ScheduleStatus:
    return launchd_status(settings) if (backend or default_backend()) == "launchd" else cron_status(settings)


def uninstall(settings: Settings, backend: str | None = None) -> bool:
    """Remove the daily run; False when there was none."""
    if (backend or default_backend()) == "launchd":
        return uninstall_launchd(settings)
    return uninstall_cron(settings)
