"""Running a check in a forked child of the test process (POSIX only)."""

import os
import select
import signal
from typing import Callable


def in_forked_child(check: Callable[[], str], timeout: float) -> str:
    """Fork, run ``check`` in the child and return what it reported (``"ok"`` or why not).

    The child leaves with ``os._exit`` and never cleans up what it inherited, as a forked
    worker that crashes would not; a child that reports nothing within ``timeout`` seconds
    is killed and reported as hung.
    """
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        verdict = "the child raised before reporting"
        try:
            os.close(read_end)
            verdict = check()
        except BaseException as exc:
            verdict = f"child failed: {exc!r}"
        finally:
            os.write(write_end, verdict.encode()[:500] or b"?")
            os._exit(0)
    os.close(write_end)
    report = ""
    try:
        ready, _, _ = select.select([read_end], [], [], timeout)
        report = os.read(read_end, 1000).decode() if ready else ""
    finally:
        os.close(read_end)
        if not report:
            os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    return report or "the child hung"
