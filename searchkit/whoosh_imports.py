"""Three names Whoosh imports when it loads but a search never calls,
imported on their first call instead: a start-up cost, not a behaviour.

- ``whoosh.compat`` does ``from urllib.request import urlretrieve`` (a
  Python 2 shim nothing in Whoosh calls), which loads http.client, email,
  ssl and hashlib: about 30 ms of every command that queries.
- ``whoosh.query.terms`` does ``from whoosh.lang.morph_en import variations``
  for the ``Variations`` query alone (searchkit never builds one): about
  7 ms of regular expressions compiled at import.
- ``whoosh.filedb.filetables`` does ``from hashlib import md5`` for one of
  its on-disk hash tables' hash functions (searchkit's codec writes none of
  them, but Whoosh's own codec may): loading hashlib loads OpenSSL, about
  3 ms of every command that opens an index.

While one of those Whoosh modules executes, and only then, the module
it imports from is a placeholder in ``sys.modules`` holding a forwarder for
the one name: a function that imports the real module on its first call
and calls the real function. The placeholder leaves ``sys.modules`` as
soon as the Whoosh module is loaded, so any later ``import urllib.request``
(or of ``morph_en`` or ``hashlib``) gets the real module; ``Variations`` still expands
words exactly as before (tests/test_startup.py checks each). If the real
module is already loaded, nothing is deferred.
"""

from __future__ import annotations

import importlib
import sys
import types

# Not typing's: searchkit/__init__ imports this module on every command.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any

# Whoosh module -> (the module it imports a name from, that name).
DEFERRED: dict[str, tuple[str, str]] = {
    "whoosh.compat": ("urllib.request", "urlretrieve"),
    "whoosh.query.terms": ("whoosh.lang.morph_en", "variations"),
    "whoosh.filedb.filetables": ("hashlib", "md5"),
}


def _forwarder(module: str, name: str) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"{module}.{name}, imported on its first call (searchkit.whoosh_imports)."
    return call


class _Loader:
    """Runs the Whoosh module's own loader with the placeholder in place."""

    def __init__(self, inner: Any, source: str, name: str) -> None:
        self.inner, self.source, self.name = inner, source, name

    def create_module(self, spec: Any) -> Any:
        return self.inner.create_module(spec)

    def exec_module(self, module: types.ModuleType) -> None:
        # The module is Whoosh's own from here on: tracebacks and
        # inspect.getsource go to its real loader.
        module.__loader__ = self.inner
        if module.__spec__ is not None:
            module.__spec__.loader = self.inner
        if self.source in sys.modules:
            self.inner.exec_module(module)
            return
        placeholder = types.ModuleType(self.source, "searchkit.whoosh_imports' stand-in while Whoosh loads")
        setattr(placeholder, self.name, _forwarder(self.source, self.name))
        sys.modules[self.source] = placeholder
        try:
            self.inner.exec_module(module)
        finally:
            if sys.modules.get(self.source) is placeholder:
                del sys.modules[self.source]


class _Finder:
    """A meta-path finder for the DEFERRED Whoosh modules only."""

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: Any = None) -> Any:
        deferred = DEFERRED.get(fullname)
        if deferred is None:
            return None
        from importlib.machinery import PathFinder

        spec = PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        spec.loader = _Loader(spec.loader, *deferred)  # type: ignore[assignment]  # a Loader in all but name
        return spec


def install() -> None:
    """Defer the DEFERRED imports in this process (once; a no-op once Whoosh is loaded)."""
    if any(isinstance(finder, _Finder) for finder in sys.meta_path):
        return
    sys.meta_path.insert(0, _Finder())
