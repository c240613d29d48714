"""The guidance corpus (cards) and rubric. Data only; located with coach.resources."""
