"""Project benchmarks; ``python -m benchmarks [NAME…]`` runs ``benchmarks/bench_*.py``."""
