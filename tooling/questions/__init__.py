"""The question inbox: read questions from the formats they come in, scrub and normalise them,
and keep them in one SQLite store that the matcher and the FAQ drafter read."""
