"""The deployment files, checked by parsing them (CI has no container engine to build or start them).

Dockerfile, compose.yaml, the Caddy configuration, the systemd unit and .env.example must agree with
each other and with bot/settings.py: a setting added to the code and forgotten here fails a test.
"""

from __future__ import annotations

import configparser
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import AliasChoices

from bot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
BOTS = ("bot-1", "bot-2")


def setting_names() -> list[str]:
    names = []
    for field in Settings.model_fields.values():
        assert isinstance(field.validation_alias, AliasChoices), "every setting has its environment name"
        names.append(str(field.validation_alias.choices[0]))
    return names


def env_example() -> dict[str, str]:
    lines = (ROOT / ".env.example").read_text().splitlines()
    pairs = (line.split("=", 1) for line in lines if line.strip() and not line.startswith("#"))
    return {name.strip(): value for name, value in pairs}


def test_env_example_lists_every_setting() -> None:
    missing = [name for name in setting_names() if name not in env_example()]
    assert not missing, f".env.example lacks {', '.join(missing)}: add each with its default"


def test_env_example_values_are_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in setting_names():
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    from_example = Settings(_env_file=ROOT / ".env.example")  # type: ignore[call-arg]
    assert from_example.model_dump() == Settings(_env_file=None).model_dump()  # type: ignore[call-arg]


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n(\s*#.*\n)*", " ", (ROOT / "Dockerfile").read_text())
    lines = (line.strip() for line in text.splitlines())
    return [
        (word.upper(), rest.strip())
        for word, _, rest in (line.partition(" ") for line in lines if line and not line.startswith("#"))
    ]


def instruction(name: str) -> list[str]:
    return [arguments for word, arguments in dockerfile() if word == name]


def test_dockerfile_installs_the_checkout_and_runs_as_a_user() -> None:
    assert re.fullmatch(r"python:3\.\d+-slim", instruction("FROM")[0])
    assert "COPY . /src" in [f"COPY {args}" for args in instruction("COPY")]
    assert any(args.startswith("pip install /src") for args in instruction("RUN"))
    user = instruction("USER")[-1]
    assert user not in ("root", "0") and any(f" {user}" in args for args in instruction("RUN"))
    # The last USER comes after every RUN: nothing runs as root at run time.
    words = [word for word, _ in dockerfile()]
    assert max(i for i, w in enumerate(words) if w == "RUN") < max(
        i for i, w in enumerate(words) if w == "USER"
    )


def test_dockerfile_starts_clusterbot_run_and_checks_livez() -> None:
    command = [*yaml.safe_load(instruction("ENTRYPOINT")[0]), *yaml.safe_load(instruction("CMD")[0])]
    assert command == ["clusterbot", "run"]
    env = " ".join(instruction("ENV"))
    port = re.search(r"CLUSTERBOT_HTTP_PORT=(\d+)", env)
    assert port and instruction("EXPOSE") == [port.group(1)]
    assert "CLUSTERBOT_HTTP_HOST=0.0.0.0" in env
    health = instruction("HEALTHCHECK")[0]
    assert "/livez" in health and "urllib.request" in health
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert {".env", "*.db", ".git", "tests"} <= set(ignored)


def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_compose_runs_two_bots_on_one_postgresql_behind_one_proxy() -> None:
    services = compose()["services"]
    assert set(services) == {"db", "proxy", *BOTS}
    assert services["db"]["image"].startswith("postgres:")
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])

    environments = [services[bot]["environment"] for bot in BOTS]
    for name in ("CLUSTERBOT_DATABASE_URL", "TELEGRAM_WEBHOOK_SECRET", "TELEGRAM_WEBHOOK_URL"):
        values = {environment[name] for environment in environments}
        assert len(values) == 1 and values.pop(), f"{name} is set, and the same in both processes"
    assert environments[0]["CLUSTERBOT_DATABASE_URL"].startswith("postgresql://clusterbot:")
    assert "@db:5432/" in environments[0]["CLUSTERBOT_DATABASE_URL"]
    assert environments[0]["TELEGRAM_WEBHOOK_URL"].startswith("https://")

    for bot in BOTS:
        assert services[bot]["depends_on"] == {"db": {"condition": "service_healthy"}}
        assert "ports" not in services[bot], "only the proxy is reachable from outside"
        # No test of its own: the image's HEALTHCHECK (GET /livez) applies.
        assert "test" not in services[bot]["healthcheck"]
    proxy = services["proxy"]
    assert proxy["depends_on"] == {bot: {"condition": "service_healthy"} for bot in BOTS}
    assert proxy["healthcheck"]["test"]


def test_the_proxy_configuration_sends_to_both_bots_and_hides_metrics() -> None:
    proxy = compose()["services"]["proxy"]
    mounted = [volume.split(":") for volume in proxy["volumes"] if volume.startswith("./")]
    assert len(mounted) == 1
    config = (ROOT / mounted[0][0]).read_text()
    assert "reverse_proxy bot-1:8080 bot-2:8080" in config
    assert "health_uri /livez" in config
    assert "respond /metrics 404" in config


def test_every_variable_compose_needs_is_in_env_example() -> None:
    used = set(re.findall(r"\$\{(\w+)", (ROOT / "compose.yaml").read_text()))
    assert used and used <= set(env_example())


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(ROOT / "deploy" / "clusterbot.service")
    return parser


def test_systemd_unit_restarts_on_failure_and_is_hardened() -> None:
    service = unit()["Service"]
    program, *arguments = shlex.split(service["ExecStart"])
    assert Path(program).name == "clusterbot" and arguments == ["run"]
    assert service["User"] not in ("root", "0")
    assert service["EnvironmentFile"].startswith("/etc/clusterbot/")
    assert service["Restart"] == "on-failure"
    assert service["TimeoutStopSec"] == "15"
    for option, value in {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "CapabilityBoundingSet": "",
    }.items():
        assert service[option] == value, option
    assert unit()["Install"]["WantedBy"] == "multi-user.target"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    # verify checks that ExecStart exists: point it at this environment's clusterbot.
    installed = Path(sys.executable).parent / "clusterbot"
    text = (ROOT / "deploy" / "clusterbot.service").read_text()
    copy = tmp_path / "clusterbot.service"
    copy.write_text(text.replace("/opt/clusterbot/venv/bin/clusterbot", str(installed)))
    result = subprocess.run(
        ["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, timeout=60
    )
    complaints = [line for line in result.stderr.splitlines() if copy.name in line]
    assert result.returncode == 0 and not complaints, result.stderr
