"""Grading a class's exercise notebooks (``vae-course grade``) and the integrity the checks rely on.

Modules: ``integrity`` (undo what learner code changed in numpy/TensorFlow/builtins/vae_course),
``timelimit`` (a time limit learner code cannot swallow), ``plan`` (the cells to run: the learner's
code with the course's committed check cells), ``worker`` (runs one notebook in its own process),
``runner`` (starts, limits and kills that process), ``submissions`` (finding learners and notebooks),
``store`` (atomic per-learner results, grades.csv, resume), ``feedback`` and ``summary`` (what the
learner and the instructor read), ``engine`` (local workers or a Dask cluster) and ``command``.
Nothing here imports TensorFlow at import time.
"""
__all__: list = []
