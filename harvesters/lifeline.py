"""Worker processes that end with the harvest that started them.

A harvest killed with SIGKILL cannot shut its pool down: its mapping worker (about
85 MB) and multiprocessing's resource tracker stayed, blocked on a pipe, for minutes.
Each worker asks Linux to send it SIGKILL when its parent dies (``PR_SET_PDEATHSIG``);
the resource tracker then sees its pipe close and ends too.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> None:
    """Pool initializer: this process is killed when ``parent`` dies (Linux only).

    The parent may already have died between the fork and this call: then the process
    has been re-parented, and it ends at once.
    """
    if sys.platform != "linux":
        return
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) != 0:
        return  # not allowed here (a sandbox): the pool's shutdown still ends it normally
    if os.getppid() != parent:
        os._exit(1)
