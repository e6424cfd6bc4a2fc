"""Copies a finished run's weights and report into vae_course/pretrained/ (maintainers only).

    python scripts/ship_pretrained.py runs/course-latent2 [--note "..."]

Writes cvae_latent<D>.weights.h5 and cvae_latent<D>.json (the run's report.json: command, seed,
versions, test ELBO, training time, model sizes), which vae_course.pretrained.load_pretrained reads.
"""
import argparse
import json
import shutil
from pathlib import Path

PRETRAINED = Path(__file__).resolve().parents[1] / "vae_course" / "pretrained"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("--note", default="", help="anything a reader of the provenance should know")
    args = parser.parse_args()
    report = json.loads((args.run / "report.json").read_text())
    if report["config"]["preset"] != "course":
        parser.error("only runs of the 'course' preset are shipped")
    d = report["model_config"]["latent_dim"]
    report["note"] = args.note
    report["metrics"] = (args.run / "metrics.csv").read_text()
    PRETRAINED.mkdir(exist_ok=True)
    shutil.copyfile(args.run / "model.weights.h5", PRETRAINED / f"cvae_latent{d}.weights.h5")
    (PRETRAINED / f"cvae_latent{d}.json").write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    print(f"shipped latent {d}: test ELBO {report['test_elbo']:.2f}")


if __name__ == "__main__":
    main()
