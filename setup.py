"""Packaging for ailoop-py (import name ``ailoop``)."""

import pathlib
import re

from setuptools import find_packages, setup

HERE = pathlib.Path(__file__).parent
VERSION = re.search(
    r'^__version__ = "([^"]+)"', (HERE / "ailoop" / "_version.py").read_text(encoding="utf-8"), re.M
).group(1)

TESTING = ["aiohttp>=3.9"]
LANGCHAIN = ["langchain-core>=1.0; python_version >= '3.10'"]
"""langchain-core 1.x needs Python 3.10 or later (1.8 needs 3.11)."""
DEV = [
    *TESTING,
    *LANGCHAIN,
    "pytest>=7",
    "pytest-timeout>=2.1",
    "hypothesis>=6.50",
    "trustme>=1.0",
    "flask>=2.2",
    "django>=4.2",
    "httpx>=0.23",
    # The deployment recipes run under real servers in the tests (tests/recipes).
    "gunicorn>=21.2; sys_platform != 'win32'",
    "uwsgi>=2.0.21; sys_platform != 'win32'",
    "celery>=5.3",
    "celery-types>=0.20; python_version >= '3.11'",
    "mypy>=1.8; python_version >= '3.11'",
    "types-requests>=2.28; python_version >= '3.11'",
    "ruff>=0.5",
    "sphinx>=5",
    "build>=0.10",
    "twine>=4",
    "tox>=4",
]

setup(
    name="ailoop-py",
    version=VERSION,
    description="Blocking, threaded Python SDK for the ailoop human-in-the-loop server",
    long_description=(HERE / "README.rst").read_text(encoding="utf-8"),
    long_description_content_type="text/x-rst",
    license="MIT",
    keywords=["ailoop", "human-in-the-loop", "approval", "websocket", "agents", "django", "flask"],
    url="https://github.com/goailoop/ailoop",
    project_urls={
        "Source": "https://github.com/goailoop/ailoop",
        "Server protocol": "https://github.com/goailoop/ailoop/tree/main/ailoop-server",
    },
    packages=find_packages(include=["ailoop", "ailoop.*"]),
    # The package sits at the project root; mapping the root explicitly makes `pip install
    # -e .` write a plain path entry (.pth) instead of an import hook, so type checkers
    # (mypy, pyright) see the editable install.
    package_dir={"": "."},
    package_data={"ailoop": ["py.typed"]},
    python_requires=">=3.8",
    install_requires=[
        "requests>=2.25",
        # ailoop._readahead overrides websocket-client internals (WebSocket._recv and the
        # frame reader's recv_length): bounded below the next major release, and tox's
        # ws-oldest / ws-newest environments test both ends of this range.
        "websocket-client>=1.5,<2",
        "dataclasses-json>=0.5.7",
        "backoff>=2.0",
        "typing_extensions>=4.6",
    ],
    extras_require={"testing": TESTING, "langchain": LANGCHAIN, "dev": DEV},
    entry_points={
        "console_scripts": ["ailoop-py=ailoop.cli:main"],
        "pytest11": ["ailoop=ailoop.testing.pytest_plugin"],
    },
    classifiers=[
        "Development Status :: 4 - Beta",
        "Intended Audience :: Developers",
        "Operating System :: OS Independent",
        "Programming Language :: Python :: 3",
        "Programming Language :: Python :: 3 :: Only",
        "Programming Language :: Python :: 3.8",
        "Programming Language :: Python :: 3.9",
        "Programming Language :: Python :: 3.10",
        "Programming Language :: Python :: 3.11",
        "Programming Language :: Python :: 3.12",
        "Programming Language :: Python :: 3.13",
        "Framework :: Django",
        "Framework :: Flask",
        "Framework :: Pytest",
        "Topic :: Software Development :: Libraries",
        "Typing :: Typed",
    ],
)
