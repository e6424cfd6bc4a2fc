"""Where a train step's time goes: op-level profile of each preset's step on this CPU (issue 13).

    python benchmarks/profile_step.py [--steps 64] [--markdown benchmarks/PROFILE.md]

Runs each preset's train function as ``fit`` runs it (tutorial: one step per call, batch 32;
course: ``steps_per_call`` steps per call, batch 64) under TensorFlow's profiler, after a warm-up
that traces it, and sums the host time of every TensorFlow op by op type from the profiler's
XPlane trace. Shares are of the summed op (kernel) time; "wall" is the elapsed time of the profiled calls. On 2
cores the ops of one step partly overlap; wall time minus op time is roughly the framework's own
work (executor, function call, Python).
"""
from __future__ import annotations

import argparse
import collections
import glob
import os
import platform
import re
import tempfile
import time

import numpy as np
import tensorflow as tf

from vae_course.preprocessing import load_binarized_mnist
from vae_course.training import build, make_train_step, make_weight_average, preset
from vae_course.training.step import make_train_steps


def train_function(config, images):
    """The preset's compiled train function and a ``run(idx)`` that calls it on image indices (S, B)."""
    model, optimizer = build(config)
    average = make_weight_average(config, model)
    if config.steps_per_call == 1:
        step = make_train_step(model, optimizer, config.estimator, config.seed, average)
        return lambda idx: [step(tf.constant(images[row])).numpy() for row in idx]
    steps = make_train_steps(model, optimizer, config.estimator, config.seed, images.astype(np.uint8), average)
    return lambda idx: [steps(tf.constant(idx[i:i + config.steps_per_call], tf.int32)).numpy()
                        for i in range(0, len(idx), config.steps_per_call)]


OP_TYPE = re.compile(r"_?[A-Z][A-Za-z0-9]*")


def op_times(logdir) -> collections.Counter:
    """Seconds per op type, summed over the host plane's TensorFlow op events of the trace in ``logdir``."""
    from tensorflow.tsl.profiler.protobuf import xplane_pb2

    totals = collections.Counter()
    for path in glob.glob(os.path.join(logdir, "plugins", "profile", "*", "*.xplane.pb")):
        space = xplane_pb2.XSpace()
        with open(path, "rb") as f:
            space.ParseFromString(f.read())
        for plane in space.planes:
            if not plane.name.startswith("/host:CPU"):
                continue
            for line in plane.lines:
                for event in line.events:
                    name = plane.event_metadata[event.metadata_id].name
                    op_type = name.rsplit(":", 1)[-1].strip()
                    # "scope/op:OpType" kernel events; not the executor's and the function's enclosing events
                    if ":" in name and OP_TYPE.fullmatch(op_type) and op_type not in ("Process", "Run"):
                        totals[op_type] += event.duration_ps * 1e-12
    return totals


def profile(config, images, steps: int):
    run = train_function(config, images)
    rng = np.random.default_rng(0)
    idx = rng.permutation(len(images))[: (steps + 32) * config.batch_size].reshape(-1, config.batch_size)
    run(idx[:32])  # trace and warm up
    with tempfile.TemporaryDirectory() as logdir:
        tf.profiler.experimental.start(logdir)
        t0 = time.perf_counter()
        run(idx[32:32 + steps])
        wall = time.perf_counter() - t0
        tf.profiler.experimental.stop()
        return op_times(logdir), wall


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=64, help="profiled train steps per preset")
    parser.add_argument("--markdown", help="also write the table to this file")
    parser.add_argument("--top", type=int, default=14)
    args = parser.parse_args(argv)
    images = load_binarized_mnist()[0][0][:20000]
    lines = [f"Profiled on {platform.machine()}, {os.cpu_count()} CPU threads visible, TensorFlow {tf.__version__}; "
             f"{args.steps} steps per preset after a warm-up; load average at start {os.getloadavg()[0]:.1f}.", ""]
    for name in ("tutorial", "course"):
        config = preset(name)
        totals, wall = profile(config, images, args.steps)
        op_total = sum(totals.values())
        lines += [f"### `{name}` preset: batch {config.batch_size}, {config.steps_per_call} step(s) per call",
                  "", f"wall {1e3 * wall / args.steps:.1f} ms per step ({args.steps * config.batch_size / wall:,.0f} "
                  f"images/s); summed op time {1e3 * op_total / args.steps:.1f} ms per step", "",
                  "| op type | ms per step | share of op time |", "| --- | --- | --- |"]
        for op, seconds in totals.most_common(args.top):
            lines.append(f"| {op} | {1e3 * seconds / args.steps:.2f} | {100 * seconds / op_total:.1f} % |")
        rest = op_total - sum(s for _, s in totals.most_common(args.top))
        lines += [f"| (all other op types) | {1e3 * rest / args.steps:.2f} | {100 * rest / op_total:.1f} % |", ""]
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
