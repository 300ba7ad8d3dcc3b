"""The Django project that hosts the ``deployer`` app (ailoop-py recipe)."""
