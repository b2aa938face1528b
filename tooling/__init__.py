"""Policy publishing with citable clauses, question collection and FAQ drafting."""

__version__ = "0.1.0"
