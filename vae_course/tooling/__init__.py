"""Course tooling, not course content: the exercise generator, ``vae-course progress`` and the
reproducible notebook execution the lessons are stored with.

- ``exercises``: generates ``exercises/`` from ``solutions/`` (``vae-course make-exercises``).
- ``progress``: runs exercise notebooks and reports which checks pass (``vae-course progress``).
- ``notebooks``: executes a notebook in place with the course's settings.
"""
