"""Evaluation harness and datasets: retrieval quality, the advice judge, coach runs."""
