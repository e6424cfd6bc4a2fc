"""Where the tests find real MNIST, and what happens when it is missing (used by conftest.py).

Tests that need the real files take the ``mnist_dir`` fixture. When the data is missing:

- in CI (``CI`` is true, or ``$VAE_COURSE_DATA`` is set, as ``.ci/run`` does) the test **fails**
  with a message naming the folder and the missing files: a CI run must never pass by skipping;
- on a learner's machine with neither set, the test is skipped with a message saying how to
  provide the data.
"""
from __future__ import annotations

from pathlib import Path

from vae_course.data import ENV_VAR, MNIST_FILES

HOW_TO = (f"point {ENV_VAR} at a folder holding the four original MNIST files "
          f"({', '.join(spec.name for spec in MNIST_FILES.values())}), e.g. "
          f"`export {ENV_VAR}=../shared/data/mnist`")


def in_ci(environ) -> bool:
    """True when the CI variable says so (GitHub, GitLab and most CI services set CI=true)."""
    return environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def locate_mnist(environ) -> tuple[str, Path | str]:
    """``("ok", folder)``, ``("skip", why)`` or ``("fail", why)`` for the environment ``environ``."""
    value = environ.get(ENV_VAR, "").strip()
    if not value:
        if in_ci(environ):
            return "fail", (f"CI is set but {ENV_VAR} is not: the tests that need real MNIST must run in CI, "
                            f"not be skipped; {HOW_TO} (.ci/run does this).")
        return "skip", f"{ENV_VAR} is not set, so the tests that need real MNIST are skipped; to run them, {HOW_TO}."
    folder = Path(value)
    if not folder.is_dir():
        return "fail", f"{ENV_VAR}={value} is not a folder; {HOW_TO}."
    missing = [spec.name for spec in MNIST_FILES.values() if not (folder / spec.name).is_file()]
    if missing:
        return "fail", f"{ENV_VAR}={value} lacks {', '.join(missing)}; {HOW_TO}."
    return "ok", folder
