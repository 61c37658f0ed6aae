"""The temporary Prefect server dies with the night, even when the night is killed with SIGKILL.

Without PREFECT_API_URL, Prefect starts a temporary server on first use: `SubprocessASGIServer`
runs `python -m uvicorn ...` with `subprocess.Popen` and stops it from an `atexit` hook, which
never runs when the main process is killed, so the uvicorn child was orphaned. Here the same
server is started up front, from the main thread, with the child asking the kernel
(prctl PR_SET_PDEATHSIG) for SIGTERM when its parent dies. `SubprocessASGIServer` is a per-port
singleton, so Prefect's own client later finds this running instance and reuses it.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # runs in the child between fork and exec
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


class _PopenDyingWithParent(subprocess.Popen):
    def __init__(self, *args, **kwargs):
        parent = os.getpid()

        def pre_exec() -> None:
            _die_with_parent()
            if os.getppid() != parent:  # the parent died before prctl took effect
                os._exit(1)

        kwargs.setdefault("preexec_fn", pre_exec)
        super().__init__(*args, **kwargs)


def start_temporary_server() -> str | None:
    """Start Prefect's temporary server tied to this process; returns its API URL (None if a server is configured).

    Call before the first flow runs, from the main thread (PDEATHSIG fires when the *thread* that
    started the child ends).
    """
    from prefect.settings import PREFECT_API_URL

    if PREFECT_API_URL.value():
        return None
    if not sys.platform.startswith("linux") or threading.current_thread() is not threading.main_thread():
        return None  # Prefect starts its own server (no death signal outside Linux)
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()
    if not server.running:
        launch = server._run_uvicorn_command

        def launch_dying_with_parent():
            original, subprocess.Popen = subprocess.Popen, _PopenDyingWithParent
            try:
                return launch()
            finally:
                subprocess.Popen = original

        server._run_uvicorn_command = launch_dying_with_parent
        server.start()
    return server.api_url


def start_scheduling_server(home: str, timeout_s: float = 180) -> str:
    """A full `prefect server start` (with its scheduler, which the temporary server lacks) tied to this process.

    For `callintel serve` without PREFECT_API_URL; production runs the server as its own service.
    """
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = dict(os.environ, PREFECT_HOME=home, PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_UI_ENABLED="false")
    env.pop("PREFECT_API_URL", None)
    proc = _PopenDyingWithParent([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                                  "--port", str(port)], env=env, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/api"
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"`prefect server start` exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return url
        except OSError:
            time.sleep(0.5)
    proc.terminate()
    raise RuntimeError(f"the Prefect server did not answer on {url} within {timeout_s:.0f} s")
