"""Readers: one module a file type, each turning a file into Articles.

``dispatch.read_file`` picks the reader (``filetypes``), ``walk`` finds the
files and honours ``.searchkitignore``, ``sidecar`` applies manifests,
``survey`` says what a run would read, and ``limits`` holds every bound.
Nothing is imported here: ``searchkit.articles`` imports these modules and
they import the Article model from it.
"""
