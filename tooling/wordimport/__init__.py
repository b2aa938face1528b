"""Word (.docx) policies into MyST: the numbers Word shows (``numbering.xml``) become clause numbers."""

from .importer import ImportReport, import_docx

__all__ = ["ImportReport", "import_docx"]
