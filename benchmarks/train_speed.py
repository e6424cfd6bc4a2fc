"""Tutorial preset vs course preset, trained in one process on the same data (issue: training).

    python benchmarks/train_speed.py            # full: 10 tutorial epochs, then 10 course epochs (~10 min)
    python benchmarks/train_speed.py --quick    # smoke run on 6,000 images (< 3 min)

Prints (a) the images/s of each preset, (b) the time the course preset needs to reach the
tutorial preset's final test ELBO, as a ratio of the tutorial's training time, and (c) both
final test ELBOs from the same estimator (analytic KL, same eps seed, same test images).
Times count train steps only (evaluations are excluded for both presets); the course preset is
evaluated every eighth of an epoch until it reaches the target.
"""
from __future__ import annotations

import argparse
import io
import json
import tempfile
import time

from vae_course.losses import evaluate
from vae_course.preprocessing import load_binarized_mnist
from vae_course.training import fit
from vae_course.training import averaged, preset


class TimedSteps:
    """``wrap_step`` for fit: times each train step and, until ``target`` is reached, evaluates."""

    def __init__(self, x_test, eval_every=None, target=None, seed=0):
        self.x_test, self.eval_every, self.target, self.seed = x_test, eval_every, target, seed
        self.seconds, self.images, self.steps, self.reached_at, self.curve = 0.0, 0, 0, None, []

    def __call__(self, step, model, average):
        def timed(x):
            t0 = time.perf_counter()
            loss = step(x)
            loss.numpy()  # the step has finished
            self.seconds += time.perf_counter() - t0
            self.images += int(x.shape[0])
            self.steps += 1
            if self.eval_every and self.reached_at is None and self.steps % self.eval_every == 0:
                with averaged(average):  # what fit evaluates and returns
                    elbo = evaluate(model, self.x_test, seed=self.seed)
                self.curve.append((self.seconds, elbo))
                if self.target is not None and elbo >= self.target:
                    self.reached_at = self.seconds
            return loss
        return timed


def run(config, data, x_test, timer):
    with tempfile.TemporaryDirectory() as out:
        model, metrics = fit(config, out, data, wrap_step=timer, stream=io.StringIO())
    return model, metrics, evaluate(model, x_test, seed=0)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="6,000 training and 2,000 test images")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)
    (x_train, _), (x_test, _) = load_binarized_mnist()
    n_train, n_test = (6000, 2000) if args.quick else (60000, 10000)
    data, x_test = (x_train[:n_train], x_test[:n_test]), x_test[:n_test]
    size = dict(train_examples=n_train, test_examples=n_test, iwae_k=0)

    tutorial = TimedSteps(x_test)
    _, tut_metrics, tut_elbo = run(preset("tutorial", **size), data, x_test, tutorial)
    course_cfg = preset("course", **size)
    course = TimedSteps(x_test, eval_every=max(1, course_cfg.steps_per_epoch() // 8), target=tut_elbo)
    _, course_metrics, course_elbo = run(course_cfg, data, x_test, course)

    results = {
        "train_images": n_train, "test_images": n_test,
        "tutorial": {"images_per_s": tutorial.images / tutorial.seconds, "train_seconds": tutorial.seconds,
                     "seconds_per_epoch": tutorial.seconds / len(tut_metrics), "final_test_elbo": tut_elbo},
        "course": {"images_per_s": course.images / course.seconds, "train_seconds": course.seconds,
                   "seconds_per_epoch": course.seconds / len(course_metrics), "final_test_elbo": course_elbo,
                   "seconds_to_tutorial_elbo": course.reached_at},
    }
    results["speedup_to_tutorial_elbo"] = (tutorial.seconds / course.reached_at) if course.reached_at else None
    t, c = results["tutorial"], results["course"]
    print(f"(a) images/s: tutorial {t['images_per_s']:.0f} ({t['seconds_per_epoch']:.1f} s/epoch), "
          f"course {c['images_per_s']:.0f} ({c['seconds_per_epoch']:.1f} s/epoch); "
          f"ratio course/tutorial {c['images_per_s'] / t['images_per_s']:.2f}")
    if course.reached_at:
        print(f"(b) course reaches the tutorial's final test ELBO ({tut_elbo:.2f}) after {course.reached_at:.1f} s "
              f"of training; tutorial trained {tutorial.seconds:.1f} s: 1/{results['speedup_to_tutorial_elbo']:.2f} "
              f"of the time")
    else:
        print(f"(b) course never reached the tutorial's final test ELBO ({tut_elbo:.2f})")
    print(f"(c) final test ELBO (analytic KL, {n_test} test images, same eps): tutorial {tut_elbo:.2f}, "
          f"course {course_elbo:.2f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    return results


if __name__ == "__main__":
    main()
