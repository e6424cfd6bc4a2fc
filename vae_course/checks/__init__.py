"""Checks of the course's exercises: ``check_<name>(fn)`` for each function a learner writes.

A check runs the learner's function on many inputs (random shapes and values, extreme values,
gradients where they matter) against the package's tested reference. A wrong answer raises an
``AssertionError`` (:class:`CheckFailed`) whose message names the likely mistake without showing
code; a right one prints a single line starting with ✓ and returns None.

One module per lesson: ``binarization`` (01), ``diagonal_gaussians`` (02), ``log_variance`` (03),
``reparameterization`` (04), ``decoder_as_distribution`` (05), ``elbo`` (06),
``training_the_cvae`` (07); ``harness`` and ``compare`` hold what they share.
"""
from vae_course.checks.binarization import check_binarize
from vae_course.checks.decoder_as_distribution import check_bernoulli_log_likelihood
from vae_course.checks.diagonal_gaussians import check_log_normal_pdf
from vae_course.checks.elbo import check_elbo_single_sample, check_kl_standard_normal
from vae_course.checks.harness import CheckFailed
from vae_course.checks.log_variance import check_std_from_logvar
from vae_course.checks.reparameterization import check_reparameterize
from vae_course.checks.training_the_cvae import check_train_step

__all__ = ["CheckFailed", "check_binarize", "check_log_normal_pdf", "check_std_from_logvar", "check_reparameterize",
           "check_bernoulli_log_likelihood", "check_kl_standard_normal", "check_elbo_single_sample",
           "check_train_step"]
