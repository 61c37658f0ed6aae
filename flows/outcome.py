"""How a night ends for the people and monitors watching it: the summary, and an exit code.

Exit codes (README, Operations): 0 every call landed; 3 partial (the night finished and was
published, some calls or its exports failed: see `callintel status`); 4 failed (the night broke and was
not published; readers keep the previous night; a rerun continues in its working copy when it left one);
5 another night is running on this warehouse; 2 a configuration or usage error (nothing started).
"""

from __future__ import annotations

import os
import traceback
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from callintel.manifest import ManifestError
from callintel.settings import ConfigError
from callintel.warehouse.publish import NightBusy
from callintel.warehouse.runs import EXIT_CODES

EXIT_BUSY = 5
EXIT_CONFIG = 2


def print_summary(result: dict[str, Any], out: Console) -> None:
    s = result.get("summary")
    if not s:
        return
    out.print(f"[bold]night {result['status']}[/bold] ({escape(result['run_id'])}): {s['calls_in']} calls in, "
              f"{s['done']} done ({s['cached']} cached), {s['failed']} failed, {s['to_review']} to review; "
              f"{s['audio_hours']:.2f} h of audio in {s['wall_seconds']:.0f} s wall, "
              f"{s['calls_per_hour'] or 0:.0f} calls/h")
    for c in s["slowest_calls"]:
        out.print(f"  slowest: {escape(c['call_id'])} {c['processing_s']:.1f} s for {c['audio_s']:.1f} s of audio")
    for night, call_id, duration, reason in result.get("to_review", []):
        out.print(f"  [yellow]needs a look[/yellow] {escape(call_id)} ({night}, {duration:.1f} s): {escape(reason)}")


def exit_code_for(result: dict[str, Any], out: Console) -> int:
    """The run's code: its status's, or 3 when the night was published but its exports failed."""
    print_summary(result, out)
    if result.get("exports_error"):
        out.print(f"[red]exports failed[/red]: {escape(result['exports_error'])}")
    return result.get("exit_code", EXIT_CODES[result["status"]])


def failed_night(exc: BaseException, console: Console, work: Path | None = None) -> int:
    """One readable line for a night that broke (the full traceback with CALLINTEL_DEBUG=1); its exit code.

    `work` is the night's working copy: only when one is left does a rerun continue where this one stopped.
    """
    if isinstance(exc, NightBusy):
        console.print(f"[red]not started:[/red] {escape(str(exc))}")
        return EXIT_BUSY
    if isinstance(exc, ConfigError):  # the settings, the caller-hash key: nothing started, nothing to continue
        console.print(f"[red]configuration error:[/red] {escape(str(exc))}")
        return EXIT_CONFIG
    if isinstance(exc, ManifestError):  # no manifest, an empty one, a missing column: read before anything starts
        console.print(f"[red]manifest error:[/red] {escape(str(exc))}; nothing started")
        return EXIT_CONFIG
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    console.print(f"[red]night failed:[/red] {type(exc).__name__}: {escape(str(exc))}"
                  + (f" (at {os.path.basename(where.filename)}:{where.lineno})" if where else ""))
    then = ("`callintel run` again continues where this one stopped (in its working copy)"
            if work is not None and work.exists() else "fix the cause and run the night again")
    console.print(f"Readers still see the previous published night; {then}. Set CALLINTEL_DEBUG=1 for the "
                  "full traceback.")
    if os.environ.get("CALLINTEL_DEBUG"):
        console.print(escape("".join(traceback.format_exception(exc))))
    return EXIT_CODES["failed"]
