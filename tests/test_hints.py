"""Tiered hints: every exercise has them, they never hold the solution's code, ``hint`` shows them in order;
and exercise notebooks state contracts, not the closed forms they ask for (markdown and stubs)."""
import ast
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from vae_course.checks.hints import HINTS
from vae_course.hints import HintBook, hint
from vae_course.tooling.exercises import BEGIN, END, generate_exercise, solution_paths

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = solution_paths(ROOT / "solutions")
_DEF = re.compile(r"^\s*def\s+(\w+)\s*\(")


def answers():
    """{exercise name: its answer's code lines (comments dropped)} from every solution notebook."""
    found = {}
    for path in SOLUTIONS:
        for cell in nbformat.read(path, as_version=4).cells:
            if BEGIN not in cell.source:
                continue
            name, inside = None, False
            for line in cell.source.split("\n"):
                name = (_DEF.match(line).group(1) if _DEF.match(line) else name)
                if line.strip() in (BEGIN, END):
                    inside = line.strip() == BEGIN
                elif inside:
                    code = line.split("#")[0].strip()
                    if code:
                        found.setdefault(name, []).append(code)
    return found


ANSWERS = answers()


def test_every_exercise_has_at_least_two_levels_and_no_hint_without_an_exercise():
    assert sorted(ANSWERS) == sorted(HINTS)
    assert all(len(levels) >= 2 and all(len(text) > 20 for text in levels) for levels in HINTS.values())


@pytest.mark.parametrize("name", sorted(ANSWERS))
def test_no_hint_holds_a_line_of_the_solution(name):
    for level, text in enumerate(HINTS[name], 1):
        flat = " ".join(text.split())
        for line in ANSWERS[name]:
            if len(line) > 12:  # short lines ("])", "return loss") say nothing
                assert line not in flat, f"hint {level} of {name} holds the solution line {line!r}"
        assert not re.search(r"\btf\.\w|\bnp\.\w|tfd\.\w|\breturn\b", flat), f"hint {level} of {name} holds code"


def test_hint_shows_the_next_level_then_stays_at_the_last(capsys):
    book = HintBook(HINTS)
    shown = []
    for _ in range(len(HINTS["kl_standard_normal"]) + 1):
        book("kl_standard_normal")
        shown.append(capsys.readouterr().out)
    assert [s.split("\n")[0][:27] for s in shown[:3]] == ["Hint 1/3 for kl_standard_no"[:27],
                                                          "Hint 2/3 for kl_standard_no"[:27],
                                                          "Hint 3/3 for kl_standard_no"[:27]]
    assert HINTS["kl_standard_normal"][0] in shown[0] and "the idea" in shown[0]
    assert "the formula" in shown[2] and shown[3] == shown[2]
    book("std_from_logvar", level=2)
    assert HINTS["std_from_logvar"][1] in capsys.readouterr().out


def test_unknown_names_and_levels(capsys):
    hint("kl_divergence")
    out = capsys.readouterr().out
    assert "no exercise called 'kl_divergence'" in out and all(name in out for name in HINTS)
    with pytest.raises(ValueError, match="levels 1 to 3"):
        HintBook(HINTS).text("iwae_bound", level=4)


@pytest.mark.parametrize("level", [4, 0, "2", True])
def test_a_level_that_does_not_exist_gets_a_message_not_an_exception(level, capsys):
    HintBook(HINTS)("iwae_bound", level=level)  # raises nothing
    out = capsys.readouterr().out
    assert "iwae_bound has hint levels 1 to 3" in out and 'hint("iwae_bound", level=k)' in out, out


def test_importing_hint_does_not_import_tensorflow(tmp_path):
    """A learner asks for a hint before anything heavy loads: no TensorFlow, no checks (issue 24, item 4)."""
    script = ("import sys\nfrom vae_course.hints import hint\nhint('binarize')\n"
              "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'tensorflow_probability', "
              "'keras') or m.startswith('vae_course.checks'))\nprint('HEAVY', heavy)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120,
                          env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    assert "Hint 1/3 for binarize, the idea" in done.stdout, done.stdout
    assert "HEAVY []" in done.stdout, done.stdout


# --- no hint gives the answer before its level; no failure message repeats level 2 ------------------------------

EARLY = {  # (exercise, highest level that must not say it): what would give the answer away
    ("std_from_logvar", 1): [r"square root", r"sqrt", r"½", r"power"],
    ("reparameterize", 2): [r"[Ss]cale the noise", r"shift it by the mean", r"σ\s*⊙", r"μ\s*\+"],
    ("elbo_single_sample", 2): [r"mean 0", r"log-variance 0", r"compute them", r"N\(0, I\)"],
    ("posterior", 2): [r"multivariate", r"reinterpret", r"Independent"],
    ("make_encoder", 3): [r"\b13\b", r"\b2304\b", r"\b32\b", r"\b64\b", r"valid.*ReLU", r"Conv2D\("],
    ("make_decoder", 3): [r"\b1568\b", r"7\s*[·x]\s*7", r"\b32\b", r"\b64\b", r"Conv2DTranspose\("],
}
OLD_EARLY = [  # what the hints used to say (issue 20, item 5): the patterns must find each
    ("std_from_logvar", "logvar is the log of the variance σ², and σ is the square root of the variance."),
    ("reparameterize", "Scale the noise by the standard deviation (from logvar, with one exponential), then shift it"),
    ("elbo_single_sample", "the prior is the Gaussian with mean 0 and log-variance 0 in every dimension."),
    ("posterior", "The last batch axis must become the event: a diagonal multivariate Normal"),
    ("make_encoder", "Two strided 3x3 convolutions with 'valid' padding and ReLU shrink 28 -> 13 -> 6"),
    ("make_decoder", "Dense with ReLU to 7·7·32 numbers, reshape to (7, 7, 32)"),
]


@pytest.mark.parametrize("name,level", sorted(EARLY))
def test_early_levels_do_not_give_the_answer(name, level):
    for shown in range(1, level + 1):
        for pattern in EARLY[(name, level)]:
            assert not re.search(pattern, HINTS[name][shown - 1]), f"hint {shown} of {name} says {pattern!r}"


@pytest.mark.parametrize("name,old", OLD_EARLY)
def test_the_early_scan_finds_the_old_hints(name, old):
    assert any(re.search(p, old) for (n, _), patterns in EARLY.items() if n == name for p in patterns), old


def _check_strings():
    """Every string a check module can print (literals and the constant parts of f-strings), per module."""
    found = []
    for path in sorted((ROOT / "vae_course" / "checks").glob("*.py")):
        if path.name in ("hints.py", "__init__.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) > 30:
                found.append((path.stem, node.value))
            elif isinstance(node, ast.JoinedStr):
                found.append((path.stem, "".join(v.value if isinstance(v, ast.Constant) else " {} " for v in node.values)))
    return found


def _shingles(text, n=6):
    words = re.findall(r"[\w'σℓμ²]+", text.lower())
    return {" ".join(words[i:i + n]) for i in range(len(words) - n + 1)}


CHECK_STRINGS = _check_strings()


@pytest.mark.parametrize("name", sorted(HINTS))
def test_no_failure_message_repeats_level_2_word_for_word(name):
    level2 = _shingles(HINTS[name][1])
    for module, text in CHECK_STRINGS:
        shared = level2 & _shingles(text)
        assert not shared, f"{module} repeats hint 2 of {name}: {sorted(shared)[0]!r}"


def test_the_repetition_scan_finds_the_old_messages():
    old = ["write log σ(ℓ) and log(1 − σ(ℓ)) directly in terms of ℓ, never forming σ(ℓ) (hint level 2).",
           "Factor out the largest log-weight before exponentiating (hint level 2)."]
    old_level2 = ["Write log σ(ℓ) and log(1 − σ(ℓ)) in terms of ℓ directly, without forming σ(ℓ): σ(ℓ) rounds",
                  "Compute the log of a mean of exponentials in log space: factor out the largest log-weight before "
                  "exponentiating (the log-sum-exp trick)"]
    assert _shingles(old[1]) & _shingles(old_level2[1])
    assert _shingles(old[0], 4) & _shingles(old_level2[0], 4)


# --- contracts, not closed forms ----------------------------------------------------------------------------

FORBIDDEN = {  # exercise name: the closed forms (or lines of code) its notebook must not show before it is solved
    "log_normal_pdf": [r"\\log\s*2\\pi", r"log\s*\(?2\s*π", r"-\s*\\frac\s*12\s*\\sum", r"exp\(-logvar\)"],
    "posterior": [r"Independent", r"MultivariateNormal", r"reinterpreted_batch_ndims"],
    "std_from_logvar": [r"exp\(\s*logvar\s*/\s*2", r"exp\(\s*0\.5", r"exp\(½", r"e\^\{\\frac\s*12", r"\\sqrt\{e\^",
                        r"logvar\s*/\s*2"],
    "reparameterize": [r"\\mu\s*\+\s*\\sigma", r"μ\s*\+\s*σ", r"mean\s*\+", r"exp\(\s*logvar\s*/\s*2"],
    "score_function_gradient": [r"\(z_?k?\s*[-−]\s*(\\mu|μ|mean)\)\s*(/|\*)", r"z\s*-\s*mean", r"\\nabla",
                                r"log-derivative"],
    "bernoulli_log_likelihood": [r"softplus", r"x_i\s*\\,?\s*\\ell_i", r"x\s*·\s*ℓ", r"cross.entropy", r"from_logits",
                                 r"log_sigmoid"],
    "kl_standard_normal": [r"\\sigma_d\^2\s*\+\s*\\mu_d\^2", r"σ²\s*\+\s*μ²", r"-\s*1\s*-\s*(\\text\{)?logvar",
                           r"[−-]\s*1\s*[−-]\s*logvar"],
    "elbo_single_sample": [r"zeros_like", r"log_normal_pdf\(z,\s*(0|tf\.zeros)", r"mean 0 and logvar 0"],
    "iwae_bound": [r"logsumexp", r"log-sum-exp", r"\\max_k", r"\\log\s*K", r"log K"],
    "make_encoder": [r"layers\.Conv2D\(", r"Sequential\(\["],
    "make_decoder": [r"layers\.Conv2DTranspose\(", r"Sequential\(\["],
    "train_step": [r"GradientTape", r"apply_gradients", r"tape\.gradient", r"tf\.random\.normal"],
}


def exercise_texts():
    """(notebook, exercise name, text a learner reads before solving it): the markdown and code cells of the
    generated exercise up to that exercise's check cell."""
    found = []
    for path in SOLUTIONS:
        nb = generate_exercise(nbformat.read(path, as_version=4))
        seen = []
        for cell in nb.cells:
            seen.append(cell.source)
            match = re.search(r"\bcheck_(\w+)\s*\(", cell.source) if "check" in cell.metadata.get("tags", []) else None
            if match:
                text = "\n".join(seen)
                found.append((path.stem, match.group(1), text.split("# Use it")[0] if text.count("# Use it") else text))
                seen = [seen[-1].split("# Use it")[-1]] if "# Use it" in seen[-1] else []
    return found


TEXTS = exercise_texts()


def test_every_exercise_has_forbidden_forms_listed():
    assert sorted(name for _, name, _ in TEXTS) == sorted(HINTS)
    assert set(FORBIDDEN) <= set(HINTS) and len(FORBIDDEN) >= len(HINTS) - 2  # binarize's are their definitions


@pytest.mark.parametrize("stem,name,text", TEXTS, ids=[f"{s}-{n}" for s, n, _ in TEXTS])
def test_exercise_notebook_states_the_contract_not_the_closed_form(stem, name, text):
    for pattern in FORBIDDEN.get(name, []):
        assert not re.search(pattern, text), f"{stem}: the text before check_{name} shows {pattern!r}"


LEAKS = [  # what the notebooks used to say (issue 14): the scan must find each
    ("std_from_logvar", '"""Standard deviation from log-variance, sigma = exp(logvar / 2).'),
    ("std_from_logvar", r"$$\sigma = \sqrt{\sigma^2} = \sqrt{e^{\text{logvar}}} = e^{\frac12\,\text{logvar}}$$"),
    ("reparameterize", '"""z = mean + exp(logvar / 2) * eps.'),
    ("reparameterize", r"$$z = \mu + \sigma \odot \varepsilon$$"),
    ("bernoulli_log_likelihood", r"\sum_{i}\Big[x_i\,\ell_i - \operatorname{softplus}(\ell_i)\Big]"),
    ("kl_standard_normal", r"\frac12 \sum_{d=1}^{D}\Big(\sigma_d^2 + \mu_d^2 - 1 - \text{logvar}_d\Big)"),
    ("elbo_single_sample", "the prior $p(z)$ is the Gaussian with mean 0 and logvar 0"),
    ("log_normal_pdf", r"\left[\frac{(z_d-\mu_d)^2}{\sigma_d^2} + \text{logvar}_d + \log 2\pi\right]"),
    ("train_step", "Inside a `tf.GradientTape`: encode (`model.encode(x)` gives `mean` and `logvar`)"),
    ("iwae_bound", "stable: tf.reduce_logsumexp(log_weights, axis=0)"),
    ("posterior", "tfd.Independent(tfd.Normal(loc, scale))"),
    ("score_function_gradient", "score = (z - mean) * tf.exp(-logvar)"),
    ("make_encoder", "layers.Conv2D(32, 3, strides=2)"),
    ("make_decoder", "layers.Conv2DTranspose(1, 3)"),
]


@pytest.mark.parametrize("name,leak", LEAKS)
def test_the_scan_finds_the_old_leaks(name, leak):
    assert any(re.search(p, leak) for p in FORBIDDEN[name]), leak


def _notebook_text(path):
    return "\n".join(c.source for c in generate_exercise(nbformat.read(path, as_version=4)).cells)


@pytest.mark.parametrize("stem,name", [(s, n) for s, n, _ in TEXTS], ids=[f"{s}-{n}" for s, n, _ in TEXTS])
def test_earlier_notebooks_do_not_leak_a_later_answer(stem, name):
    """E.g. exercise 02's check cell must not show how σ comes from logvar before exercise 03 asks for it."""
    for path in SOLUTIONS:
        if path.stem[:2] < stem[:2]:
            text = _notebook_text(path)
            for pattern in FORBIDDEN.get(name, []):
                assert not re.search(pattern, text), f"{path.stem} shows {pattern!r} before {stem} asks for {name}"


def _messages():
    """(exercise name, text of a failure message a check can print) for the checks' named mistakes."""
    from vae_course.checks import (decoder_as_distribution, diagonal_gaussians, elbo, iwae, log_variance,
                                   reparameterization)

    pairs = [(diagonal_gaussians, "log_normal_pdf", "MISTAKES"), (log_variance, "std_from_logvar", "MISTAKES"),
             (reparameterization, "reparameterize", "MISTAKES"),
             (decoder_as_distribution, "bernoulli_log_likelihood", "MISTAKES"),
             (elbo, "kl_standard_normal", "KL_MISTAKES"), (elbo, "elbo_single_sample", "ELBO_MISTAKES"),
             (iwae, "iwae_bound", "MISTAKES")]
    found = [(name, m.hint) for module, name, attr in pairs for m in getattr(module, attr)]
    found += [(name, text) for module, name, attrs in [
        (log_variance, "std_from_logvar", ("EXTREME",)), (reparameterization, "reparameterize", ("NONFINITE",)),
        (decoder_as_distribution, "bernoulli_log_likelihood", ("STABLE",)), (iwae, "iwae_bound", ("NONFINITE",)),
        (diagonal_gaussians, "log_normal_pdf", ("NONFINITE",))] for text in (getattr(module, a) for a in attrs)]
    return found


MESSAGES = _messages()


@pytest.mark.parametrize("name,message", MESSAGES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(MESSAGES)])
def test_failure_messages_name_the_mistake_not_the_formula(name, message):
    for pattern in FORBIDDEN[name]:
        assert not re.search(pattern, message), f"a failure message of {name} shows {pattern!r}: {message}"
    assert HINTS[name][-1] not in message
