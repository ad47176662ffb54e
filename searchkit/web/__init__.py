"""The local web UI (``searchkit serve``): search, read and cite in a browser.

A thin layer over the public library, like the CLI: each page or API
response is one or two ``SearchIndex`` calls, the JSON is render.py's (the
CLI's own), and errors are turned into status codes and messages in one
place (``failures.describe``). Needs the ``web`` extra:
``pip install 'searchkit[web]'``.
"""

from .app import create_app

__all__ = ["create_app"]
