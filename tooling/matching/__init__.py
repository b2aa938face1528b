"""Match questions to clauses and approved FAQ entries, group paraphrases, and measure both.

``answer(root, question)`` / ``Matcher`` answer questions; ``cluster_questions`` groups them;
``evaluate`` measures both against labeled questions beside a plain BM25 baseline.
"""
