"""Tutorial preset vs course preset, trained in one process on the same data (issue 13).

    python benchmarks/train_speed.py            # full (~10 min on a free 2-core CPU)
    python benchmarks/train_speed.py --quick    # smoke run on 6,000 images (a few minutes)

Prints and writes to ``benchmarks/results/train_speed.json`` (``--quick``: ``train_speed_quick.json``;
``--json`` to change):

(a) images/s of each preset's train steps during its run, and the course/tutorial ratio measured
    in interleaved rounds in this process (robust to other load on a shared machine);
(b) time to quality: the train-step time the course preset needs to reach the tutorial preset's
    final test ELBO, as a fraction of the tutorial preset's train-step time. The course run is
    evaluated (averaged weights, all test images) after every 1/16 epoch; it is also given as
    epochs to the target, converted with the interleaved images/s ratio;
(c) both final test ELBOs (same estimator, eps seed and test images);
(d) the wall time of a default ``vae-course train`` (a child process, as ``make train`` runs it),
    its split, and the ratio wall time / train-step time.

Times count train steps only (evaluations excluded for both presets). The tutorial preset runs one
step per compiled call, as the tutorial's own code does; the course preset runs ``steps_per_call``.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import tensorflow as tf

from vae_course.preprocessing import load_binarized_mnist
from vae_course.training import averaged, build, fit, make_train_step, make_weight_average, preset
from vae_course.training.evaluation import Evaluator
from vae_course.training.step import make_train_steps

RESULTS = Path(__file__).resolve().parent / "results" / "train_speed.json"


class Reached(Exception):
    """Raised by the course run's timer once the target is reached (the rest of its run is not needed)."""


class TimedCalls:
    """``wrap_step`` for fit: times each call of the train function; with a target, evaluates the
    averaged weights after every ``1/grid`` epoch and stops the run once they reach it."""

    def __init__(self, x_test, steps_per_epoch, target=None, grid=16, seed=0):
        self.x_test, self.spe, self.target, self.grid, self.seed = x_test, steps_per_epoch, target, grid, seed
        self.seconds, self.images, self.steps, self.reached, self.curve = 0.0, 0, 0, None, []

    def __call__(self, train_steps, model, average):
        evaluator = Evaluator(model, self.x_test, self.seed) if self.target is not None else None

        def timed(idx):
            t0 = time.perf_counter()
            losses = train_steps(idx).numpy()  # the steps have finished
            self.seconds += time.perf_counter() - t0
            before, self.steps = self.steps, self.steps + int(idx.shape[0])
            self.images += int(idx.shape[0]) * int(idx.shape[1])
            if evaluator is not None and self.steps * self.grid // self.spe > before * self.grid // self.spe:
                with averaged(average):
                    elbo = evaluator.elbo()
                self.curve.append({"epochs": self.steps / self.spe, "train_seconds": self.seconds, "test_elbo": elbo})
                if elbo >= self.target:
                    self.reached = self.curve[-1]
                    raise Reached
            return losses
        return timed


def interleaved_images_per_s(images, rounds: int, calls_per_round: int = 2) -> dict:
    """images/s of each preset's train function, measured in alternating rounds in this process."""
    runs = {}
    for name in ("tutorial", "course"):
        config = preset(name)
        model, optimizer = build(config)
        average = make_weight_average(config, model)
        rng = np.random.default_rng(1)
        per_call = config.steps_per_call * config.batch_size if config.steps_per_call > 1 else config.batch_size
        if config.steps_per_call == 1:
            step = make_train_step(model, optimizer, config.estimator, config.seed, average)
            fn = lambda idx, step=step: step(tf.constant(images[idx[0]])).numpy()  # noqa: E731
        else:
            steps = make_train_steps(model, optimizer, config.estimator, config.seed, images.astype(np.uint8), average)
            fn = lambda idx, steps=steps: steps(tf.constant(idx, tf.int32)).numpy()  # noqa: E731
        shape = (config.steps_per_call, config.batch_size)
        draw = lambda rng=rng, shape=shape: rng.integers(0, len(images), shape).astype(np.int32)  # noqa: E731
        fn(draw())  # trace
        runs[name] = {"fn": fn, "draw": draw, "images": per_call, "seconds": []}
    for _ in range(rounds):
        for run in runs.values():
            n = max(1, 16 * calls_per_round // (run["images"] // 32))  # about the same work per round
            t0 = time.perf_counter()
            for _ in range(n):
                run["fn"](run["draw"]())
            run["seconds"].append((time.perf_counter() - t0) / (n * run["images"]))  # seconds per image
    per_image = {name: np.array(run["seconds"]) for name, run in runs.items()}
    ratio = per_image["tutorial"] / per_image["course"]  # (rounds,) course speed / tutorial speed
    return {"tutorial_images_per_s": float(1 / np.median(per_image["tutorial"])),
            "course_images_per_s": float(1 / np.median(per_image["course"])),
            "course_over_tutorial": float(np.median(ratio)), "rounds": rounds,
            "ratio_quartiles": [float(np.quantile(ratio, 0.25)), float(np.quantile(ratio, 0.75))]}


def default_run(extra_args) -> dict:
    """Runs ``vae-course train`` in a child process and returns its report (wall time and split)."""
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "vae_course", "train", "--out", f"{out}/run", *extra_args], check=True)
        outside = time.perf_counter() - t0
        report = json.loads(Path(f"{out}/run/report.json").read_text())
    split = report["wall_split"]
    return {"command": "vae-course train " + " ".join(extra_args), "wall_seconds": split["wall"],
            "process_seconds": outside, "split": split, "train_seconds": split["train steps"],
            "wall_over_train": split["wall"] / split["train steps"], "test_elbo": report["test_elbo"],
            "iwae": report["iwae"], "iwae_standard_error": report["iwae_standard_error"]}


def machine() -> dict:
    model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
                 platform.processor()) if os.path.exists("/proc/cpuinfo") else platform.processor()
    return {"cpu": model, "cpu_threads": os.cpu_count(), "machine": platform.machine(),
            "python": platform.python_version(),
            "tensorflow": tf.__version__, "load_average_at_start": os.getloadavg()[0]}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="6,000 training and 2,000 test images")
    parser.add_argument("--json", type=Path, help=f"where to write the figures (default {RESULTS}, or "
                        f"{RESULTS.with_name('train_speed_quick.json')} with --quick)")
    args = parser.parse_args(argv)
    if args.json is None:  # a smoke run never replaces the committed figures
        args.json = RESULTS.with_name("train_speed_quick.json") if args.quick else RESULTS
    results = {"machine": machine(), "quick": args.quick}
    (x_train, _), (x_test, _) = load_binarized_mnist()
    n_train, n_test = (6000, 2000) if args.quick else (60000, 10000)
    data, x_test = (x_train[:n_train], x_test[:n_test]), x_test[:n_test]
    size = dict(train_examples=n_train, test_examples=n_test, iwae_k=0)

    tut_cfg = preset("tutorial", **size)
    tutorial = TimedCalls(x_test, tut_cfg.steps_per_epoch())
    with tempfile.TemporaryDirectory() as out:
        tut_model, tut_metrics = fit(tut_cfg, out, data, wrap_step=tutorial, stream=io.StringIO())
    target = Evaluator(tut_model, x_test, seed=0).elbo()  # all test images (fit's per-epoch figure uses a subset)
    course_cfg = preset("course", **size)
    course = TimedCalls(x_test, course_cfg.steps_per_epoch(), target=target)
    with tempfile.TemporaryDirectory() as out:
        try:
            fit(course_cfg, out, data, wrap_step=course, stream=io.StringIO())
        except Reached:
            pass
    speed = interleaved_images_per_s(x_train[:n_train], rounds=6 if args.quick else 12)
    results["tutorial"] = {"preset": tut_cfg.__dict__, "images_per_s": tutorial.images / tutorial.seconds,
                           "train_seconds": tutorial.seconds, "epochs": len(tut_metrics), "final_test_elbo": target}
    results["course"] = {"preset": course_cfg.__dict__, "images_per_s": course.images / course.seconds,
                         "reached": course.reached, "curve": course.curve}
    results["interleaved_speed"] = speed
    t, c = results["tutorial"], results["course"]
    print(f"(a) images/s during the runs: tutorial {t['images_per_s']:.0f}, course {c['images_per_s']:.0f}; "
          f"interleaved "
          f"in this process: tutorial {speed['tutorial_images_per_s']:.0f}, course {speed['course_images_per_s']:.0f}, "
          f"ratio course/tutorial {speed['course_over_tutorial']:.2f} (quartiles {speed['ratio_quartiles'][0]:.2f}-"
          f"{speed['ratio_quartiles'][1]:.2f})")
    if course.reached:
        r = course.reached
        results["time_to_quality"] = {
            "course_seconds": r["train_seconds"], "tutorial_seconds": tutorial.seconds,
            "fraction": r["train_seconds"] / tutorial.seconds, "course_epochs": r["epochs"],
            "fraction_from_interleaved_speed": r["epochs"] / len(tut_metrics) / speed["course_over_tutorial"]}
        q = results["time_to_quality"]
        print(f"(b) the course preset reaches the tutorial preset's final test ELBO ({target:.2f}) after "
              f"{r['epochs']:.3f} epochs, {r['train_seconds']:.1f} s of train steps; the tutorial preset trained "
              f"{tutorial.seconds:.1f} s: "
              f"1/{1 / q['fraction']:.2f} of its time (from epochs and the interleaved speed ratio: "
              f"1/{1 / q['fraction_from_interleaved_speed']:.2f})")
    else:
        results["time_to_quality"] = None
        print(f"(b) the course preset never reached the tutorial preset's final test ELBO ({target:.2f})")
    extra = ["--train-examples", str(n_train)] if args.quick else []
    run = default_run(extra)
    results["default_run"] = run
    print(f"(c) final test ELBO (analytic KL, {n_test} test images, same eps): tutorial {target:.2f}, "
          f"course (default run, {len(x_test)} test images) {run['test_elbo']:.2f}")
    split = ", ".join(f"{k} {v:.0f} s" for k, v in run["split"].items() if k != "wall")
    print(f"(d) default run `{run['command']}`: wall time {run['wall_seconds']:.0f} s ({split}); "
          f"wall / train steps = {run['wall_over_train']:.2f}")
    results["machine"]["load_average_at_end"] = os.getloadavg()[0]
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2) + "\n")
    return results


if __name__ == "__main__":
    main()
