"""Modules imported on first use, for a command line that starts fast."""

from __future__ import annotations

import importlib
import types
from typing import Any


class _LazyModule(types.ModuleType):
    """Stands for a module until one of its attributes is asked for."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.__dict__["_target"] = name

    def __getattr__(self, attr: str) -> Any:
        # import_module is a dictionary look-up once the module is loaded.
        return getattr(importlib.import_module(self.__dict__["_target"]), attr)


def lazy_module(name: str) -> Any:
    return _LazyModule(name)
