"""Course tooling: exercise generation, progress, notebook execution, the website, Colab cells, figures."""
