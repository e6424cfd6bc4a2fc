"""The package's shape: no import cycles, a light command line, ``__all__`` everywhere, a README that matches.

The import graph is read from the source with ``ast`` (every ``import`` statement, also those inside
functions), so a cycle that only shows when a command runs is found too.
"""
from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import vae_course

PACKAGE_DIR = Path(vae_course.__file__).resolve().parent  # vae_course/
PROJECT_ROOT = PACKAGE_DIR.parent
MODULE_FILES = sorted(PACKAGE_DIR.rglob("*.py"))


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PROJECT_ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in MODULE_FILES}  # "vae_course.training.loop" -> its file


def imported_modules(name: str, tree: ast.AST) -> set[str]:
    """The vae_course modules that module ``name`` imports anywhere in its source.

    ``from pkg import x`` counts as importing ``pkg.x`` when that is a module, else ``pkg``.
    """
    package = name if MODULES[name].name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: from . import x, from ..a import b
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for alias in node.names:
                found.add(f"{source}.{alias.name}" if f"{source}.{alias.name}" in MODULES else source)
    return {m for m in found if m in MODULES and m != name}


def import_graph() -> dict[str, set[str]]:
    return {name: imported_modules(name, ast.parse(path.read_text(), str(path))) for name, path in MODULES.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as [a, b, ..., a], or None (depth-first search with three colours)."""
    colour, stack = {}, []

    def visit(node):
        colour[node] = "grey"
        stack.append(node)
        for nxt in sorted(graph[node]):
            if colour.get(nxt) == "grey":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in colour and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        colour[node] = "black"
        return None

    for start in sorted(graph):
        if start not in colour and (cycle := visit(start)):
            return cycle
    return None


def test_find_cycle_finds_cycles_through_function_level_imports():
    """The test's own machinery, on made-up graphs and source."""
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"a"}}) == ["a", "a"]
    source = "def f():\n    from vae_course.training.command import run_train\n"
    assert imported_modules("vae_course.cli", ast.parse(source)) == {"vae_course.training.command"}
    source = "from . import step\nfrom ..atomic_write import atomic_write\nimport vae_course.data as d\n"
    assert imported_modules("vae_course.training.loop", ast.parse(source)) == {
        "vae_course.training.step", "vae_course.atomic_write", "vae_course.data"}


def test_no_import_cycles_among_the_packages_modules():
    graph = import_graph()
    assert len(graph) == len(MODULE_FILES) >= 30
    assert "vae_course.training.command" in graph["vae_course.cli"]  # function-level imports are seen
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_importing_the_command_line_imports_no_tensorflow():
    code = ("import sys, vae_course, vae_course.cli, vae_course.data, vae_course.atomic_write; "
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'tensorflow_probability', "
            "'keras', 'tf_keras', 'matplotlib')); print(heavy)")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


# The layers, from the bottom: the core (the modules lessons and instructors use, and training) may
# import only the core; checks/ (exercises), demos/ (lesson pictures), tooling/ (site, slides,
# progress, figures) and grading/ (the class grader, over checks and tooling) sit on top of it;
# cli.py and __main__.py are entry points over everything.
UPPER_PACKAGES = ("checks", "demos", "tooling", "grading")
ENTRY_POINTS = ("vae_course.cli", "vae_course.__main__")


def is_core(name: str) -> bool:
    parts = name.split(".")
    return name not in ENTRY_POINTS and (len(parts) == 1 or parts[1] not in UPPER_PACKAGES)


def layering_violations(graph: dict[str, set[str]]) -> list[str]:
    """Each 'core -> upper' edge of the import graph, as text."""
    return [f"{name} imports {other}" for name in sorted(graph) if is_core(name)
            for other in sorted(graph[name]) if not is_core(other)]


def test_the_core_never_imports_checks_demos_or_tooling():
    graph = import_graph()
    assert {"vae_course.models", "vae_course.training.loop", "vae_course.plotting"} <= {m for m in graph if is_core(m)}
    assert not any(is_core(m) for m in ("vae_course.checks.elbo", "vae_course.demos.networks",
                                        "vae_course.tooling.figures", "vae_course.cli"))
    # the check itself, on a made-up graph
    assert layering_violations({"vae_course.losses": {"vae_course.demos.elbo_gap"},
                                "vae_course.demos.elbo_gap": {"vae_course.losses"}}) == [
        "vae_course.losses imports vae_course.demos.elbo_gap"]
    violations = layering_violations(graph)
    assert not violations, "the core reaches up a layer: " + "; ".join(violations)


def test_the_model_does_not_depend_on_the_data_files():
    graph = import_graph()
    assert "vae_course.contracts" in graph["vae_course.models"]  # IMAGE_SHAPE comes from the shared contracts
    assert not graph["vae_course.models"] & {"vae_course.data", "vae_course.preprocessing"}


def test_parsing_every_command_line_imports_no_tensorflow():
    """Parsing (every integer, float and choice flag included) is plain Python: TensorFlow starts only to train."""
    code = ("import sys; from vae_course.cli import build_parser; p = build_parser(); "
            "p.parse_args(['train', '--preset', 'tutorial', '--epochs', '2', '--latent-dim', '3', '--batch-size', '8', "
            "'--learning-rate', '0.01', '--ema-momentum', '0.5', '--warmup-epochs', '0.5', '--seed', '0', "
            "'--train-examples', '100', '--iwae-k', '0', '--out', 'x']); "
            "p.parse_args(['progress', '03']); p.parse_args(['figures', 'out', '--only', '09_*']); "
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'tensorflow_probability', "
            "'keras', 'tf_keras', 'matplotlib')); print(heavy)")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def top_level_names(tree: ast.Module) -> set[str]:
    """Names a module binds at its top level (definitions, assignments, imports), read from its source."""
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "_LAZY_EXPORTS"
                                                for t in node.targets):
            names.update(ast.literal_eval(node.value))  # a package's names loaded on first use (PEP 562)
    return names


def declared_all(tree: ast.Module):
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            return ast.literal_eval(node.value)
    return None


def needs_all(path: Path, tree: ast.Module) -> bool:
    """Every module needs ``__all__`` except ``__main__`` and a package ``__init__`` that binds no public name."""
    if path.name == "__main__.py":
        return False
    if path.name == "__init__.py":
        return any(not name.startswith("_") for name in top_level_names(tree))
    return True


@pytest.mark.parametrize("name", sorted(MODULES))
def test_public_modules_define_all_and_every_name_in_it_exists(name):
    path = MODULES[name]
    tree = ast.parse(path.read_text(), str(path))
    exported = declared_all(tree)
    if exported is None:
        required = needs_all(path, tree)
        assert not required, f"{path.relative_to(PROJECT_ROOT)} defines public names but no __all__"
        return
    assert isinstance(exported, (list, tuple)) and all(isinstance(n, str) for n in exported)
    assert len(set(exported)) == len(exported), f"{name}.__all__ lists a name twice"
    missing = sorted(set(exported) - top_level_names(tree))
    assert not missing, f"{name}.__all__ lists names the module does not define: {missing}"


def test_the_all_check_catches_a_missing_name_and_a_missing_all():
    tree = ast.parse("import os\nfrom a import b as c\nX: int = 1\ndef f(): pass\n__all__ = ['f', 'X', 'c', 'gone']\n")
    assert set(declared_all(tree)) - top_level_names(tree) == {"gone"}
    assert needs_all(Path("m.py"), ast.parse("def f(): pass\n"))
    assert not needs_all(Path("__init__.py"), ast.parse('"""doc"""\n__version__ = "1"\n'))


def readme_layout() -> dict[str, set[str]]:
    """The README's "Package layout" block: {package path: module names it lists}, e.g. {"training": {"step", ...}}.

    A line ``  name.py  ...`` lists a top-level module; ``  name/  ...`` starts a subpackage, whose
    modules are the ``x.py`` names and the ``x (NN)`` names on its lines.
    """
    text = (PROJECT_ROOT / "README.md").read_text()
    match = re.search(r"## Package layout\s+```\n(.*?)```", text, re.S)
    assert match, "README.md has no fenced block under '## Package layout'"
    listed, current = {"": set()}, ""
    for line in match.group(1).splitlines()[1:]:  # the first line is "vae_course/"
        entry = re.match(r"  (\w+)(\.py|/)\s", line + " ")
        if entry:
            if entry.group(2) == ".py":
                current = ""
                listed[""].add(entry.group(1))
                continue
            current = entry.group(1)
            listed.setdefault(current, set())
            line = line[entry.end():]
        if current:
            listed[current].update(re.findall(r"\b(\w+)\.py\b", line))
            listed[current].update(re.findall(r"\b([a-z_]+) \(\d", line))
    return listed


def tree_layout() -> dict[str, set[str]]:
    """The same from the files: {package path relative to vae_course/: its modules (no __init__/__main__)}."""
    layout = {}
    for path in MODULE_FILES:
        package = path.parent.relative_to(PACKAGE_DIR).as_posix()
        package = "" if package == "." else package
        layout.setdefault(package, set())
        if path.stem not in ("__init__", "__main__"):
            layout[package].add(path.stem)
    return layout


def test_readme_package_layout_lists_every_module_and_nothing_else():
    listed, actual = readme_layout(), tree_layout()
    assert sorted(listed) == sorted(actual), "packages in README vs in vae_course/"
    problems = []
    for package in sorted(actual):
        where = f"vae_course/{package + '/' if package else ''}"
        problems += [f"{where}{m}.py is not in the README" for m in sorted(actual[package] - listed[package])]
        problems += [f"the README lists {where}{m}.py, which does not exist" for m in sorted(listed[package] - actual[package])]
    assert not problems, "README 'Package layout' block: " + "; ".join(problems)
