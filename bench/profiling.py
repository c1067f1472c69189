"""Where a worker's time goes under load: py-spy samples of one worker (`py-spy record --format raw
--nonblocking`, idle time left out), of talent-training and of the raw app under the same load, added up by self time per
package and per function, and by inclusive time per function of ours.

Two things to keep in mind when reading them:
- py-spy sees Python frames only: time in C or Cython code (uvloop's loop and transports, asyncpg's
  protocol, orjson, httptools, the kernel's socket calls) counts as self time of the Python function
  that called it (`Runner.run` is uvloop's loop, `Connection._do_execute` asyncpg's protocol,
  `RequestResponseCycle.send` the socket writes of the answer).
- A sample counts when the worker is runnable, not only when it runs: on a machine whose cores are
  shared by the workers, PostgreSQL and wrk, a worker that wakes another process by writing to a socket
  often waits for a core right there, so the lines that write to sockets weigh more than the CPU they
  use. The worker's time on a CPU and waiting for one, per request, are measured alongside
  (/proc/PID/schedstat); samples share out their sum.
- Frames that make system calls (socket writes, `os.getpid` in prometheus_client's multiprocess values,
  `os.urandom` in `uuid4`) were found unstable on this machine: between runs, and between py-spy's
  blocking and non-blocking modes, such a frame moved by up to 20 points. Shares say where to look; the
  CPU time per request, and a setting switched off (run.py's metrics diagnostic), what a change saves.

Install it with `.venv/bin/pip install py-spy`; without it the report says so and the rest runs as usual.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

_FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*?)(?::\d+)?\)$")
TOP = 15


@dataclass
class Profile:
    target: str  # talent-training, raw-asgi
    scenario: str
    url: str
    clients: int = 16
    rps: float = 0.0
    cpu_us_per_request: float = 0.0  # the worker's time on a CPU per request
    wait_us_per_request: float = 0.0  # its time runnable but waiting for a CPU, per request
    samples: int = 0
    packages: dict[str, int] = field(default_factory=dict)
    functions: dict[str, int] = field(default_factory=dict)  # self time
    ours_inclusive: dict[str, int] = field(default_factory=dict)
    error: str | None = None

    def share(self, count: int) -> float:
        return count / self.samples if self.samples else 0.0

    def microseconds(self, count: int) -> float:
        """What `count` samples stand for in a request: samples are taken while the worker runs or waits
        for a CPU, so they share out both."""
        return self.share(count) * (self.cpu_us_per_request + self.wait_us_per_request)


def py_spy() -> str | None:
    found = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    return found if Path(found).exists() else None


def start(pid: int, seconds: int, out: Path, rate: int = 500) -> subprocess.Popen[bytes]:
    binary = py_spy()
    assert binary is not None
    command = [
        binary,
        "record",
        "-p",
        str(pid),
        "-d",
        str(seconds),
        "-r",
        str(rate),
        "-f",
        "raw",
        "-o",
        str(out),
    ]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _split(frame: str) -> tuple[str, str]:
    matched = _FRAME.match(frame)
    if matched is None:
        return frame, ""
    return matched["function"], matched["file"]


def package_of(file: str) -> str:
    """`talent_training/web/routing.py` is ours, by layer; anything else is named by its top package."""
    parts = file.split("/")
    if parts[0] == "talent_training" and len(parts) > 2:
        return f"talent_training/{parts[1]}"
    if parts[0] == "talent_training":
        return "talent_training"
    if len(parts) == 1:
        return file.removesuffix(".py") or "?"
    return parts[0]


def summarise(profile: Profile, raw: Path) -> Profile:
    """The counts of `raw` (one `frame;frame;...;leaf count` line per distinct stack) added up."""
    self_time: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    ours: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = [_split(frame) for frame in stack.split(";")]
        function, file = frames[-1]
        self_time[f"{function} ({file})"] += count
        packages[package_of(file)] += count
        # The request path only: `serve` and the like are on every stack and say nothing.
        for name in {
            f"{f} ({p})"
            for f, p in frames
            if p.startswith("talent_training/") and p != "talent_training/cli.py"
        }:
            ours[name] += count
    profile.samples = total
    profile.functions = dict(self_time)
    profile.packages = dict(packages)
    profile.ours_inclusive = dict(ours)
    return profile


def top(counts: dict[str, int], n: int = TOP) -> list[tuple[str, int]]:
    return Counter(counts).most_common(n)


def more_than(ours: Profile, raw: Profile, counts: str, n: int = TOP) -> list[tuple[str, float]]:
    """What costs talent-training more µs per request than the raw app, by package or function, most first."""
    mine, theirs = getattr(ours, counts), getattr(raw, counts)
    extra = {
        name: ours.microseconds(mine.get(name, 0)) - raw.microseconds(theirs.get(name, 0))
        for name in set(mine) | set(theirs)
    }
    return sorted(((name, us) for name, us in extra.items() if us >= 0.5), key=lambda item: -item[1])[:n]
