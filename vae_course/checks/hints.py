"""The hints the checks point to: the texts live in :mod:`vae_course.hint_texts` (importable without TensorFlow).

Re-exported here, beside the checks, for the harness (``hint_call``) and the tests (``HINTS``).
"""
from vae_course.hint_texts import HINTS, hint_call

__all__ = ["hint_call", "HINTS"]
