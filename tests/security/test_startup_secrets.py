"""Finding 1 (secret key) and 6 (data dir permissions): `kefu serve` in production refuses a
weak KEFU_SECRET_KEY; a dev server generates its own key into a private data dir."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from kefu.config import DEV_SECRET_KEY, ConfigError, Settings, prepare_runtime
from tests.conftest import ROOT


def _serve(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full = {
        **os.environ,
        "KEFU_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/kefu.db",
        "KEFU_DATA_DIR": str(tmp_path / "data"),
        "KEFU_PORT": "1",  # never reached: it must exit before binding
        **env,
    }
    if "KEFU_SECRET_KEY" not in env:
        full.pop("KEFU_SECRET_KEY", None)
    return subprocess.run(
        [sys.executable, "-m", "kefu.cli", "serve"],
        env=full,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


class TestProductionRefusesWeakSecrets:
    def test_kefu_serve_exits_non_zero_with_a_clear_message_and_a_private_data_dir(
        self, tmp_path: Path
    ) -> None:
        data = tmp_path / "data"
        data.mkdir(mode=0o755)
        (data / "old.db").write_text("x")
        os.chmod(data / "old.db", 0o644)
        done = _serve(tmp_path, KEFU_ENV="prod")
        assert done.returncode != 0
        assert "KEFU_SECRET_KEY" in done.stderr + done.stdout
        assert stat.S_IMODE(data.stat().st_mode) == 0o700
        assert stat.S_IMODE((data / "old.db").stat().st_mode) == 0o600

    @pytest.mark.parametrize(
        "secret", [DEV_SECRET_KEY, "short-but-not-default"], ids=["dev-default", "short"]
    )
    def test_weak_keys_are_refused(self, tmp_path: Path, secret: str) -> None:
        with pytest.raises(ConfigError, match="KEFU_SECRET_KEY"):
            prepare_runtime(Settings(env="prod", secret_key=secret, data_dir=tmp_path))

    def test_create_app_refuses_too(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigError, match="KEFU_SECRET_KEY"):
            prepare_runtime(Settings(env="prod", data_dir=tmp_path))

    def test_a_strong_key_is_used_as_given(self, tmp_path: Path) -> None:
        key = "k" * 40
        assert prepare_runtime(Settings(env="prod", secret_key=key, data_dir=tmp_path)).secret_key == key


class TestDevGeneratesItsOwnKey:
    def test_first_start_generates_a_private_key_and_reuses_it(self, tmp_path: Path) -> None:
        data = tmp_path / "var"
        first = prepare_runtime(Settings(env="dev", data_dir=data))
        assert first.secret_key != DEV_SECRET_KEY and len(first.secret_key) >= 32
        key_file = data / "secret_key"
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        assert stat.S_IMODE(data.stat().st_mode) == 0o700
        assert prepare_runtime(Settings(env="dev", data_dir=data)).secret_key == first.secret_key

    def test_dev_warns_loudly(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        prepare_runtime(Settings(env="dev", data_dir=tmp_path / "v"))
        assert "WARNING" in capsys.readouterr().err
