"""Adapters for agent frameworks; each submodule is imported on its own.

* :mod:`ailoop.integrations.openai`: JSON schemas and a tool-call dispatcher for
  OpenAI-style function calling (needs no extra package).
* :mod:`ailoop.integrations.langchain`: LangChain tools (``pip install
  'ailoop-py[langchain]'``).

Importing :mod:`ailoop` or this package never imports a framework.
"""

from typing import List

__all__: List[str] = []
