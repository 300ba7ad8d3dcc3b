"""A Django app that asks a person before deploying (ailoop-py recipe)."""
