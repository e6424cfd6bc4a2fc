"""``vae-course train``: validate the arguments, train, write the run folder (lesson 08)."""
from __future__ import annotations

import sys
import time
from pathlib import Path

__all__ = ["run_train"]

EXIT_USAGE, EXIT_FAILED, EXIT_INTERRUPTED = 2, 1, 130


def _config_from_args(args, parser):
    from vae_course.atomic_write import printable
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
            meta = read_checkpoint_meta(args.resume)  # its config checked too
        except (FileNotFoundError, ValueError) as err:
            parser.error(printable(err))
        return TrainConfig.from_dict(meta["config"]), args.resume
    try:
        config = preset(args.preset, epochs=args.epochs, latent_dim=args.latent_dim, batch_size=args.batch_size,
                        learning_rate=args.learning_rate, warmup_epochs=args.warmup_epochs,
                        ema_momentum=args.ema_momentum, seed=args.seed,
                        train_examples=args.train_examples, iwae_k=args.iwae_k)
    except ValueError as err:
        parser.error(printable(err))
    return config, args.out or Path("runs") / f"{config.preset}-latent{config.latent_dim}"


def run_train(args, parser, started: float | None = None) -> int:
    """Runs the ``train`` subcommand; returns the exit code.

    ``started``: ``time.perf_counter()`` when the command started; the wall time and its split
    (printed last and recorded in the report) count from there.
    """
    started = time.perf_counter() if started is None else started
    from vae_course.atomic_write import printable, writable_folder_problem
    from vae_course.training.lock import RunFolderBusy, run_folder_lock
    from vae_course.training.run_folder import refuse_existing_run

    config, out = _config_from_args(args, parser)
    problem = writable_folder_problem(out)
    if problem:
        parser.error(printable(f"--out: {problem}; choose a folder you can write to."))
    if args.resume is None:
        try:  # before MNIST is read: a usage error, nothing written
            refuse_existing_run(out)
        except FileExistsError as err:
            parser.error(f"--out: {err}")
    created = not out.exists()
    code = EXIT_FAILED
    try:
        with run_folder_lock(out):  # from the first file written to the report: no other training writes there
            code = _train(args, config, out, started)
    except RunFolderBusy as err:
        print(f"vae-course train: {err}", file=sys.stderr)
    finally:
        if code != 0 and created and out.is_dir() and not any(out.iterdir()):
            out.rmdir()  # a run that wrote nothing (e.g. MNIST missing) leaves no empty folder of ours
    return code


def _train(args, config, out, started) -> int:
    from vae_course.atomic_write import AtomicWriteError, printable
    from vae_course.data import MnistFileError
    from vae_course.preprocessing import load_binarized_mnist
    from vae_course.training.loop import fit
    from vae_course.training.stops import TrainingDiverged, TrainingInterrupted
    from vae_course.training.artefacts import EpochSnapshots
    from vae_course.training.evaluation import IWAE_SUBSET_SIZE, evaluation_subset
    from vae_course.training.progress import RunProgress
    from vae_course.training.report import write_final_report
    from vae_course.training.run_folder import has_checkpoint
    from vae_course.training.wall_clock import WallClock, describe_split

    clock = WallClock(started)
    shown = printable(out)

    def what_is_left() -> str:
        """What a learner can do now, as the run folder says it (a checkpoint or none yet)."""
        if has_checkpoint(out):
            return f"The run folder still holds the last complete checkpoint; continue with --resume {shown}."
        return "No checkpoint had been saved yet; run the same command again to start afresh."

    try:
        (x_train, _), (x_test, y_test) = load_binarized_mnist(args.data_dir)
    except MnistFileError as err:
        print(f"vae-course train: {printable(err)}", file=sys.stderr)
        return EXIT_FAILED
    print(f"training preset '{config.preset}' (latent {config.latent_dim}, {config.epochs} epochs, batch "
          f"{config.batch_size}, lr {config.learning_rate:g} {config.lr_schedule}"
          f"{f' after {config.warmup_epochs:g} epochs of warm-up' if config.warmup_epochs else ''}, "
          f"{config.estimator} ELBO"
          f"{f', weight average {config.ema_momentum:g}' if config.ema_momentum else ''}) -> {shown}")
    snapshots = EpochSnapshots(out, config)
    try:
        # after fit, in per-epoch evaluations (for the run's ETA, roughly): the final ELBO on all test
        # images, the IWAE bound (K decoder passes for each image of its subset) and the figures (~1)
        per_epoch = len(evaluation_subset(config.test_examples, config.epoch_test_images))
        after = 1 + (len(x_test) + config.iwae_k * min(IWAE_SUBSET_SIZE, len(x_test))) / per_epoch
        model, metrics = fit(config, out, (x_train, x_test), resume=args.resume is not None,
                             on_epoch_end=snapshots, clock=clock,
                             progress=RunProgress(config, per_epoch, work_after_fit=after))
        report = write_final_report(out, model, config, metrics, x_test, y_test, argv=sys.argv, clock=clock)
    except AtomicWriteError as err:  # e.g. a full disk: the file it names kept its previous content
        print(f"\nvae-course train: {printable(err)} Once the problem is fixed: {what_is_left()}", file=sys.stderr)
        return EXIT_FAILED
    except TrainingInterrupted as err:
        print(f"\n{err}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except TrainingDiverged as err:
        print(f"\nvae-course train: {err}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(f"\ninterrupted. {what_is_left()}", file=sys.stderr)
        return EXIT_INTERRUPTED
    missing = snapshots.missing(len(metrics))
    if missing:  # frames of earlier epochs cannot be made again: their weights are gone
        print(f"note: {', '.join(printable(p.relative_to(out)) for p in missing)} missing (deleted, or never "
              f"written because the run was killed) and cannot be made again: the weights of "
              f"{'that epoch are' if len(missing) == 1 else 'those epochs are'} gone. samples.gif shows the other "
              f"{len(metrics) - len(missing)} epochs.", file=sys.stderr)
    print(f"\nDone. Test ELBO {report['test_elbo']:.2f} nats (analytic KL, {report['test_examples']} test images)"
          + (f"; log p(x) >= {report['iwae']:.2f} ± {report['iwae_standard_error']:.2f} (IWAE, K={config.iwae_k}, "
             f"estimated from {report['iwae_subset_size']} test images, ± one standard error)"
             if config.iwae_k else ""))
    print(f"Results in {shown}/: report.md, metrics.csv, samples.gif, reconstructions.png, weights "
          f"(model.weights.h5){', latent_manifold.png, latent_scatter.png' if config.latent_dim == 2 else ''}.")
    print(describe_split(report["wall_split"]).capitalize() + ".")
    return 0
