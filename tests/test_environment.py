"""The two install routes pin the same environment: pyproject.toml (pip, make) and environment.yml (conda).

environment.yml is read with PyYAML, which the pinned jupyterlab installs (via jupyter-events).
"""
from __future__ import annotations

import importlib.metadata
import re
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[A-Za-z0-9._,-]+\])?==(?P<version>\d[0-9A-Za-z.+!-]*)$")


@pytest.fixture(scope="module")
def pyproject_deps():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]


@pytest.fixture(scope="module")
def conda_env():
    return yaml.safe_load((ROOT / "environment.yml").read_text())


@pytest.fixture(scope="module")
def conda_pip(conda_env):
    pip = [d["pip"] for d in conda_env["dependencies"] if isinstance(d, dict) and "pip" in d]
    assert len(pip) == 1, "environment.yml must have exactly one pip: section"
    return pip[0]


def test_environment_yml_pins_python_311_and_installs_pip(conda_env):
    plain = [d for d in conda_env["dependencies"] if isinstance(d, str)]
    pythons = [d for d in plain if re.match(r"python\b", d)]
    assert pythons == ["python=3.11"]
    assert "pip" in plain
    assert conda_env["name"] == "vae-course"


def test_requires_python_is_311_only():
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert requires.replace(" ", "") == ">=3.11,<3.12"


def test_environment_yml_installs_the_package_itself(conda_pip):
    assert conda_pip.count("-e .") == 1


def test_pip_pins_agree_exactly(pyproject_deps, conda_pip):
    conda_deps = [d for d in conda_pip if d != "-e ."]
    assert sorted(conda_deps) == sorted(pyproject_deps)
    assert len(set(pyproject_deps)) == len(pyproject_deps)


def test_every_dependency_is_pinned_with_double_equals(pyproject_deps, conda_pip):
    for dep in [*pyproject_deps, *(d for d in conda_pip if d != "-e .")]:
        assert PIN.match(dep), f"{dep!r} is not pinned as name==version"


def test_core_libraries_are_pinned(pyproject_deps):
    names = {PIN.match(d)["name"].lower() for d in pyproject_deps}
    assert {"tensorflow", "tensorflow-probability", "tf-keras", "numpy", "nbval", "pytest"} <= names


def test_installed_versions_are_the_pinned_ones(pyproject_deps):
    wrong = []
    for dep in pyproject_deps:
        m = PIN.match(dep)
        installed = importlib.metadata.version(m["name"])
        if installed != m["version"]:
            wrong.append(f"{m['name']}: pinned {m['version']}, installed {installed}")
    assert not wrong, "this environment differs from the pins (run `make install`): " + "; ".join(wrong)
