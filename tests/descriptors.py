"""This process's open descriptors, read from ``/proc/self/fd`` (Linux; empty elsewhere).

Sockets, pipes and event descriptors are what a client or server leaks; regular files
opened by pytest, hypothesis or logging come and go with their own lifetimes.
"""

import os
from typing import Dict

FD_DIR = "/proc/self/fd"
LEAKABLE = ("socket:", "pipe:", "anon_inode:")


def descriptor_targets() -> Dict[int, str]:
    """Descriptor -> what it points at (``socket:[inode]``, ``pipe:[inode]``, a path)."""
    if not os.path.isdir(FD_DIR):
        return {}
    targets = {}
    for name in os.listdir(FD_DIR):
        try:
            targets[int(name)] = os.readlink(os.path.join(FD_DIR, name))
        except OSError:
            continue  # the descriptor used by listdir itself, already closed
    return targets


def count_descriptors(*prefixes: str) -> int:
    """How many open descriptors point at something starting with one of ``prefixes``."""
    return sum(target.startswith(prefixes) for target in descriptor_targets().values())
