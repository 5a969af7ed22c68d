"""CPU time and peak memory of a benchmark's processes (Linux)."""

from __future__ import annotations

import os

import psutil


def cpu_seconds(process: psutil.Process | None = None) -> float:
    """User + system CPU of a process, or of this one."""
    if process is None:
        times = os.times()
        return times.user + times.system
    times = process.cpu_times()
    return times.user + times.system


def peak_rss_mb(process: psutil.Process) -> float:
    """The most resident memory the process has had (VmHWM), in MB."""
    with open(f"/proc/{process.pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def stop(*processes) -> None:
    """Terminate a benchmark's processes (subprocess.Popen) one after the other, each once the one
    before has exited: the bot's last call to the sandbox must still find it."""
    for process in processes:
        process.terminate()
        process.wait(30)
