"""Training configuration and presets (lessons 08 and 10).

Two presets: ``tutorial`` reproduces the TF CVAE tutorial's settings exactly and is the
reference; ``course`` is tuned for time-to-quality on a 2-core laptop CPU (see
benchmarks/train_speed.py for the measurement).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from vae_course.losses import ESTIMATORS
from vae_course.validation import positive_int

__all__ = ["TrainConfig", "LIMITS", "LEGACY_VALUES", "PRESETS", "preset"]


@dataclass(frozen=True)
class TrainConfig:
    preset: str = "course"  # name of the preset these values started from
    latent_dim: int = 2  # D, size of z
    epochs: int = 10  # passes over the training images
    batch_size: int = 64  # images per gradient step
    learning_rate: float = 4e-3  # Adam's (peak) learning rate, 40x the tutorial's
    lr_schedule: str = "cosine"  # "constant", or "cosine": decay to 0 over all steps
    warmup_epochs: float = 0.0  # the rate first rises linearly from 0 over these epochs (course preset: 0.25)
    estimator: str = "analytic"  # "analytic" KL (less noisy gradients early on) or "mc" single-sample ELBO (tutorial)
    ema_momentum: float = 0.99  # evaluate and save a moving average of the weights (weight_average.py; 0: off)
    seed: int = 0  # seeds weights, batch order and eps: same seed, same run
    train_examples: int = 60000  # first N training images (smaller for smoke runs and tests)
    test_examples: int = 10000  # first N test images for the test ELBOs
    epoch_test_images: int = 2000  # per-epoch test ELBO on a fixed random subset of them (the report uses all)
    iwae_k: int = 100  # importance samples for the final log p(x) estimate (0: skip)
    steps_per_call: int = 16  # train steps per compiled call (speed only: the same weights for any value)

    def __post_init__(self):
        problems = []
        for name, minimum in (("latent_dim", 1), ("epochs", 1), ("batch_size", 1), ("epoch_test_images", 1),
                              ("steps_per_call", 1), ("iwae_k", 0), ("seed", 0)):
            try:
                positive_int(getattr(self, name), name, minimum)
            except ValueError as err:
                problems.append(str(err).rstrip("."))
        for name, maximum, why in LIMITS:
            value = getattr(self, name)
            if isinstance(value, int) and value > maximum:
                problems.append(f"{name} must be at most {maximum} ({why}), got {value}")
        if not self.learning_rate > 0:
            problems.append(f"learning_rate must be > 0, got {self.learning_rate}")
        if self.lr_schedule not in ("constant", "cosine"):
            problems.append(f"lr_schedule must be 'constant' or 'cosine', got {self.lr_schedule!r}")
        if not 0 <= self.warmup_epochs < self.epochs:
            problems.append(f"warmup_epochs must be in [0, epochs), got {self.warmup_epochs} for {self.epochs} epochs")
        if self.estimator not in ESTIMATORS:
            problems.append(f"estimator must be one of {ESTIMATORS}, got {self.estimator!r}")
        if not 1 <= self.train_examples <= 60000 or not 1 <= self.test_examples <= 10000:
            problems.append("train_examples must be in 1..60000 and test_examples in 1..10000")
        if not 0 <= self.ema_momentum < 1:
            problems.append(f"ema_momentum must be in [0, 1) (0 turns weight averaging off), got {self.ema_momentum}")
        if problems:
            raise ValueError("invalid training configuration: " + "; ".join(problems) + ".")

    def steps_per_epoch(self) -> int:
        return -(-self.train_examples // self.batch_size)

    def replace(self, **changes) -> "TrainConfig":
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_dict(cls, saved: dict) -> "TrainConfig":
        """The config a run folder recorded; settings added since then take their *off* value."""
        return cls(**{**LEGACY_VALUES, **saved})


# Upper bounds, so that a typo fails at once with a clear message instead of a traceback or an
# out-of-memory crash after the start-up: (field, largest value, why).
LIMITS = (
    ("seed", 2**32 - 1, "TensorFlow and NumPy seeds are 32-bit"),
    ("latent_dim", 784, "no more than the pixels of an image; the course uses 2 to 64"),
    ("batch_size", 4096, "a batch's activations and gradients must fit in memory; the presets use 32 and 64"),
    ("iwae_k", 5000, "importance samples per image; the course uses 100"),
)

# Values of settings that runs recorded before the setting existed (they trained without it).
LEGACY_VALUES = {"ema_momentum": 0.0, "steps_per_call": 1, "warmup_epochs": 0.0, "epoch_test_images": 10000}


PRESETS = {
    # The TF CVAE tutorial, exactly: latent 2, batch 32, Adam 1e-4, 10 epochs, single-sample MC ELBO,
    # one train step per compiled call as in the tutorial's code (the speed reference).
    "tutorial": TrainConfig(preset="tutorial", latent_dim=2, epochs=10, batch_size=32, learning_rate=1e-4,
                            lr_schedule="constant", warmup_epochs=0.0, estimator="mc", ema_momentum=0.0,
                            steps_per_call=1),
    # Measured on a 2-core CPU (benchmarks/train_speed.py): batch 64, Adam 4e-3 after a linear warm-up
    # over the first quarter epoch, decayed to 0 by a cosine schedule over 10 epochs, the analytic KL
    # (less noisy gradients early in training), a moving average of the weights (it averages out the
    # noise of the large steps), and 16 steps per compiled call.
    "course": TrainConfig(preset="course", warmup_epochs=0.25),
}


def preset(name: str, **overrides) -> TrainConfig:
    """The named preset, with some fields replaced (e.g. ``epochs=3``)."""
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose one of {sorted(PRESETS)}.")
    return PRESETS[name].replace(**{k: v for k, v in overrides.items() if v is not None})
