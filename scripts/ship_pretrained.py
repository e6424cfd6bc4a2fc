"""Copies a finished run's weights and report into vae_course/pretrained/ (maintainers only).

    python scripts/ship_pretrained.py runs/course-latent2 [--note "..."]

Writes cvae_latent<D>.weights.h5 and cvae_latent<D>.json (the run's report.json: command, seed,
versions, test ELBO, training time, model sizes, and under ``sha256`` the SHA-256 of each shipped
file), which vae_course.pretrained.load_pretrained reads and checks. For latent 2 the run's
samples.gif is shipped too, as cvae_latent2_samples.gif (lesson 08 shows it).

A run's report gives log p(x) as the subset estimate (all-image ELBO + the mean IWAE-ELBO gap of
500 fixed test images, with its standard error). The shipped record keeps that estimate under
``iwae_subset`` and gives ``iwae`` as the bound on all 10,000 test images, which this script
computes once (a few minutes on 2 cores); tests/test_pretrained.py recomputes both.
"""
import argparse
import json
import shutil
from pathlib import Path

PRETRAINED = Path(__file__).resolve().parents[1] / "vae_course" / "pretrained"


def _all_image_iwae(run: Path, report: dict) -> float:
    """The importance-weighted bound (K from the run) averaged over all 10,000 test images."""
    from vae_course.losses import evaluate
    from vae_course.models import CVAE, ModelConfig, load_weights
    from vae_course.preprocessing import load_binarized_mnist

    config = report["model_config"]
    model = load_weights(CVAE(config=ModelConfig(**{**config, "filters": tuple(config["filters"])})),
                         run / "model.weights.h5")
    _, (x_test, _) = load_binarized_mnist()
    return evaluate(model, x_test, k=report["iwae_k"], batch_size=100)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("--note", default="", help="anything a reader of the provenance should know")
    args = parser.parse_args()
    report = json.loads((args.run / "report.json").read_text())
    if report["config"]["preset"] != "course":
        parser.error("only runs of the 'course' preset are shipped")
    d = report["model_config"]["latent_dim"]
    report["iwae_subset"] = {
        "estimate": report.pop("iwae"), "standard_error": report.pop("iwae_standard_error"),
        "size": report.pop("iwae_subset_size"), "estimator": report.pop("iwae_estimator")}
    report["iwae"] = _all_image_iwae(args.run, report)
    report["note"] = args.note
    report["metrics"] = (args.run / "metrics.csv").read_text()
    from vae_course.atomic_write import atomic_write_json
    from vae_course.pretrained import sha256_of

    PRETRAINED.mkdir(exist_ok=True)
    shipped = {"model.weights.h5": f"cvae_latent{d}.weights.h5"}
    if d == 2:
        shipped["samples.gif"] = "cvae_latent2_samples.gif"
    for source, name in shipped.items():
        shutil.copyfile(args.run / source, PRETRAINED / name)
    report["sha256"] = {name: sha256_of(PRETRAINED / name) for name in shipped.values()}
    atomic_write_json(PRETRAINED / f"cvae_latent{d}.json", report)
    print(f"shipped latent {d}: test ELBO {report['test_elbo']:.2f}")


if __name__ == "__main__":
    main()
