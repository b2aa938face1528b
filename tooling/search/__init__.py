"""The site's clause-level search: the index the search page reads and the tokeniser spec it
implements (:mod:`.index`). The Sphinx extension only calls it at build time."""

from .index import (
    INDEX_FILE,
    SearchIndex,
    SearchRecord,
    build_search_index,
    citation_examples,
    decode_postings,
    encode_postings,
    write_search_index,
)

__all__ = [
    "INDEX_FILE",
    "SearchIndex",
    "SearchRecord",
    "build_search_index",
    "citation_examples",
    "decode_postings",
    "encode_postings",
    "write_search_index",
]
