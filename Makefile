# vae-course: `make train` runs the course's main job, `make test` runs every test.
# Both create the virtual environment .venv on first use; later runs re-install only when
# pyproject.toml changed (the stamp file records the last install).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: help install train test lab exercises progress benchmark clean

help:
	@echo "make train      train the course model (preset 'course'); results in runs/"
	@echo "make test       run the unit tests and every lesson and solution notebook"
	@echo "make lab        open the lessons in JupyterLab"
	@echo "make exercises  regenerate exercises/ from solutions/"
	@echo "make progress   which exercises in exercises/ pass"
	@echo "make benchmark  tutorial vs course preset, in one process (QUICK=1 for a smoke run)"

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@touch $(STAMP)

train: $(STAMP)
	$(BIN)/vae-course train --preset course --out runs/course

test: $(STAMP)
	$(BIN)/python -m pytest --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg

lab: $(STAMP)
	$(BIN)/jupyter lab lessons/

exercises: $(STAMP)
	$(BIN)/vae-course make-exercises solutions/ exercises/

progress: $(STAMP)
	$(BIN)/vae-course progress exercises/

benchmark: $(STAMP)
	$(BIN)/python benchmarks/train_speed.py $(if $(QUICK),--quick,)

clean:
	rm -rf $(VENV) *.egg-info
