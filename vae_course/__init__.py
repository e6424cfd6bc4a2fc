"""vae-course: tested helpers for a step-by-step course on the convolutional VAE.

The core, one module per job (each docstring says which lesson introduces it): ``data`` and
``preprocessing`` (01), ``validation`` (the input checks), ``distributions`` (02-06), ``losses``
(06), ``models`` (05, 07), ``plotting`` and ``image_files`` (05, 08, 09), ``pretrained`` (the
shipped weights), ``atomic_write`` (how every file is written). Subpackages: ``training`` (08, 10),
``demos`` (one module per lesson demonstration), ``checks`` (the exercises) and ``tooling``
(exercise generation, progress, notebook execution). ``cli`` is the ``vae-course`` command.

Importing this package imports nothing heavy; import the module you need, e.g.
``from vae_course import distributions``.
"""
__version__ = "0.1.0"
