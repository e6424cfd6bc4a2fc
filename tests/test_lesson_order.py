"""Every lesson opens with the map of the model, and the README's lesson table follows the files."""
import json
import re
from pathlib import Path

import pytest

from vae_course.model_map import COMPONENTS

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "lessons").glob("[0-9][0-9]_*.ipynb"))


def _code_cells(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [c for c in cells if c["cell_type"] == "code" and "colab-setup" not in c["metadata"].get("tags", [])]


def test_lessons_are_numbered_00_to_10_without_gaps():
    assert [p.name[:2] for p in LESSONS] == [f"{n:02d}" for n in range(0, 11)]


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_the_first_code_cell_draws_the_map_with_a_highlight(path):
    first = _code_cells(path)[0]
    source = "".join(first["source"])
    match = re.search(r'draw_model_map\(highlight="(\w+)"\)', source)
    assert match, f"{path.name}: the first code cell must draw the model map with this lesson's part highlighted"
    assert match.group(1) in COMPONENTS
    assert any("image/png" in o.get("data", {}) for o in first["outputs"]), f"{path.name}: the map was not stored"


def test_the_readme_lesson_table_lists_every_lesson_in_order():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    linked = re.findall(r"^\| (\d\d) \| \[[^\]]+\]\(lessons/([^)]+)\)", readme, re.M)
    assert linked == [(p.name[:2], p.name) for p in LESSONS]
