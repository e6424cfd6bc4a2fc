"""The two install routes pin the same environment: pyproject.toml (pip, make) and environment.yml (conda).

Both admit Python 3.11, 3.12 and 3.13 and nothing else; the Makefile refuses other versions before it
creates a virtual environment. environment.yml is read with PyYAML, which the pinned jupyterlab
installs (via jupyter-events); version ranges are read with `packaging`, which pip-installed
tooling (jupyterlab, pytest) brings.
"""
from __future__ import annotations

import importlib.metadata
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[A-Za-z0-9._,-]+\])?==(?P<version>\d[0-9A-Za-z.+!-]*)$")


PYTHONS = ["3.9.18", "3.10.13", "3.11.0", "3.11.7", "3.12.1", "3.13.0", "3.13.9", "3.14.0", "4.0.0"]
SUPPORTED = ["3.11.0", "3.11.7", "3.12.1", "3.13.0", "3.13.9"]


@pytest.fixture(scope="module")
def pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


@pytest.fixture(scope="module")
def pyproject_deps(pyproject):
    return pyproject["dependencies"]


@pytest.fixture(scope="module")
def site_deps(pyproject):
    return pyproject["optional-dependencies"]["site"]


@pytest.fixture(scope="module")
def conda_env():
    return yaml.safe_load((ROOT / "environment.yml").read_text())


@pytest.fixture(scope="module")
def conda_pip(conda_env):
    pip = [d["pip"] for d in conda_env["dependencies"] if isinstance(d, dict) and "pip" in d]
    assert len(pip) == 1, "environment.yml must have exactly one pip: section"
    return pip[0]


def test_environment_yml_admits_python_311_to_313_and_installs_pip(conda_env):
    plain = [d for d in conda_env["dependencies"] if isinstance(d, str)]
    pythons = [d for d in plain if re.match(r"python\b", d)]
    assert len(pythons) == 1, pythons
    spec = SpecifierSet(pythons[0].removeprefix("python"))
    assert [v for v in PYTHONS if v in spec] == SUPPORTED, f"environment.yml: {pythons[0]}"
    assert "pip" in plain
    assert conda_env["name"] == "vae-course"


def test_requires_python_admits_311_to_313(pyproject):
    spec = SpecifierSet(pyproject["requires-python"])
    assert [v for v in PYTHONS if v in spec] == SUPPORTED, f"requires-python = {pyproject['requires-python']!r}"


def test_this_python_is_a_supported_one():
    assert (3, 11) <= sys.version_info[:2] <= (3, 13)


def _fake_python(path, version):
    """A stand-in interpreter: this Python, claiming to be ``version`` (answers -c code and --version)."""
    major, minor = version
    path.write_text("#!/bin/sh\n"
                    f'if [ "$1" = "-c" ]; then exec {sys.executable} -c '
                    f'"import sys; sys.version_info = ({major}, {minor}, 0, \'final\', 0); exec(sys.argv[1])" "$2"; fi\n'
                    f'echo "Python {major}.{minor}.0"\n')
    path.chmod(0o755)
    return path


def _make(*args, env=None):
    return subprocess.run([shutil.which("make"), "-C", str(ROOT), "--no-print-directory", "-s", *args],
                          capture_output=True, text=True, timeout=60, env=env)


@pytest.mark.parametrize("version", [(3, 9), (3, 10), (3, 11), (3, 12), (3, 13), (3, 14), (4, 0)])
def test_make_accepts_exactly_python_311_to_313(tmp_path, version):
    run = _make("check-python", f"PYTHON={_fake_python(tmp_path / 'python', version)}")
    assert (run.returncode == 0) == ((3, 11) <= version <= (3, 13)), run.stdout + run.stderr


@pytest.mark.parametrize("fake", ["unsupported", "missing"])
def test_make_refuses_an_unsupported_python_before_creating_the_venv(tmp_path, fake):
    """A Python 3.10, or a name that is not there: a clear message, and no venv."""
    python = tmp_path / "python"
    if fake == "unsupported":
        _fake_python(python, (3, 10))
    venv = tmp_path / "venv"
    run = _make("install", f"PYTHON={python}", f"VENV={venv}")
    assert run.returncode != 0
    assert f"needs Python 3.11, 3.12 or 3.13, and {python} is not one of them" in run.stderr, run.stderr
    assert not venv.exists()


def test_make_picks_a_supported_python_from_the_names_it_tries(tmp_path):
    """On the PATH a python3.11 that is really 3.10 (a stale link) and a python3.12: make picks python3.12."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _fake_python(bin_dir / "python3.11", (3, 10))
    _fake_python(bin_dir / "python3.12", (3, 12))
    run = _make("check-python", env={"PATH": str(bin_dir)})  # only these: no system Python
    assert run.returncode == 0 and run.stdout.strip() == "python3.12: Python 3.12.0", run.stdout + run.stderr
    _fake_python(bin_dir / "python3.12", (3, 14))
    run = _make("check-python", env={"PATH": str(bin_dir)})
    assert run.returncode != 0 and "none of python3.11 python3.12 python3.13 python3 is one of them" in run.stderr, (
        run.stdout + run.stderr)


def test_environment_yml_installs_the_package_itself(conda_pip):
    assert conda_pip.count("-e .") == 1


def test_pip_pins_agree_exactly(pyproject_deps, site_deps, conda_pip):
    """environment.yml installs the dependencies and the `site` group (the website's browser test is a test)."""
    conda_deps = [d for d in conda_pip if d != "-e ."]
    assert sorted(conda_deps) == sorted(pyproject_deps + site_deps)
    assert len(set(pyproject_deps + site_deps)) == len(pyproject_deps + site_deps)


def test_every_dependency_is_pinned_with_double_equals(pyproject_deps, site_deps, conda_pip):
    for dep in [*pyproject_deps, *site_deps, *(d for d in conda_pip if d != "-e .")]:
        assert PIN.match(dep), f"{dep!r} is not pinned as name==version"


def test_site_tools_are_jupyter_book_1_with_local_mathjax_and_playwright(site_deps):
    """Jupyter Book 2 fetches its theme online at build time, so the site needs 1.x."""
    pins = {PIN.match(d)["name"].lower(): PIN.match(d)["version"] for d in site_deps}
    assert pins["jupyter-book"].startswith("1.")
    assert {"sphinx-mathjax-offline", "playwright"} <= set(pins)


def test_core_libraries_are_pinned(pyproject_deps):
    names = {PIN.match(d)["name"].lower() for d in pyproject_deps}
    assert {"tensorflow", "tensorflow-probability", "tf-keras", "numpy", "nbval", "pytest"} <= names


def test_installed_versions_are_the_pinned_ones(pyproject_deps, site_deps):
    wrong = []
    for dep in pyproject_deps + site_deps:
        m = PIN.match(dep)
        installed = importlib.metadata.version(m["name"])
        if installed != m["version"]:
            wrong.append(f"{m['name']}: pinned {m['version']}, installed {installed}")
    assert not wrong, "this environment differs from the pins (run `make install`, or `pip install -e .[site]`): " + "; ".join(wrong)
