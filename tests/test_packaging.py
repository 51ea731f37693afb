"""The project as others install it: the lock file's versions, and a wheel installed without it
that runs from any folder."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from importlib.metadata import distributions
from pathlib import Path

from conftest import PROJECT, REPORTS, SEEDS, files

UV = str(Path(sys.executable).with_name("uv"))


def locked_versions() -> dict[str, str]:
    lock = tomllib.loads((PROJECT / "uv.lock").read_text(encoding="utf-8"))
    return {
        package["name"]: package["version"] for package in lock["package"] if "version" in package
    }


def normalized(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def test_the_environment_holds_the_locked_versions() -> None:
    locked = locked_versions()
    installed = {normalized(d.metadata["Name"]): d.version for d in distributions()}
    differing = {
        name: (installed[name], locked[name])
        for name in installed.keys() & locked.keys()
        if name != "usrok-pipeline" and installed[name] != locked[name]
    }
    assert differing == {}
    assert installed["prefect"] == locked["prefect"]


def test_a_wheel_installed_without_the_lock_runs_the_seeds_from_another_folder(
    tmp_path: Path, server_env: dict[str, str]
) -> None:
    built = subprocess.run(
        [UV, "build", "--wheel", "--out-dir", str(tmp_path / "dist"), str(PROJECT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("usrok_pipeline-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([UV, "venv", "--quiet", "--python", sys.executable, str(venv)], check=True)
    installed = subprocess.run(
        [UV, "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"), str(wheel)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert installed.returncode == 0, installed.stderr
    (site,) = (venv / "lib").glob("python*/site-packages")
    assert not (site / "flows").exists()
    assert (site / "usrok_pipeline" / "templates" / "index.html.j2").is_file()

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copytree(SEEDS, elsewhere / "seeds")
    env = {name: value for name, value in server_env.items() if not name.startswith("USROK_")}
    result = subprocess.run(
        [str(venv / "bin" / "usrok"), "run"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "15 new, 0 changed" in result.stdout
    assert files(elsewhere / "reports") == files(REPORTS)
    assert (elsewhere / ".usrok" / "state.db").is_file()
