"""Deployment files are checked without a container runtime (none runs on CI): the Dockerfile
by a lint of its rules, compose.yaml by its structure (and `docker compose config` where the
plugin exists), nginx and systemd files by what they must contain; the configuration
reference is current; migrations stay backward compatible for one release."""

from __future__ import annotations

import configparser
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from alembic.util.exc import CommandError

from kefu.config import Settings
from kefu.migrate import schema_is_newer, upgrade
from tests.conftest import ROOT

COMPOSE = ROOT / "compose.yaml"
DOCKERFILE = ROOT / "Dockerfile"


def _instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


class TestDockerfile:
    def test_multi_stage_pinned_bases_and_known_stages(self) -> None:
        froms = [rest for word, rest in _instructions() if word == "FROM"]
        assert len(froms) >= 2
        stages = set()
        for rest in froms:
            image, _, alias = rest.partition(" AS ")
            assert ":" in image and not image.endswith(":latest"), f"unpinned base {image}"
            stages.add(alias.strip())
        for word, rest in _instructions():
            if word == "COPY" and "--from=" in rest:
                assert re.search(r"--from=(\S+)", rest).group(1) in stages  # type: ignore[union-attr]

    def test_runtime_runs_unprivileged_with_a_readiness_healthcheck(self) -> None:
        ins = _instructions()
        last_from = max(i for i, (w, _r) in enumerate(ins) if w == "FROM")
        runtime = ins[last_from:]
        users = [r for w, r in runtime if w == "USER"]
        assert users and users[-1].split(":")[0] not in {"root", "0"}
        health = " ".join(r for w, r in runtime if w == "HEALTHCHECK")
        assert "/readyz" in health
        entry = next(r for w, r in runtime if w == "ENTRYPOINT")
        assert entry.startswith("["), "exec form, so SIGTERM reaches kefu"
        for w, r in ins:
            if w == "RUN" and "apt-get install" in r:
                assert "--no-install-recommends" in r and "rm -rf /var/lib/apt/lists" in r
            assert w != "ADD", "COPY, not ADD"

    def test_the_context_leaves_out_local_state(self) -> None:
        ignored = (ROOT / ".dockerignore").read_text().split()
        assert {".git", ".venv", "node_modules", "var"} <= set(ignored)


class TestCompose:
    def _compose(self) -> dict[str, object]:
        data = yaml.safe_load(COMPOSE.read_text())
        assert isinstance(data, dict)
        return data

    def test_services_and_their_wiring(self) -> None:
        services = self._compose()["services"]
        assert isinstance(services, dict)
        assert {"postgres", "redis", "migrate", "web", "worker", "nginx"} <= set(services)
        assert str(services["postgres"]["image"]).startswith("postgres:15")
        web = services["web"]
        assert "/readyz" in " ".join(web["healthcheck"]["test"])
        assert "replicas" in web["deploy"]
        assert web["command"][0] == "serve" and services["worker"]["command"] == ["worker"]
        assert web["environment"]["KEFU_EMBEDDED_WORKER"] == "false"
        assert web["environment"]["KEFU_REDIS_URL"].startswith("redis://")
        assert "ports" not in web, "only nginx is published"
        assert set(services["nginx"]["ports"]) == {"80:80", "443:443"}
        for name, svc in services.items():
            for dep in svc.get("depends_on", {}):
                assert dep in services, f"{name} depends on unknown {dep}"
            for volume in svc.get("volumes", []):
                source = volume.split(":")[0]
                if source.startswith("./"):
                    assert (ROOT / source).exists(), f"{name} mounts missing {source}"
        assert services["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"

    def test_every_kefu_variable_is_a_setting(self) -> None:
        env = self._compose()["x-kefu"]["environment"]  # type: ignore[index]
        fields = {f"KEFU_{n.upper()}" for n in Settings.model_fields}
        assert {k for k in env if k.startswith("KEFU_")} <= fields

    def test_docker_compose_config_where_available(self) -> None:
        docker = shutil.which("docker")
        if (
            docker is None
            or subprocess.run([docker, "compose", "version"], capture_output=True, check=False).returncode
        ):
            pytest.skip("no docker compose plugin here; the structure tests above stand in")
        env = {
            "KEFU_SECRET_KEY": "x" * 40,
            "KEFU_SECRETS_KEY": "k",
            "KEFU_DB_PASSWORD": "pw",
            "PATH": "/usr/bin:/bin:/usr/local/bin",
        }
        result = subprocess.run(
            [docker, "compose", "-f", str(COMPOSE), "config", "--quiet"],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        assert result.returncode == 0, result.stderr


class TestNginxAndSystemd:
    def test_nginx_upgrades_websockets_and_terminates_tls(self) -> None:
        conf = (ROOT / "deploy" / "nginx" / "kefu.conf").read_text()
        ws = conf[conf.index("location /ws/") :]
        ws = ws[: ws.index("}")]
        assert (
            "proxy_http_version 1.1" in ws and "Upgrade $http_upgrade" in ws and "$connection_upgrade" in ws
        )
        assert "ssl_certificate " in conf and "acme-challenge" in conf and "X-Forwarded-Proto" in conf

    @pytest.mark.parametrize("unit", ["kefu-web@.service", "kefu-worker.service", "kefu-backup.service"])
    def test_units_run_kefu_commands_as_the_service_user(self, unit: str) -> None:
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        parser.read(ROOT / "deploy" / "systemd" / unit)
        service = parser["Service"]
        assert service["User"] == "kefu" and service["EnvironmentFile"] == "/etc/kefu/kefu.env"
        command = service["ExecStart"].split()[1]
        assert command in {"serve", "worker", "backup"}


class TestConfigReference:
    def test_the_doc_is_current(self) -> None:
        result = subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "config_reference.py"), "--check"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        doc = (ROOT / "docs" / "config.md").read_text()
        for name in Settings.model_fields:
            assert f"`KEFU_{name.upper()}`" in doc


class TestUpgradeCompatibility:
    def test_migrations_only_add_so_the_previous_release_runs_on_the_new_schema(self) -> None:
        """Drops, renames and NOT NULL columns without a default break the release still
        running during a rolling upgrade; they wait for the release after (docs/deploy.md)."""
        for path in sorted((ROOT / "migrations" / "versions").glob("*.py")):
            text = path.read_text()
            up = text[text.index("def upgrade") : text.index("def downgrade")]
            assert not re.search(r"\.(drop_column|drop_table|rename_table)\(", up), path.name
            assert "new_column_name" not in up, path.name
            for call in re.findall(r"add_column\((.*?)\)\s*\n", up, flags=re.S):
                if "nullable=False" in call:
                    assert "server_default" in call, f"{path.name}: NOT NULL column without a default"

    def test_the_previous_release_serves_a_schema_a_newer_release_migrated(self, tmp_path: Path) -> None:
        """`kefu serve` of the older release skips migrating when the database carries a
        revision it does not know, instead of refusing to start mid-upgrade."""
        db_path = tmp_path / "k.db"
        url = f"sqlite+aiosqlite:///{db_path}"
        upgrade(url)
        assert not schema_is_newer(url)
        with sqlite3.connect(db_path) as conn:
            conn.execute("INSERT INTO alembic_version (version_num) VALUES ('fffffff00001')")
        assert schema_is_newer(url)
        with pytest.raises(CommandError):
            upgrade(url)  # what the old release did before: a restart failed mid-upgrade
