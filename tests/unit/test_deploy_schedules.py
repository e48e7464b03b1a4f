"""The nightly-rescore schedules parse, run the real command with real options, once a night."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

import typer.main
import yaml

from industry_credit.cli import app
from industry_credit.config import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"
# minute hour day-of-month month day-of-week, each a number, range, list, step or '*'.
_FIELD = r"(\*|\d+(-\d+)?)(/\d+)?(,(\*|\d+(-\d+)?)(/\d+)?)*"
CRON = re.compile(rf"^{_FIELD}\s+{_FIELD}\s+{_FIELD}\s+{_FIELD}\s+{_FIELD}$")
ON_CALENDAR = re.compile(
    r"^(\*|\d{4})-(\*|\d{2})-(\*|\d{2}) \d{2}:\d{2}(:\d{2})?( [A-Za-z_]+/[A-Za-z_]+)?$"
)


def _rescore_options() -> set[str]:
    group = typer.main.get_command(app)
    command = group.commands["rescore"]  # type: ignore[attr-defined]
    return {opt for param in command.params for opt in param.opts}


def _check_command(command: str) -> None:
    assert "industry-credit rescore" in command
    used = set(re.findall(r"(?<!\S)--[a-z][a-z-]*", command.split("rescore", 1)[1]))
    assert {"--as-of", "--resume"} <= used
    assert used <= _rescore_options()


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((DEPLOY / name).read_text(encoding="utf-8"))
    return parser


def test_crontab_is_one_valid_line() -> None:
    lines = [
        line
        for line in (DEPLOY / "crontab").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert len(lines) == 1
    fields = lines[0].split(None, 5)
    assert CRON.match(" ".join(fields[:5]))
    command = fields[5]
    # cron turns an unescaped % into a newline: every % must be written \%.
    assert re.search(r"(?<!\\)%", command) is None
    _check_command(command)


def test_systemd_service_and_timer() -> None:
    service = _unit("industry-credit-rescore.service")
    assert service["Service"]["Type"] == "oneshot"
    exec_start = service["Service"]["ExecStart"]
    assert "%%F" in exec_start  # a literal % in a unit file
    _check_command(exec_start)
    timer = _unit("industry-credit-rescore.timer")
    assert ON_CALENDAR.match(timer["Timer"]["OnCalendar"])
    assert timer["Timer"]["Unit"] == "industry-credit-rescore.service"
    assert timer["Timer"]["Persistent"] == "true"
    assert timer["Install"]["WantedBy"] == "timers.target"


def test_kubernetes_cronjob() -> None:
    doc = yaml.safe_load((DEPLOY / "k8s-cronjob.yaml").read_text(encoding="utf-8"))
    assert doc["apiVersion"] == "batch/v1"
    assert doc["kind"] == "CronJob"
    spec = doc["spec"]
    assert CRON.match(spec["schedule"])
    assert spec["concurrencyPolicy"] == "Forbid"
    pod = spec["jobTemplate"]["spec"]["template"]["spec"]
    assert pod["restartPolicy"] in ("Never", "OnFailure")
    (container,) = pod["containers"]
    _check_command(" ".join(container["command"]))
    env = {e["name"] for e in container["env"]}
    assert "DATABASE_URL" in env


def test_every_schedule_file_is_present() -> None:
    names = {p.name for p in Path(DEPLOY).iterdir()}
    assert {
        "crontab",
        "industry-credit-rescore.service",
        "industry-credit-rescore.timer",
        "k8s-cronjob.yaml",
    } <= names
