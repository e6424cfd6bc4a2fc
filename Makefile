# vae-course: `make train` runs the course's main job, `make test` runs every test.
# Both create the virtual environment .venv on first use, with the exact versions of constraints.txt
# and the course's tool groups (lab, test, site, cluster); later runs re-install only when
# pyproject.toml or constraints.txt changed (the stamp file records the last install).
# `make check-colab` (run by CI, not by `make test`) proves pyproject.toml's ranges on a Colab-like runtime.

# Python 3.11, 3.12 or 3.13: the first of these names that runs and reports such a version
# (make PYTHON=/path/to/python picks another; its version is checked all the same).
PYTHON_NAMES := python3.11 python3.12 python3.13 python3
SUPPORTED    := import sys; sys.exit(not (3, 11) <= sys.version_info[:2] < (3, 14))
PYTHON ?= $(firstword $(foreach p,$(PYTHON_NAMES),$(shell $(p) -c '$(SUPPORTED)' >/dev/null 2>&1 && echo $(p))))
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
CONSTRAINTS := constraints.txt
EXTRAS      := lab,test,site,cluster
# check-colab: the interpreter of its throwaway runtime (python3.12 as on Colab, when it runs; else PYTHON)
# and where that runtime goes.
COLAB_PYTHON ?= $(or $(shell python3.12 -c '$(SUPPORTED)' >/dev/null 2>&1 && echo python3.12),$(PYTHON))
COLAB_WORK   ?= build/colab-check

.PHONY: help check-python install train test check-colab lab exercises progress benchmark site colab slides figures clean

help:
	@echo "make train      train the course model (preset 'course'); results in runs/"
	@echo "make test       run the unit tests, every lesson and solution notebook, and the website in a browser"
	@echo "make check-colab  lesson 01 and exercise 03 on a Colab-like runtime (TensorFlow 2.19, NumPy 2.0), set up as on Colab"
	@echo "make lab        open the lessons in JupyterLab"
	@echo "make exercises  regenerate exercises/ from solutions/"
	@echo "make progress   which exercises in exercises/ pass"
	@echo "make benchmark  tutorial vs course preset, in one process (QUICK=1 for a smoke run)"
	@echo "make site       the course website in build/site/ (open build/site/index.html)"
	@echo "make colab      add or refresh the Open-in-Colab cells of every notebook (exercises regenerated)"
	@echo "make slides     one reveal.js slide deck per lesson in build/slides/"
	@echo "make figures    every figure of the lessons as PNG and SVG in figures/"

# Stops, before anything is created, when no supported Python is found.
CHECK_PYTHON = if [ -z "$(PYTHON)" ] || ! $(PYTHON) -c '$(SUPPORTED)' >/dev/null 2>&1; then \
	  echo "error: vae-course needs Python 3.11, 3.12 or 3.13, and $(if $(PYTHON),$(PYTHON) is not one of them,none of $(PYTHON_NAMES) is one of them)." >&2; \
	  echo "Install one of these versions, or name one: make PYTHON=/path/to/python3.12 <target>" >&2; \
	  exit 1; \
	fi

check-python:
	@$(CHECK_PYTHON)
	@echo "$(PYTHON): $$($(PYTHON) --version)"

install: $(STAMP)

$(STAMP): pyproject.toml $(CONSTRAINTS)
	@test -x $(BIN)/python || { $(CHECK_PYTHON); $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) -e '.[$(EXTRAS)]'
	@touch $(STAMP)

train: $(STAMP)
	$(BIN)/vae-course train --preset course --out runs/course

# pytest-xdist: -n auto --dist loadfile, one worker per core; all the tests of one file, and so all the
# cells of one notebook (nbval runs them in one kernel, in order), go to the same worker.
# --no-loadscope-reorder: files are handed out in testpaths order, the lessons first (each starts a
# kernel that imports TensorFlow: the longest files), so that no long file starts last.
# --maxprocesses 4: each worker imports TensorFlow (about 2 GB of memory); more no longer help.
PARALLEL := -n auto --maxprocesses 4 --dist loadfile --no-loadscope-reorder

test: $(STAMP)
	$(BIN)/python -m pytest $(PARALLEL) --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg

# A throwaway venv in $(COLAB_WORK) (deleted first) with the Colab-like versions of
# vae_course/tooling/colab_check.py; the package is installed there by the notebooks' own set-up cell.
check-colab: $(STAMP)
	$(BIN)/python -m vae_course.tooling.colab_check --python $(COLAB_PYTHON) --work $(COLAB_WORK)

lab: $(STAMP)
	$(BIN)/jupyter lab lessons/

exercises: $(STAMP)
	$(BIN)/vae-course make-exercises solutions/ exercises/

progress: $(STAMP)
	$(BIN)/vae-course progress exercises/

benchmark: $(STAMP)
	$(BIN)/python benchmarks/train_speed.py $(if $(QUICK),--quick,)

site: $(STAMP)
	$(BIN)/python -m vae_course.tooling.site --out build/site

colab: $(STAMP)
	$(BIN)/python -m vae_course.tooling.colab .
	$(BIN)/vae-course make-exercises solutions/ exercises/

slides: $(STAMP)
	$(BIN)/python -m vae_course.tooling.slides --out build/slides

figures: $(STAMP)
	$(BIN)/vae-course figures figures/

clean:
	rm -rf $(VENV) *.egg-info build/site build/site-src build/site-test build/slides $(COLAB_WORK)
