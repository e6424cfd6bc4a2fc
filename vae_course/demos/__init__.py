"""Helpers that serve one lesson's demonstration each; the core modules do not import them.

- ``pixel_stats``: grey levels and binarization statistics of MNIST (lesson 01).
- ``covariance``: diagonal versus full-covariance Gaussians (lesson 02).
- ``variance_parametrization``: ways to get σ from an unconstrained number (lesson 03).
- ``gradient_estimators``: reparameterization versus score-function gradients (lesson 04).
- ``latent_paths``: linear and spherical paths through the latent space (lesson 09).
"""
