"""`python -m infra simulate`: a peak Saturday replayed through the plan's own scaling numbers."""
