"""How a night ends for the people and monitors watching it: the summary, and an exit code.

Exit codes (README, Operations): 0 every call landed; 3 partial (the night finished and was
published, some calls failed: see `callintel status`); 4 failed (the night broke and was not
published; readers keep the previous night; rerun continues where it stopped); 5 another night
is running on this warehouse; 2 a configuration or usage error.
"""

from __future__ import annotations

import os
import traceback
from typing import Any

from rich.console import Console

from callintel.warehouse.publish import NightBusy
from callintel.warehouse.runs import EXIT_CODES

EXIT_BUSY = 5


def print_summary(result: dict[str, Any], out: Console) -> None:
    s = result.get("summary")
    if not s:
        return
    out.print(f"[bold]night {result['status']}[/bold] ({result['run_id']}): {s['calls_in']} calls in, "
              f"{s['done']} done ({s['cached']} cached), {s['failed']} failed, {s['to_review']} to review; "
              f"{s['audio_hours']:.2f} h of audio in {s['wall_seconds']:.0f} s wall, "
              f"{s['calls_per_hour'] or 0:.0f} calls/h")
    for c in s["slowest_calls"]:
        out.print(f"  slowest: {c['call_id']} {c['processing_s']:.1f} s for {c['audio_s']:.1f} s of audio")
    for night, call_id, duration, reason in result.get("to_review", []):
        out.print(f"  [yellow]needs a look[/yellow] {call_id} ({night}, {duration:.1f} s): {reason}")


def exit_code_for(result: dict[str, Any], out: Console) -> int:
    print_summary(result, out)
    return EXIT_CODES[result["status"]]


def failed_night(exc: BaseException, console: Console) -> int:
    """One readable line for a night that broke (the full traceback with CALLINTEL_DEBUG=1); its exit code."""
    if isinstance(exc, NightBusy):
        console.print(f"[red]not started:[/red] {exc}")
        return EXIT_BUSY
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    console.print(f"[red]night failed:[/red] {type(exc).__name__}: {exc}"
                  + (f" (at {os.path.basename(where.filename)}:{where.lineno})" if where else ""))
    console.print("Readers still see the previous published night; `callintel run` again continues where this "
                  "one stopped. Set CALLINTEL_DEBUG=1 for the full traceback.")
    if os.environ.get("CALLINTEL_DEBUG"):
        console.print("".join(traceback.format_exception(exc)))
    return EXIT_CODES["failed"]
