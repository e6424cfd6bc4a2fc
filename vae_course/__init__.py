"""vae-course: tested helpers for a step-by-step course on the convolutional VAE.

Modules (each says which lesson introduces it): ``data`` and ``preprocessing`` (01),
``distributions`` (02-06), ``models`` (05, 07), ``losses`` (06), ``training`` and
``plotting`` (07), ``checks`` (the exercises). Importing this package imports nothing heavy;
import the module you need, e.g. ``from vae_course import distributions``.
"""
__version__ = "0.1.0"
