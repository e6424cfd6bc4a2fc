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

GUARDED = ("builtins", "math", "numpy", "tensorflow", "keras", "tf_keras", "tensorflow_probability", "vae_course",
           "json", "multiprocessing")  # the last two: how the grader's worker reports a verdict
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
        # `is`, pair by pair, in C (map over operator.is_): no per-value objects are made, so a clean check
        # costs milliseconds and wakes no garbage collection (the snapshot has some 200,000 values)
        if not all(map(operator.is_, map(sys.modules.get, self.modules), self.module_objects)):
            return False
        now = self._flat()
        if len(now) != len(self.flat) or not all(map(operator.is_, now, self.flat)):
            return False
        return all(all(map(operator.is_, map(_GETTERS[attr], self.functions), self.saved[attr]))
                   for attr in _FUNCTION_STATE)

    def extend(self) -> None:
        """Records the guarded modules imported since the last snapshot (the known ones are kept as they were)."""
        added = not hasattr(self, "flat")  # the first snapshot
        for name, module in list(sys.modules.items()):
            if name in self.modules or not _guarded(name) or not isinstance(module, types.ModuleType):
                continue
            namespace = getattr(module, "__dict__", None)
            if not isinstance(namespace, dict) or getattr(namespace.get("__spec__"), "_initializing", False):
                continue  # still being imported: recorded once complete
            snapshot = dict(namespace)
            self.modules[name] = (module, namespace, snapshot, list(snapshot.values()))
            added = True
            if not _public(name):  # internals: their bindings are guarded, their classes and functions via the API
                continue
            for value in snapshot.values():
                if isinstance(value, type) and id(value) not in self.classes and _guarded(value.__module__ or ""):
                    if value.__flags__ & (1 << 9):  # Py_TPFLAGS_HEAPTYPE: a Python class, its attributes settable
                        attrs = dict(value.__dict__)
                        self.classes[id(value)] = (value, attrs, list(attrs.values()))
                        self._add_functions(attrs.values())
            self._add_functions(snapshot.values())
        if not added:  # nothing new: the comparison lists stand (rebuilding them costs tens of milliseconds)
            return
        # the snapshot's values in the order _flat() gives the current ones; it keeps them alive, so ids stay theirs
        self.flat = list(chain([v for entry in self.modules.values() for v in entry[2].values()],
                               [v for entry in self.classes.values() for v in entry[1].values()]))
        self.module_objects = [entry[0] for entry in self.modules.values()]

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

    def sealed(self):
        """:meth:`restore`, bound now, as a function that learner code run later cannot switch off.

        Learner code may rebind what the revert itself runs on (``ModuleGuard.restore = ...``, this
        module's helpers, a builtin, a function's ``__code__``). The returned function first puts those
        back with nothing but dict updates and attribute assignments on objects it holds (builtins, this
        module, this class, their functions' code and defaults, as the snapshot has them), then extends
        and restores the snapshot. Call it before any learner code runs (the grader's worker does).
        """
        own = [self.modules[name][1:3] for name in ("builtins", __name__)]  # (namespace, its snapshot)
        cls_attrs = [(k, v) for k, v in vars(ModuleGuard).items() if k not in ("__dict__", "__weakref__", "__doc__")]
        codes = [(f, f.__code__, f.__defaults__, f.__kwdefaults__) for f in self.functions
                 if f.__module__ == __name__]
        extend, restore, set_attr = self.extend, self.restore, type.__setattr__

        def heal() -> list:
            for namespace, snapshot in own:
                namespace.update(snapshot)
            for key, value in cls_attrs:
                if vars(ModuleGuard).get(key, heal) is not value:
                    set_attr(ModuleGuard, key, value)
            for function, code, defaults, kwdefaults in codes:
                function.__code__, function.__defaults__, function.__kwdefaults__ = code, defaults, kwdefaults
            extend()
            return restore()

        return heal

    def restore(self) -> list:
        """Reverts every change since the snapshot; returns what was changed, as 'module.attribute' strings."""
        if self.clean():
            return []
        changed = self._restore_all()
        self._rebase()
        return changed

    def _rebase(self) -> None:
        """Recomputes the fast comparison's lists after snapshot entries were updated (lazy loaders, new normals)."""
        for name, (module, namespace, snapshot, _) in list(self.modules.items()):
            self.modules[name] = (module, namespace, snapshot, list(snapshot.values()))
        for key, (cls, attrs, _) in list(self.classes.items()):
            self.classes[key] = (cls, attrs, list(attrs.values()))
        self.flat = list(chain([v for entry in self.modules.values() for v in entry[2].values()],
                               [v for entry in self.classes.values() for v in entry[1].values()]))

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
        # What is not put back (a submodule's binding, a library's own data, an exempt setting) is taken into
        # the snapshot as the new normal: it would never be reverted, and leaving it as a difference made
        # every later check of the guard find it and walk everything again (about 50 ms a call).
        for key in [k for k in namespace if k not in snapshot]:
            value = namespace[key]
            if f"{name}.{key}" not in exempt and (key in _BUILTIN_NAMES or (strict and _is_code(value))) and \
                    not (isinstance(value, types.ModuleType) and sys.modules.get(f"{name}.{key}") is value):
                del namespace[key]  # a new name may shadow a builtin; a submodule imported since stays
                changed.append(f"{name}.{key} (added)")
            else:
                snapshot[key] = value
        for key, value in list(snapshot.items()):
            now = namespace.get(key, _MISSING)
            if now is value:
                continue
            if isinstance(value, types.ModuleType) and isinstance(now, types.ModuleType) and \
                    sys.modules.get(getattr(now, "__name__", None)) is now:
                snapshot[key] = now  # a lazy loader replaced by the module it loaded: the new normal
            elif f"{name}.{key}" not in exempt and (strict or _is_code(value) or _is_code(now)):
                namespace[key] = value
                changed.append(f"{name}.{key}")
            elif now is _MISSING:
                del snapshot[key]
            else:
                snapshot[key] = now
        return changed

    @staticmethod
    def _restore_class(cls, attrs) -> list:
        changed = []
        for key in [k for k in cls.__dict__ if k not in attrs]:
            if _is_code(cls.__dict__[key]) or key.startswith("__"):
                try:
                    delattr(cls, key)
                    changed.append(f"{cls.__module__}.{cls.__qualname__}.{key} (added)")
                    continue
                except (AttributeError, TypeError):
                    pass
            attrs[key] = cls.__dict__[key]  # left as it is: the new normal (see _restore_namespace)
        for key, value in list(attrs.items()):
            now = cls.__dict__.get(key, _MISSING)
            if now is value:
                continue
            if key not in ("__dict__", "__weakref__", "__doc__") and (_is_code(value) or _is_code(now)):
                try:
                    setattr(cls, key, value)
                    changed.append(f"{cls.__module__}.{cls.__qualname__}.{key}")
                    continue
                except (AttributeError, TypeError):
                    pass
            if now is _MISSING:
                del attrs[key]
            else:
                attrs[key] = now
        return changed


_MISSING = object()
_FUNCTION_STATE = ("__code__", "__defaults__", "__kwdefaults__")
_GETTERS = {attr: operator.attrgetter(attr) for attr in _FUNCTION_STATE}
_VALUES = operator.methodcaller("values")

