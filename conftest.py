"""Project-wide pytest set-up: quiet TensorFlow once, here, for tests and notebook kernels.

TensorFlow's C++ layer writes start-up lines to the process's stderr (oneDNN, CUDA, CPU
features) with timestamps; ``TF_CPP_MIN_LOG_LEVEL`` no longer silences all of them. nbval
compares stderr streams like any other output, so those lines would make every notebook differ
from its stored outputs. This file therefore (1) sets the environment that notebook kernels
inherit, and (2) makes nbval ignore stderr streams when it compares a cell with its stored
outputs. Errors still fail a cell: they arrive as ``error`` outputs, not as stderr text.
"""
import os

# Set before anything imports TensorFlow; kernels started by nbval inherit these.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("PYTHONWARNINGS", "ignore")
os.environ.setdefault("KMP_WARNINGS", "0")

import matplotlib

matplotlib.use("Agg")  # the test process draws off-screen; kernels keep their inline backend

try:
    from nbval.plugin import IPyNbCell
except ImportError:  # nbval missing: plain unit tests still run
    IPyNbCell = None


def _without_stderr(outputs):
    return [o for o in outputs if not (o.get("output_type") == "stream" and o.get("name") == "stderr")]


if IPyNbCell is not None and not getattr(IPyNbCell.compare_outputs, "_vae_course_patched", False):
    _compare_outputs = IPyNbCell.compare_outputs

    def compare_outputs(self, test, ref, skip_compare=None):
        return _compare_outputs(self, _without_stderr(test), _without_stderr(ref), skip_compare)

    compare_outputs._vae_course_patched = True
    IPyNbCell.compare_outputs = compare_outputs
