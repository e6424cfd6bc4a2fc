"""``vae-course train``: validate the arguments, train, write the run folder (lesson 08)."""
from __future__ import annotations

import sys
import time
from pathlib import Path

__all__ = ["run_train"]

EXIT_USAGE, EXIT_FAILED, EXIT_INTERRUPTED = 2, 1, 130


def _config_from_args(args, parser):
    from vae_course.training.config import TrainConfig, preset
    from vae_course.training.run_folder import read_checkpoint_meta

    if args.resume is not None:
        settings = ("epochs", "latent_dim", "batch_size", "learning_rate", "warmup_epochs", "ema_momentum", "seed",
                    "train_examples", "iwae_k")
        given = [f"--{k.replace('_', '-')}" for k in settings if getattr(args, k) is not None]
        given += ["--out"] if args.out is not None else []
        if given:
            parser.error(f"--resume continues a run with its saved settings; drop {', '.join(given)}.")
        try:
            meta = read_checkpoint_meta(args.resume)
        except (FileNotFoundError, ValueError) as err:
            parser.error(str(err))
        return TrainConfig.from_dict(meta["config"]), args.resume
    try:
        config = preset(args.preset, epochs=args.epochs, latent_dim=args.latent_dim, batch_size=args.batch_size,
                        learning_rate=args.learning_rate, warmup_epochs=args.warmup_epochs,
                        ema_momentum=args.ema_momentum, seed=args.seed,
                        train_examples=args.train_examples, iwae_k=args.iwae_k)
    except ValueError as err:
        parser.error(str(err))
    return config, args.out or Path("runs") / f"{config.preset}-latent{config.latent_dim}"


def run_train(args, parser, started: float | None = None) -> int:
    """Runs the ``train`` subcommand; returns the exit code.

    ``started``: ``time.perf_counter()`` when the command started; the wall time and its split
    (printed last and recorded in the report) count from there.
    """
    started = time.perf_counter() if started is None else started
    from vae_course.atomic_write import AtomicWriteError, writable_folder_problem
    from vae_course.training.run_folder import has_checkpoint

    config, out = _config_from_args(args, parser)
    problem = writable_folder_problem(out)
    if problem:
        parser.error(f"--out: {problem}; choose a folder you can write to.")
    if args.resume is None and has_checkpoint(out):
        parser.error(f"--out: {out} already holds a run; continue it with --resume {out} or choose another folder.")

    from vae_course.data import MnistFileError
    from vae_course.preprocessing import load_binarized_mnist
    from vae_course.training.loop import TrainingDiverged, TrainingInterrupted, fit
    from vae_course.training.evaluation import IWAE_SUBSET_SIZE
    from vae_course.training.report import EpochSnapshots, write_final_report
    from vae_course.training.wall_clock import WallClock, describe_split

    clock = WallClock(started)

    try:
        (x_train, _), (x_test, y_test) = load_binarized_mnist(args.data_dir)
    except MnistFileError as err:
        print(f"vae-course train: {err}", file=sys.stderr)
        return EXIT_FAILED
    print(f"training preset '{config.preset}' (latent {config.latent_dim}, {config.epochs} epochs, batch "
          f"{config.batch_size}, lr {config.learning_rate:g} {config.lr_schedule}"
          f"{f' after {config.warmup_epochs:g} epochs of warm-up' if config.warmup_epochs else ''}, "
          f"{config.estimator} ELBO"
          f"{f', weight average {config.ema_momentum:g}' if config.ema_momentum else ''}) -> {out}")
    snapshots = EpochSnapshots(out, config)
    try:
        # after fit, in per-epoch evaluations (for the run's ETA, roughly): the final ELBO on all test
        # images, the IWAE bound (K decoder passes for each image of its subset) and the figures (~1)
        per_epoch = min(config.epoch_test_images, config.test_examples)
        after = 1 + (len(x_test) + config.iwae_k * min(IWAE_SUBSET_SIZE, len(x_test))) / per_epoch
        model, metrics = fit(config, out, (x_train, x_test), resume=args.resume is not None,
                             on_epoch_end=snapshots, clock=clock, work_after_fit=after)
        report = write_final_report(out, model, config, metrics, x_test, y_test, argv=sys.argv, clock=clock)
    except AtomicWriteError as err:  # e.g. a full disk: the file it names kept its previous content
        print(f"\nvae-course train: {err} The run folder still holds the last complete checkpoint; once the "
              f"problem is fixed, continue with --resume {out}.", file=sys.stderr)
        return EXIT_FAILED
    except TrainingInterrupted as err:
        print(f"\n{err}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except TrainingDiverged as err:
        print(f"\nvae-course train: {err}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(f"\ninterrupted; the last checkpoint in {out} is intact. Continue with --resume {out}.", file=sys.stderr)
        return EXIT_INTERRUPTED
    print(f"\nDone. Test ELBO {report['test_elbo']:.2f} nats (analytic KL, {report['test_examples']} test images)"
          + (f"; log p(x) >= {report['iwae']:.2f} ± {report['iwae_standard_error']:.2f} (IWAE, K={config.iwae_k}, "
             f"estimated from {report['iwae_subset_size']} test images, ± one standard error)"
             if config.iwae_k else ""))
    print(f"Results in {out}/: report.md, metrics.csv, samples.gif, reconstructions.png, weights "
          f"(model.weights.h5){', latent_manifold.png, latent_scatter.png' if config.latent_dim == 2 else ''}.")
    print(describe_split(report["wall_split"]).capitalize() + ".")
    return 0
