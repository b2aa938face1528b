"""The "50 questions" FAQ: entries in ``faq/*.md``, checks, drafting (offline or an LLM),
grounding of figures, gap reports, review as a git branch, approval in place."""
