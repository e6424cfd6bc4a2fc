"""Command line: ``vae-course train | progress | grade | make-exercises | figures`` (also ``python -m vae_course``).

This module only parses and dispatches: each command lives in its own module. Bad arguments get a
usage message and exit code 2, and nothing is written.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from vae_course.contracts import check_momentum, nonnegative_int, positive_int
from vae_course.training.config import PRESETS  # plain Python, like everything parsing needs

__all__ = ["build_parser", "main"]


def _int_type(check, wanted: str):
    """An argparse type from one of the integer checks of vae_course.contracts (no TensorFlow)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}") from None
        try:
            return check(value, "the value")
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {value}") from None

    return parse


_positive_int = _int_type(positive_int, "a positive integer (>= 1)")
_nonnegative_int = _int_type(nonnegative_int, "an integer >= 0")


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive finite number, got {text}")
    return value


def _momentum(text: str) -> float:
    try:
        return check_momentum(float(text), "the value")
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1) (0 turns averaging off), got {text!r}") from None


def _nonnegative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a finite number >= 0, got {text}")
    return value




def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vae-course", description="The vae-course command line.")
    sub = parser.add_subparsers(dest="command", required=True)
    train = sub.add_parser("train", help="train the CVAE on MNIST and write a run folder")
    train.add_argument("--preset", choices=sorted(PRESETS), default="course",
                       help="'course' (fast, the default) or 'tutorial' (the TF tutorial's settings)")
    train.add_argument("--epochs", type=_positive_int, help="passes over the training set (preset's default)")
    train.add_argument("--latent-dim", type=_positive_int, help="size of z (preset's default: 2)")
    train.add_argument("--batch-size", type=_positive_int, help="images per gradient step (preset's default)")
    train.add_argument("--learning-rate", type=_positive_float, help="Adam's peak learning rate (preset's default)")
    train.add_argument("--ema-momentum", type=_momentum, metavar="M",
                       help="moving average of the weights, 0 to turn it off (preset's default)")
    train.add_argument("--warmup-epochs", type=_nonnegative_float, metavar="E",
                       help="linear learning-rate warm-up before the cosine decay, 0 for none (preset's default)")
    train.add_argument("--seed", type=_nonnegative_int, help="seed for weights, batches and noise (default 0)")
    train.add_argument("--train-examples", type=_positive_int, help="use only the first N training images")
    train.add_argument("--iwae-k", type=_nonnegative_int, help="importance samples for the final log p(x) (0: skip)")
    train.add_argument("--out", type=Path, help="run folder (default runs/<preset>-latent<D>)")
    train.add_argument("--resume", type=Path, metavar="DIR", help="continue the interrupted run in DIR")
    train.add_argument("--data-dir", type=Path, help="folder with the MNIST .gz files (default $VAE_COURSE_DATA)")
    progress = sub.add_parser("progress", help="which exercises pass")
    progress.add_argument("folder", nargs="?", type=Path, default=Path("exercises"), metavar="WHAT",
                          help="the exercises folder (default exercises/), one notebook, or a number such as 03")
    grade = sub.add_parser("grade", help="grade a class's exercise notebooks, each learner isolated")
    grade.add_argument("submissions", type=Path, metavar="SUBMISSIONS",
                       help="folder with one folder per learner (or nbgrader's submitted/), or a .zip of it")
    grade.add_argument("--out", type=Path, required=True, metavar="OUT", help="folder for grades.csv, feedback/, ...")
    grade.add_argument("--workers", type=int, metavar="N", help="learners graded at once (default: the cores)")
    grade.add_argument("--timeout", type=_positive_float, metavar="S",
                       help="seconds per cell (default 60); a notebook gets 5 times that")
    grade.add_argument("--scheduler", metavar="ADDRESS", help="a Dask scheduler's address, e.g. tcp://host:8786")
    grade.add_argument("--regrade", action="store_true", help="grade every learner again, even unchanged ones")
    make = sub.add_parser("make-exercises", help="generate exercise notebooks from the solutions")
    make.add_argument("solutions", nargs="?", type=Path, default=Path("solutions"))
    make.add_argument("exercises", nargs="?", type=Path, default=Path("exercises"))
    figures = sub.add_parser("figures", help="write every figure of the lessons as PNG and SVG (for slides)")
    figures.add_argument("out", type=Path, help="folder for <lesson>_<name>.png and .svg")
    figures.add_argument("--only", action="append", metavar="GLOB", help="only figures matching, e.g. '09_*'")
    figures.add_argument("--data-dir", type=Path, help="folder with the MNIST .gz files (default $VAE_COURSE_DATA)")
    return parser


# TensorFlow's C++ log level, set before TensorFlow is imported: 3 hides its INFO, WARNING and ERROR
# start-up lines, e.g. "E0000 ... failed call to cuInit" on a machine without a GPU (not an error).
_TF_LOG_LEVEL = "3"


def _quiet_tensorflow(environ=os.environ) -> None:
    """Sets ``TF_CPP_MIN_LOG_LEVEL`` for a quiet first run, unless the user set it (their value wins).

    Takes effect only if TensorFlow is not imported yet, so :func:`main` calls it first.
    """
    environ.setdefault("TF_CPP_MIN_LOG_LEVEL", _TF_LOG_LEVEL)


def main(argv=None) -> int:
    started = time.perf_counter()  # the train command's wall time counts from here
    _quiet_tensorflow()  # before anything below imports TensorFlow
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "train":
        print("vae-course train: starting TensorFlow ...", file=sys.stderr, flush=True)  # a few silent seconds
        from vae_course.training.command import run_train

        return run_train(args, parser, started=started)
    if args.command == "figures":
        from vae_course.atomic_write import writable_folder_problem

        problem = writable_folder_problem(args.out)
        if problem:
            parser.error(f"OUT: {problem}; choose a folder you can write to.")
        from vae_course.tooling.figures import main as figures_main

        return figures_main(args.out, args.only, args.data_dir)
    if args.command == "grade":
        from vae_course.grading.command import grade_main

        return grade_main(args.submissions, args.out, args.workers, args.timeout, args.scheduler, args.regrade)
    if args.command == "progress":
        from vae_course.tooling.progress import progress_main

        return progress_main(args.folder)
    from vae_course.tooling.make_exercises import generate_main

    return generate_main(args.solutions, args.exercises)


if __name__ == "__main__":
    sys.exit(main())
