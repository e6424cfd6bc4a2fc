"""Undoing what a learner's code changed in the libraries a check judges with (issue 20/25's integrity).

A :class:`ModuleGuard` records, before any learner code runs, every attribute of the modules a check
relies on (numpy, TensorFlow, Keras, TFP, builtins, math, vae_course and their submodules), the
attributes of the Python classes defined there, and the code, defaults and keyword defaults of their
Python functions. :meth:`ModuleGuard.restore` puts back whatever was replaced, deleted or shadowed
since, and the modules' entries in ``sys.modules``. The harness calls it after every call of a
learner's function and the grader before every check cell, so that a check compares with the
genuine ``np.allclose``, ``vae_course.checks.compare`` and ``builtins.isinstance``.

What it does not undo: changes to C-level state (ctypes writes into memory), the contents of mutable
containers, and plain data (numbers, strings) inside TensorFlow/Keras/TFP internals, which those
libraries change themselves while they run (counters, caches). Used by :mod:`vae_course.checks.harness`
(lesson 01's first check onwards) and :mod:`vae_course.grading.worker`.
"""
from __future__ import annotations

import builtins
import operator
import sys
import types
from itertools import chain

__all__ = ["GUARDED", "ModuleGuard"]

GUARDED = ("builtins", "math", "numpy", "tensorflow", "keras", "tf_keras", "tensorflow_probability", "vae_course")
_STRICT = ("builtins", "math", "numpy", "vae_course")  # every attribute restored, data included
_BUILTIN_NAMES = frozenset(vars(builtins))


def _guarded(name: str) -> bool:
    return name.split(".", 1)[0] in GUARDED


def _strict(name: str) -> bool:
    return name.split(".", 1)[0] in _STRICT


def _public(name: str) -> bool:
    """A strict module, or a public API namespace (tf.math, keras.layers, tfp.distributions, ...)."""
    parts = name.split(".")
    return _strict(name) or not any(p.startswith("_") or p in ("python", "src", "internal") for p in parts[1:])


def _is_code(value) -> bool:
    return callable(value) or isinstance(value, (types.ModuleType, property, staticmethod, classmethod))


class ModuleGuard:
    """A snapshot of the guarded modules, their Python classes and functions; :meth:`restore` reverts them."""

    def __init__(self, exempt=frozenset()):
        self.exempt = frozenset(exempt)  # "module.attribute" names left as they are (settings a test may change)
        self.modules: dict = {}  # name -> (module, its __dict__, snapshot copy, values list)
        self.classes: dict = {}  # id -> (class, snapshot of its __dict__, values list)
        self.functions: list = []
        self.saved = {attr: [] for attr in _FUNCTION_STATE}  # attribute -> its value for each function
        self.extend()

    def _flat(self):
        """Every guarded value now, in snapshot order (C-level iteration: a clean check costs milliseconds)."""
        spaces = [entry[1] for entry in self.modules.values()] + [entry[0].__dict__ for entry in self.classes.values()]
        return list(chain.from_iterable(map(_VALUES, spaces)))

    def clean(self) -> bool:
        """True when nothing guarded changed since the snapshot."""
        # ids, not `is` one by one: comparing two lists of ints runs in C; the snapshot keeps the originals
        # alive, so no other object can have their ids.
        if list(map(id, map(sys.modules.get, self.modules))) != self.module_ids or _ids(self._flat()) != self.flat_ids:
            return False
        return all(_ids(map(_GETTERS[attr], self.functions)) == self.saved_ids[attr] for attr in _FUNCTION_STATE)

    def extend(self) -> None:
        """Records the guarded modules imported since the last snapshot (the known ones are kept as they were)."""
        for name, module in list(sys.modules.items()):
            if name in self.modules or not _guarded(name) or not isinstance(module, types.ModuleType):
                continue
            namespace = getattr(module, "__dict__", None)
            if not isinstance(namespace, dict) or getattr(namespace.get("__spec__"), "_initializing", False):
                continue  # still being imported: recorded once complete
            snapshot = dict(namespace)
            self.modules[name] = (module, namespace, snapshot, list(snapshot.values()))
            if not _public(name):  # internals: their bindings are guarded, their classes and functions via the API
                continue
            for value in snapshot.values():
                if isinstance(value, type) and id(value) not in self.classes and _guarded(value.__module__ or ""):
                    if value.__flags__ & (1 << 9):  # Py_TPFLAGS_HEAPTYPE: a Python class, its attributes settable
                        attrs = dict(value.__dict__)
                        self.classes[id(value)] = (value, attrs, list(attrs.values()))
                        self._add_functions(attrs.values())
            self._add_functions(snapshot.values())
        # the snapshot's values in the order _flat() gives the current ones; it keeps them alive, so ids stay theirs
        self.flat = list(chain([v for entry in self.modules.values() for v in entry[2].values()],
                               [v for entry in self.classes.values() for v in entry[1].values()]))
        self.flat_ids = _ids(self.flat)
        self.module_ids = _ids(entry[0] for entry in self.modules.values())
        self.saved_ids = {attr: _ids(saved) for attr, saved in self.saved.items()}

    def _add_functions(self, values) -> None:
        for value in values:
            if isinstance(value, (staticmethod, classmethod)):
                value = value.__func__
            if isinstance(value, types.FunctionType):
                self.functions.append(value)
                for attr, saved in self.saved.items():
                    saved.append(getattr(value, attr))

    def adopt(self, module_name: str, attribute: str) -> None:
        """Takes the current value of ``module_name.attribute`` into the snapshot (a setting made before learner code)."""
        self.extend()
        module, namespace, snapshot, _ = self.modules[module_name]
        snapshot[attribute] = namespace[attribute]
        self._rebase()

    def restore(self) -> list:
        """Reverts every change since the snapshot; returns what was changed, as 'module.attribute' strings."""
        if self.clean():
            return []
        changed = self._restore_all()
        self._rebase()
        return changed

    def _rebase(self) -> None:
        """Recomputes the fast comparison's lists after snapshot entries were updated (lazy loaders)."""
        for name, (module, namespace, snapshot, _) in list(self.modules.items()):
            self.modules[name] = (module, namespace, snapshot, list(snapshot.values()))
        self.flat = list(chain([v for entry in self.modules.values() for v in entry[2].values()],
                               [v for entry in self.classes.values() for v in entry[1].values()]))
        self.flat_ids = _ids(self.flat)

    def _restore_all(self) -> list:
        changed = []
        for name, (module, namespace, snapshot, values) in self.modules.items():
            if sys.modules.get(name, module) is not module:
                sys.modules[name] = module
                changed.append(f"sys.modules[{name!r}]")
            if len(namespace) == len(values) and all(map(operator.is_, namespace.values(), values)):
                continue
            changed += self._restore_namespace(name, namespace, snapshot, self.exempt)
        for cls, attrs, values in self.classes.values():
            current = cls.__dict__
            if len(current) == len(values) and all(map(operator.is_, current.values(), values)):
                continue
            changed += self._restore_class(cls, attrs)
        for attr, saved in self.saved.items():
            if all(map(operator.is_, map(operator.attrgetter(attr), self.functions), saved)):
                continue
            for function, value in zip(self.functions, saved):
                if getattr(function, attr) is not value:
                    setattr(function, attr, value)
                    changed.append(f"{function.__module__}.{function.__qualname__}.{attr}")
        return changed

    @staticmethod
    def _restore_namespace(name, namespace, snapshot, exempt) -> list:
        changed, strict = [], _strict(name)
        for key in [k for k in namespace if k not in snapshot and f"{name}.{k}" not in exempt]:
            value = namespace[key]
            if isinstance(value, types.ModuleType) and sys.modules.get(f"{name}.{key}") is value:
                continue  # a submodule imported since (numpy.random, say): the import system's own binding
            if key in _BUILTIN_NAMES or (strict and _is_code(value)):  # a new name may shadow a builtin
                del namespace[key]
                changed.append(f"{name}.{key} (added)")
        for key, value in list(snapshot.items()):
            now = namespace.get(key, _MISSING)
            if isinstance(value, types.ModuleType) and isinstance(now, types.ModuleType) and \
                    sys.modules.get(getattr(now, "__name__", None)) is now:
                snapshot[key] = now  # a lazy loader replaced by the module it loaded: the new normal
                continue
            if now is not value and f"{name}.{key}" not in exempt and (strict or _is_code(value) or _is_code(now)):
                namespace[key] = value
                changed.append(f"{name}.{key}")
        return changed

    @staticmethod
    def _restore_class(cls, attrs) -> list:
        changed = []
        for key in [k for k in cls.__dict__ if k not in attrs]:
            if _is_code(cls.__dict__[key]) or key.startswith("__"):
                try:
                    delattr(cls, key)
                    changed.append(f"{cls.__module__}.{cls.__qualname__}.{key} (added)")
                except (AttributeError, TypeError):
                    pass
        for key, value in attrs.items():
            if key in ("__dict__", "__weakref__", "__doc__"):
                continue
            now = cls.__dict__.get(key, _MISSING)
            if now is not value and (_is_code(value) or _is_code(now)):
                try:
                    setattr(cls, key, value)
                    changed.append(f"{cls.__module__}.{cls.__qualname__}.{key}")
                except (AttributeError, TypeError):
                    pass
        return changed


_MISSING = object()
_FUNCTION_STATE = ("__code__", "__defaults__", "__kwdefaults__")
_GETTERS = {attr: operator.attrgetter(attr) for attr in _FUNCTION_STATE}
_VALUES = operator.methodcaller("values")


def _ids(values) -> list:
    return list(map(id, values))
