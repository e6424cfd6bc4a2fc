"""Checks of the course's exercises: ``check_<name>(fn)`` for each function a learner writes.

A check runs the learner's function on many inputs (random shapes and values, extreme values,
gradients where they matter) against the package's tested reference. A wrong answer raises an
``AssertionError`` (:class:`CheckFailed`) whose message names the likely mistake without showing
code and ends with the hint call to try next (``hint("<name>")``, see :mod:`vae_course.hints`); a
right one prints a single line starting with ✓ and returns None. Called without an argument, a
check finds the learner's function by its name in the caller's globals.

One module per topic: ``binarization``, ``dynamic_binarization`` (01), ``diagonal_gaussians``,
``posterior`` (02), ``log_variance`` (03), ``reparameterization``, ``score_function`` (04),
``decoder_as_distribution`` (05), ``elbo``, ``iwae`` (06), ``networks`` (07), ``training`` (08);
``harness``, ``undoing`` and ``compare`` hold what they share, ``hints`` the tiered hints.
"""
from vae_course.checks.binarization import check_binarize
from vae_course.checks.decoder_as_distribution import check_bernoulli_log_likelihood
from vae_course.checks.diagonal_gaussians import check_log_normal_pdf
from vae_course.checks.dynamic_binarization import check_dynamic_binarize
from vae_course.checks.elbo import check_elbo_single_sample, check_kl_standard_normal
from vae_course.checks.harness import CheckFailed
from vae_course.checks.iwae import check_iwae_bound
from vae_course.checks.log_variance import check_std_from_logvar
from vae_course.checks.networks import check_make_decoder, check_make_encoder
from vae_course.checks.posterior import check_posterior
from vae_course.checks.reparameterization import check_reparameterize
from vae_course.checks.score_function import check_score_function_gradient
from vae_course.checks.training import check_train_step

__all__ = ["CheckFailed", "check_binarize", "check_dynamic_binarize", "check_log_normal_pdf", "check_posterior",
           "check_std_from_logvar", "check_reparameterize", "check_score_function_gradient",
           "check_bernoulli_log_likelihood", "check_kl_standard_normal", "check_elbo_single_sample",
           "check_iwae_bound", "check_make_encoder", "check_make_decoder", "check_train_step"]
