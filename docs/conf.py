"""Sphinx configuration for the ailoop-py documentation."""

import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_VERSION_FILE = (ROOT / "ailoop" / "_version.py").read_text(encoding="utf-8")
_match = re.search(r'^__version__ = "([^"]+)"', _VERSION_FILE, re.M)
if _match is None:
    raise RuntimeError("ailoop/_version.py has no __version__")

project = "ailoop-py"
author = "ailoop-py contributors"
copyright = "ailoop-py contributors"
release = _match.group(1)
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
]

root_doc = "index"
master_doc = "index"  # Sphinx < 4 name of root_doc
exclude_patterns = ["_build"]
pygments_style = "sphinx"

autodoc_member_order = "bysource"
autodoc_typehints = "description"
napoleon_google_docstring = True
napoleon_numpy_docstring = False

html_theme = "alabaster"
html_title = f"ailoop-py {release}"
html_theme_options = {
    "description": "Blocking, threaded Python SDK for the ailoop human-in-the-loop server",
    "fixed_sidebar": True,
}
