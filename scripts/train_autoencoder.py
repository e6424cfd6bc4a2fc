"""Trains the plain autoencoder that lesson 00 shows next to the VAE, and ships it (maintainers only).

    python scripts/train_autoencoder.py [--epochs 5] [--seed 0]

The autoencoder is the course's CVAE network (vae_course.models.CVAE, latent_dim 32) trained
*without* the VAE's two changes: the code is the encoder's mean, z = μ(x) (no noise, the
log-variance half of the last layer is unused), and the loss is the reconstruction term alone,
−log p(x | z) with the same Bernoulli decoder, no KL term. Adam, batches of 64, thresholded MNIST.

Writes vae_course/pretrained/autoencoder_latent32.weights.h5 and autoencoder_latent32.json (command,
settings, versions, test reconstruction cost, training time), which
vae_course.demos.autoencoder.load_autoencoder reads. About a minute per epoch on a 2-core CPU.
"""
import argparse
import json
import platform
import sys
import time
from pathlib import Path

PRETRAINED = Path(__file__).resolve().parents[1] / "vae_course" / "pretrained"
LATENT_DIM = 32


def train(epochs: int, seed: int, learning_rate: float = 1e-3, batch_size: int = 64):
    """Returns (model, record): the trained autoencoder and its provenance."""
    import numpy as np
    import tensorflow as tf

    from vae_course.distributions import bernoulli_log_likelihood
    from vae_course.models import CVAE
    from vae_course.preprocessing import load_binarized_mnist, make_dataset

    tf.keras.utils.set_random_seed(seed)
    (x_train, _), (x_test, _) = load_binarized_mnist()
    model = CVAE(latent_dim=LATENT_DIM)
    optimizer = tf.keras.optimizers.Adam(learning_rate)

    def reconstruction_cost(x):  # (B,) nats: -log p(x | z) at z = mu(x)
        mean, _ = model.encode(x)  # (B, D); the log-variances are ignored
        return -bernoulli_log_likelihood(x, model.decode(mean))

    @tf.function(reduce_retracing=True)
    def step(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(reconstruction_cost(x))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    start, history = time.perf_counter(), []
    for epoch in range(1, epochs + 1):
        losses = [float(step(x)) for x in make_dataset(x_train, batch_size, shuffle=True, seed=seed)]
        history.append(float(np.mean(losses)))
        print(f"epoch {epoch}: train reconstruction cost {history[-1]:.2f} nats", flush=True)
    seconds = time.perf_counter() - start
    test_cost = float(np.mean([reconstruction_cost(x_test[i:i + 1000]).numpy().mean()
                               for i in range(0, len(x_test), 1000)]))
    record = {
        "command": "python " + " ".join(sys.argv),
        "what": "plain autoencoder: the CVAE network of vae_course.models with z = mean(x), "
                "loss -log p(x|z) (Bernoulli), no noise and no KL term",
        "latent_dim": LATENT_DIM, "epochs": epochs, "seed": seed, "batch_size": batch_size,
        "learning_rate": learning_rate, "optimizer": "Adam", "data": "MNIST thresholded at 0.5",
        "train_cost_per_epoch": history, "test_reconstruction_cost": test_cost,
        "training_seconds": seconds,
        "versions": {"python": platform.python_version(), "tensorflow": tf.__version__},
        "machine": f"{platform.machine()} CPU, {platform.system()}",
    }
    return model, record


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    from vae_course.models import save_weights

    model, record = train(args.epochs, args.seed)
    save_weights(model, PRETRAINED / f"autoencoder_latent{LATENT_DIM}.weights.h5")
    (PRETRAINED / f"autoencoder_latent{LATENT_DIM}.json").write_text(json.dumps(record, indent=2, sort_keys=True) + "\n")
    print(f"shipped the autoencoder: test reconstruction cost {record['test_reconstruction_cost']:.2f} nats")


if __name__ == "__main__":
    main()
