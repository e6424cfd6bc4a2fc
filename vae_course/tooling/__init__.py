"""Course tooling, not course content: the exercise generator, ``vae-course progress`` and the
reproducible notebook execution the lessons are stored with.

- ``exercises``: generates ``exercises/`` from ``solutions/`` (``vae-course make-exercises``).
- ``progress``: runs exercise notebooks and reports which checks pass (``vae-course progress``).
- ``notebooks``: executes a notebook in place with the course's settings.
- ``site``: builds the course website with Jupyter Book 1.x (``make site``).
- ``colab``: the "Open in Colab" badge and Colab set-up cell of every notebook (``make colab``).
- ``figures``: every figure the lessons show, as PNG and SVG (``vae-course figures OUT``).
  ``figure_inputs`` loads what they draw from, ``figure_drawings`` composes the multi-step ones.
- ``slides``: one reveal.js deck per lesson (``make slides``).
"""
