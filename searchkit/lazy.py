"""Modules imported on first use, for a command line that starts fast."""

from __future__ import annotations

import importlib
import types
from typing import Any


class _LazyModule(types.ModuleType):
    """Stands for a module until one of its attributes is asked for."""

    def __init__(self, name: str, keep: bool = False) -> None:
        super().__init__(name)
        self.__dict__["_target"] = name
        self.__dict__["_keep"] = keep

    def __getattr__(self, attr: str) -> Any:
        # import_module is a dictionary look-up once the module is loaded.
        value = getattr(importlib.import_module(self.__dict__["_target"]), attr)
        if self.__dict__["_keep"]:
            self.__dict__[attr] = value  # later reads skip this method
        return value


def lazy_module(name: str, keep: bool = False) -> Any:
    """``keep``: remember each attribute once read (for a hot path; a test's
    monkeypatch of the real module would then not be seen)."""
    return _LazyModule(name, keep)
