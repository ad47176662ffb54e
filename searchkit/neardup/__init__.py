"""Near-duplicates (syndicated copies) in one place.

- ``sketches``: bottom-k MinHash sketches of an article's words, and
  anchors for finding candidates;
- ``groups``: ``Groups``, the incremental union of linked ids (what a
  search reads, without the hashing ``sketches`` sets up);
- ``links``: keeping the groups in step with the index as runs commit
  (candidates from anchor postings, links stored in the catalog);
- ``fold``: folding at search time, one rule (each group keeps its
  earliest matching article, undated last) for the engine's arrays and
  for Whoosh's collector, which also counts the copies each hit stands for.

Nothing is imported here: ``import searchkit.neardup.sketches`` loads only
what it names.
"""
