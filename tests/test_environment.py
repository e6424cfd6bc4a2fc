"""The versions the course runs with: ranges in pyproject.toml, exact pins in constraints.txt.

pyproject.toml's dependencies are ranges (a library's, so that Colab's own TensorFlow can stay); the
course's tools are extras (lab, test, site, cluster). constraints.txt pins the exact set that `make`
and CI install; environment.yml (conda) names the direct dependencies at those pins and installs with
constraints.txt too. All admit Python 3.11, 3.12 and 3.13 and nothing else; the Makefile refuses
other versions before it creates a virtual environment. environment.yml is read with PyYAML, which
jupyterlab installs (via jupyter-events); requirements are read with `packaging`, which pip-installed
tooling (jupyterlab, pytest) brings.
"""
from __future__ import annotations

import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from vae_course.tooling.colab_check import COLAB_RUNTIME

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[A-Za-z0-9._,-]+\])?==(?P<version>\d[0-9A-Za-z.+!-]*)$")
EXTRAS = {"lab", "test", "site", "cluster"}
TOOLS = {"jupyterlab", "ipykernel", "pytest", "nbval", "nbclient", "nbformat", "pytest-xdist", "playwright",
         "jupyter-book", "sphinx", "myst-nb", "sphinx-book-theme", "sphinx-mathjax-offline", "distributed"}


PYTHONS = ["3.9.18", "3.10.13", "3.11.0", "3.11.7", "3.12.1", "3.13.0", "3.13.9", "3.14.0", "4.0.0"]
SUPPORTED = ["3.11.0", "3.11.7", "3.12.1", "3.13.0", "3.13.9"]


def _pins(lines) -> dict:
    """``{canonical name: version}`` of ``name==version`` lines; ValueError on anything else or a repeat."""
    pins = {}
    for line in lines:
        m = PIN.match(line)
        if not m:
            raise ValueError(f"{line!r} is not pinned as name==version")
        name = canonicalize_name(m["name"])
        if name in pins:
            raise ValueError(f"{name} is pinned twice")
        pins[name] = m["version"]
    return pins


@pytest.fixture(scope="module")
def pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


@pytest.fixture(scope="module")
def core(pyproject):
    return [Requirement(r) for r in pyproject["dependencies"]]


@pytest.fixture(scope="module")
def extras(pyproject):
    return {group: [Requirement(r) for r in reqs] for group, reqs in pyproject["optional-dependencies"].items()}


@pytest.fixture(scope="module")
def constraints():
    lines = [line.strip() for line in (ROOT / "constraints.txt").read_text().splitlines()]
    return _pins(line for line in lines if line and not line.startswith("#"))


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


def test_constraints_pin_each_package_once_exactly():
    text = (ROOT / "constraints.txt").read_text()
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    assert len(_pins(lines)) == len(lines) > 100  # the whole environment, not just the direct dependencies
    assert "vae-course" not in _pins(lines), "the package itself is installed from the checkout, not pinned"


def test_the_core_states_ranges_and_no_tools(core):
    """TensorFlow 2.19 to 2.21 with tf-keras of the same minor version, TFP 0.25, NumPy 2; no pytest or Jupyter."""
    spec = {canonicalize_name(r.name): r for r in core}
    assert not TOOLS & set(spec), f"tools belong in the extras: {sorted(TOOLS & set(spec))}"
    assert all("==" not in str(r.specifier) for r in core), [str(r) for r in core if "==" in str(r.specifier)]
    admits = {name: [v for v in versions if spec[name].specifier.contains(v)] for name, versions in {
        "tensorflow": ["2.18.1", "2.19.0", "2.19.1", "2.20.0", "2.21.0", "2.22.0"],
        "tf-keras": ["2.18.0", "2.19.0", "2.20.1", "2.21.0", "2.22.0"],
        "tensorflow-probability": ["0.24.0", "0.25.0", "0.26.0"],
        "numpy": ["1.26.4", "2.0.0", "2.0.2", "2.4.6", "3.0.0"]}.items()}
    assert admits == {"tensorflow": ["2.19.0", "2.19.1", "2.20.0", "2.21.0"], "tf-keras": ["2.19.0", "2.20.1", "2.21.0"],
                      "tensorflow-probability": ["0.25.0"], "numpy": ["2.0.0", "2.0.2", "2.4.6"]}
    assert spec["tensorflow-probability"].extras == {"tf"}  # brings tf-keras, which TFP uses instead of Keras 3
    assert {"matplotlib", "imageio"} <= set(spec)


def test_the_tools_are_extras(extras):
    names = {group: {canonicalize_name(r.name) for r in reqs} for group, reqs in extras.items()}
    assert set(names) == EXTRAS
    assert names["lab"] == {"jupyterlab", "ipykernel"}
    assert names["test"] == {"pytest", "nbval", "nbclient", "nbformat", "pytest-xdist", "playwright"}
    assert {"jupyter-book", "sphinx-mathjax-offline"} <= names["site"] and "playwright" not in names["site"]
    assert names["cluster"] == {"distributed"}
    assert set().union(*names.values()) == TOOLS


def test_the_ranges_admit_the_pins(core, extras, constraints):
    """Every dependency and tool is pinned in constraints.txt, inside its range in pyproject.toml."""
    outside = [f"{r} does not admit {constraints.get(canonicalize_name(r.name))}"
               for r in [*core, *(r for reqs in extras.values() for r in reqs)]
               if not r.specifier.contains(constraints.get(canonicalize_name(r.name), "unpinned"), prereleases=True)]
    assert not outside, "; ".join(outside)


def test_site_tools_are_jupyter_book_1(extras, constraints):
    """Jupyter Book 2 fetches its theme online at build time, so the site needs 1.x."""
    book = next(r for r in extras["site"] if canonicalize_name(r.name) == "jupyter-book")
    assert not book.specifier.contains("2.0.0") and constraints["jupyter-book"].startswith("1.")


def test_check_colab_runs_other_versions_inside_the_ranges(core, constraints):
    """make check-colab proves the ranges' lower end: TensorFlow and NumPy other than the pins, still admitted."""
    runtime = _pins(r for r in COLAB_RUNTIME if "==" in r)
    ranges = {canonicalize_name(r.name): r.specifier for r in core}
    assert runtime["tensorflow"] != constraints["tensorflow"] and runtime["numpy"] != constraints["numpy"]
    assert runtime["tensorflow"].startswith(("2.19.", "2.20.")) and runtime["numpy"].startswith("2.0.")
    assert runtime["tf-keras"].split(".")[:2] == runtime["tensorflow"].split(".")[:2]
    outside = [f"{name} {version}" for name, version in runtime.items()
               if name in ranges and not ranges[name].contains(version)]
    assert not outside, f"check-colab runs versions pyproject.toml does not admit: {outside}"


def test_environment_yml_pins_the_direct_dependencies_as_constraints_txt(conda_pip, core, extras, constraints):
    pins = _pins(d for d in conda_pip if not d.startswith("-"))
    direct = {canonicalize_name(r.name) for r in [*core, *(r for reqs in extras.values() for r in reqs)]}
    assert set(pins) == direct
    assert {n: v for n, v in pins.items() if constraints.get(n) != v} == {}, "environment.yml differs from constraints.txt"
    assert [d for d in conda_pip if d.startswith("-")] == ["-c constraints.txt", "-e .[lab,test,site,cluster]"]
    assert any(d.startswith("tensorflow-probability[tf]==") for d in conda_pip)


def test_make_and_ci_install_with_the_constraints():
    makefile = (ROOT / "Makefile").read_text()
    assert "pip install --quiet -c $(CONSTRAINTS) -e '.[$(EXTRAS)]'" in makefile
    assert re.search(r"^CONSTRAINTS\s*:= constraints.txt$", makefile, re.M)
    assert re.search(r"^EXTRAS\s*:= lab,test,site,cluster$", makefile, re.M)
    assert re.search(r"^\$\(STAMP\): pyproject.toml \$\(CONSTRAINTS\)$", makefile, re.M), "the stamp must depend on both"
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert ci.index("make test") < ci.index("make check-colab")
    test_recipe = re.search(r"^test:.*\n((?:\t.*\n)+)", makefile, re.M).group(1)
    assert "check-colab" not in test_recipe and "colab_check" not in test_recipe


def test_make_reinstalls_when_pyproject_or_the_constraints_change(tmp_path):
    """With the stamp newer than both files, `make -n install` plans nothing; touch either, and it re-installs."""
    for name in ("Makefile", "pyproject.toml", "constraints.txt"):
        shutil.copy(ROOT / name, tmp_path / name)
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    stamp = venv / ".installed-stamp"
    stamp.touch()
    install = "pip install --quiet -c constraints.txt -e '.[lab,test,site,cluster]'"
    for changed in ("pyproject.toml", "constraints.txt"):
        for name in ("pyproject.toml", "constraints.txt"):
            os.utime(tmp_path / name, (1_000_000, 1_000_000))
        os.utime(stamp, (2_000_000, 2_000_000))
        assert install not in _make_n(tmp_path, venv)
        os.utime(tmp_path / changed, (3_000_000, 3_000_000))
        assert install in _make_n(tmp_path, venv), f"{changed} changed, yet make does not re-install"


def _make_n(folder, venv):
    run = subprocess.run([shutil.which("make"), "-C", str(folder), "-n", "install", f"VENV={venv}"],
                         capture_output=True, text=True, timeout=60)
    return run.stdout + run.stderr


def test_installed_versions_are_the_pinned_ones(core, extras, constraints):
    """The environment running the tests is constraints.txt's: every direct dependency, at its pin."""
    direct = {canonicalize_name(r.name) for r in [*core, *(r for reqs in extras.values() for r in reqs)]}
    wrong = []
    for dist in importlib.metadata.distributions():
        name = canonicalize_name(dist.metadata["Name"] or "")
        if name in constraints and dist.version != constraints[name]:
            wrong.append(f"{name}: pinned {constraints[name]}, installed {dist.version}")
    missing = sorted(n for n in direct if not _installed(n))
    assert not wrong and not missing, ("this environment differs from constraints.txt (run `make install`, or "
                                       "`pip install -c constraints.txt -e '.[lab,test,site,cluster]'`): "
                                       + "; ".join(wrong + [f"{n}: not installed" for n in missing]))


def _installed(name) -> bool:
    try:
        importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True
