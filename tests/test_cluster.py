"""`count --cluster`: counting on a Dask cluster prints what counting on one machine prints.

A local cluster (`--cluster local`) and a real one (a `dask scheduler` and two `dask worker`
processes on 127.0.0.1, started here and stopped after) each count inputs made of many small
batches (the batch size is made tiny), and must give the single-machine path's output byte for
byte; a task that fails on the cluster is one problem naming its place; bad options, an
unreachable scheduler and a missing extra are each one line.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

import tokcost.inputs.cluster as cluster
import tokcost.inputs.count_files as count_files
import tokcost.inputs.sources as sources
from tokcost.inputs.count_files import BatchResult, CountJob, WorkerProcesses
from tokcost.inputs.sources import Batch, Document, Source, open_source
from tokcost.pricing.table import PriceTable

# Written against the 2026-11-22 table, whose models (Claude Sonnet 4.5) the newest one no
# longer sells.
pytestmark = pytest.mark.usefixtures("on_current_table")

if TYPE_CHECKING:
    from conftest import Result

Run = Callable[..., "Result"]
DATA = Path(__file__).parent / "data"
COUNT = DATA / "count"
MODELS = ("-m", "gpt-4o,claude-sonnet-4-5")


@pytest.fixture
def tiny_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of about 2 KB, so that small files make many tasks, as a large one does, and
    every file counted on the cluster (as those of 4 MB or more are)."""
    monkeypatch.setattr(sources, "BATCH_BYTES", 2048)
    monkeypatch.setattr(count_files, "PARALLEL_MIN_BYTES", 1)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """A JSON Lines file of 400 conversations and a long text (each of many batches); the same
    conversations gzip- and zstd-compressed, and as a Parquet table of four row groups; and
    the count fixtures: JSON documents, JSON Lines, text, and broken files (their errors and
    notes must come out the same too)."""
    import gzip

    import pyarrow as pa
    import pyarrow.parquet as pq
    import zstandard

    folder = tmp_path_factory.mktemp("cluster-inputs")
    records = json.loads((COUNT / "sharegpt_excerpt.json").read_text())
    many = folder / "many.jsonl"
    lines = [json.dumps(records[index % 4]) + "\n" for index in range(400)]
    many.write_text("".join(lines))
    (folder / "many.jsonl.gz").write_bytes(gzip.compress(many.read_bytes()))
    (folder / "many.jsonl.zst").write_bytes(zstandard.compress(many.read_bytes()))
    table = pa.Table.from_pylist([json.loads(line) for line in lines])
    pq.write_table(table, folder / "many.parquet", row_group_size=100)
    texts = [turn["value"] for record in records for turn in record["conversations"]]
    long = folder / "long.txt"
    long.write_text("\n".join(texts * 20))
    return [str(many), str(long), *(str(folder / name) for name in (
        "many.jsonl.gz", "many.jsonl.zst", "many.parquet")), str(COUNT)]


def local_path(cli: Run, *args: str) -> Result:
    """What counting on this machine gives (one process: the reference)."""
    return cli("count", *args, "--jobs", "1")


# --- a local cluster ---------------------------------------------------------------------------

@pytest.mark.usefixtures("tiny_batches")
def test_a_local_cluster_prints_what_one_machine_prints(cli: Run, inputs: list[str]) -> None:
    for options in (("-f", "csv"), ("-f", "json", "--per-message")):
        here = local_path(cli, *inputs, *MODELS, *options)
        there = cli("count", *inputs, *MODELS, *options, "--cluster", "local")
        assert (there.status, there.out, there.err) == (here.status, here.out, here.err)
        if options[1] == "csv":
            rows = here.out.splitlines()
            for path in (inputs[0], *inputs[2:5]):  # the same conversations, each way
                assert any(row.startswith(f"{path},") and row.endswith(
                    ",gpt-4o,400,700,37300,exact,,0.09325") for row in rows), path
            assert here.status == 1  # the broken fixtures: their errors are in both
            assert ("sharegpt_truncated.json:28: [2]: not valid JSON: the file ends inside "
                    "this record") in here.err


@pytest.mark.usefixtures("tiny_batches")
def test_a_local_cluster_applies_the_calibration(cli: Run, inputs: list[str],
                                                 tmp_path: Path) -> None:
    # Its workers count by the calibration in force here, as worker processes do.
    calibration = tmp_path / "calibration.json"
    calibration.write_text(json.dumps({"format": 1, "models": {"claude-sonnet-4-5": {
        "rule": "mine", "method": "openai", "about": "a test's", "weights": {
            "text": 2.0, "message": 10.0, "request": 20.0},
        "measured": {"records": 50, "median_pct": 1.0, "p90_pct": 2.5}}}}))
    options = (inputs[0], "-m", "claude-sonnet-4-5", "-f", "csv", "--calibration",
               str(calibration))
    here = local_path(cli, *options)
    there = cli("count", *options, "--cluster", "local")
    assert (there.status, there.out, there.err) == (here.status, here.out, here.err)
    uncalibrated = local_path(cli, *options[:-2])
    assert here.out.splitlines()[1].split(",")[7] == "2.5"  # the calibration's own band
    assert here.out != uncalibrated.out


class _DeathOfItsWorker:
    """Makes a batch kill the worker process that counts it, as the out-of-memory killer
    would: its ``raw_lines`` (what count_batch reads a lines batch through) is os._exit,
    bound in the instance, so that it travels with the batch and runs only where the batch is
    counted."""

    @staticmethod
    def batch() -> Batch:
        batch = Batch("dies.jsonl", "lines", None, data=b"{}\n{}\n", first=3, offset=40, size=6)
        batch.raw_lines = functools.partial(os._exit, 1)  # type: ignore[method-assign]
        return batch


def test_a_failed_task_is_one_problem_and_the_rest_counts(current_table: PriceTable) -> None:
    import dask
    import distributed  # noqa: F401 - its defaults loaded before dask.config.set below, which
    # would otherwise, on leaving, drop the whole "distributed" key it added (and the later
    # tests' clusters could not start)

    job = CountJob(current_table, (current_table.resolve("gpt-4o").model,))
    example = Path("examples/support-chat.json")
    [good] = open_source(Source(str(example), example)).batches()
    # A text batch whose text is missing: counting it raises, in the worker.
    broken = Batch("broken.txt", "text", None, text=None, offset=100, size=50)  # type: ignore[arg-type]
    # A task whose worker dies is given up at once (dask's default tries it on three more
    # workers, each of which it would kill).
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), \
            cluster.cluster_counter(job, "local", 2) as counter:
        pool = counter._workers
        assert isinstance(pool, cluster.DaskPool)
        # A document's first six batches count on this machine while the cluster starts;
        # its first tasks then hold one batch each, then two, then four: the broken batch is
        # in a task of three, which fails; its batches are then counted one a task, so that
        # only the broken one is reported, and the other two count.
        assert (pool.batches_a_task, cluster.HEAD_START_BATCHES) == (4, 6)
        first = counter.count(Document("chats", "openai", None,
                                       iter([good] * 12 + [good, broken, good])))
        assert [(c.conversations, c.tokens) for c in first.counts] == [(14, 14 * 216)]
        # It serves this machine only: the scheduler and workers listen on the loopback.
        assert pool._client.scheduler_info()["address"].startswith("tcp://127.0.0.1:")
        assert all(worker.startswith("tcp://127.0.0.1:") for worker in pool._client.nthreads())
        # The batches went to the workers as files of a folder of its own, each removed
        # once its result was in.
        assert pool._spill is not None
        folder = Path(pool._spill.folder)
        assert folder.is_dir() and list(folder.iterdir()) == []
        [problem] = map(str, first.problems)
        assert problem.startswith("broken.txt: the text from byte 100: not counted: its task "
                                  "failed on the cluster (TypeError: ")
        assert problem.endswith("); the rest is counted")

        second = counter.count(Document("dies.jsonl", "jsonl", None,
                                        iter([_DeathOfItsWorker.batch()])))
        assert (second.counts, list(map(str, second.problems))) == ([], [
            "dies.jsonl: lines 3-4 (from byte 40): not counted: the cluster's workers died "
            "while counting it (out of memory?); the rest is counted"])

        # Its worker restarted, the cluster counts on.
        third = counter.count(Document("chats", "openai", None, iter([good])))
        assert [(c.conversations, c.tokens) for c in third.counts] == [(1, 216)]
    assert not folder.exists()  # gone with the cluster


@pytest.mark.usefixtures("tiny_batches")
def test_a_local_cluster_starts_while_its_first_batches_count_here(
        current_table: PriceTable, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first HEAD_START_BATCHES batches of the first large document count in a worker
    process of this machine's while dask starts; then the cluster's tasks grow (one batch,
    then two, then four) and, towards the document's end, shrink back to one."""
    job = CountJob(current_table, (current_table.resolve("gpt-4o").model,))
    example = Path("examples/support-chat.json")
    [read] = open_source(Source(str(example), example)).batches()
    good = dataclasses.replace(read, size=1000)  # (a document's batch: its size is 0)
    counted_here: list[int] = []
    tasks: list[int] = []
    collect, submit = WorkerProcesses.collect, cluster.DaskPool._submit

    def collect_spy(self: WorkerProcesses, count: int) -> Iterator[BatchResult]:
        counted_here.append(count)
        return collect(self, count)

    def submit_spy(self: cluster.DaskPool, group: list[Batch],
                   names: list[str] | None = None) -> Any:
        tasks.append(len(group))
        return submit(self, group, names)

    monkeypatch.setattr(WorkerProcesses, "collect", collect_spy)
    monkeypatch.setattr(cluster.DaskPool, "_submit", submit_spy)
    with cluster.cluster_counter(job, "local", 2) as counter:
        counted = counter.count(Document("chats", "openai", 46 * good.size, iter([good] * 46)))
        assert [(c.conversations, c.tokens) for c in counted.counts] == [(46, 46 * 216)]
        pool = counter._workers
        assert isinstance(pool, cluster.DaskPool)
        assert pool._helper is None  # stopped once its batches were in
    assert counted_here == [6]
    # The 40 batches left: tasks of at most half of what is left a worker, at the end.
    assert tasks == [1, 1, 2, 2, 4, 4, 4, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1]


def test_a_local_cluster_starts_only_for_a_large_document(current_table: PriceTable) -> None:
    # As --jobs starts its worker processes: a file under 4 MB is counted here.
    job = CountJob(current_table, (current_table.resolve("gpt-4o").model,))
    example = Path("examples/support-chat.json")
    with cluster.cluster_counter(job, "local", 2) as counter:
        counted = counter.count(open_source(Source(str(example), example)))
        assert [(c.conversations, c.tokens) for c in counted.counts] == [(1, 216)]
        pool = counter._workers
        assert isinstance(pool, cluster.DaskPool)
        assert (pool._client, pool._cluster, pool._spill) == (None, None, None)


def _an_ended_pid() -> int:
    """The id of a process that has run and ended (and been waited for)."""
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait(timeout=30)
    return ended.pid


@pytest.mark.usefixtures("tiny_batches")
def test_a_count_removes_the_batches_left_by_a_killed_count(
        cli: Run, inputs: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A count killed outright (SIGKILL, the out-of-memory killer) leaves its folder of batches
    # in memory: the next count on a local cluster removes it, and only it.
    monkeypatch.setattr(cluster, "SPILL_MEMORY", str(tmp_path))
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        dead = _an_ended_pid()
        stale = tmp_path / f"tokcost-batches-{dead}-k2_x9q0a"
        stale.mkdir()
        (stale / "0").write_bytes(b"a batch" * 1000)
        kept = [
            f"tokcost-batches-{running.pid}-abcdefgh",  # its process runs
            "tokcost-batches-1-abcdefgh",  # another user's process (init): it runs
            "tokcost-batches-2l4ljr33",  # no process id in its name: not known to have ended
            f"tokcost-batches-{dead}-abc",  # not a name tokcost gives
            f"tokcost-batches-{dead}-abcdefgh.old",
            f"tokcost-batches-0{dead}-abcdefgh",
            f"my-batches-{dead}-abcdefgh",
        ]
        for name in kept:
            (tmp_path / name).mkdir()
            (tmp_path / name / "0").write_text("kept")
        # A file and a link of a stale folder's name are not folders tokcost made.
        (tmp_path / f"tokcost-batches-{dead}-afile000").write_text("kept")
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        (elsewhere / "0").write_text("kept")
        (tmp_path / f"tokcost-batches-{dead}-alink000").symlink_to(elsewhere)

        here = local_path(cli, inputs[0], "-f", "csv")
        there = cli("count", inputs[0], "-f", "csv", "--cluster", "local")
        assert (there.status, there.out, there.err) == (here.status, here.out, here.err)
        assert sorted(path.name for path in tmp_path.iterdir()) == sorted([
            *kept, f"tokcost-batches-{dead}-afile000", f"tokcost-batches-{dead}-alink000",
            "elsewhere"])  # the stale folder gone, and this count's own removed at its end
        assert all((tmp_path / name / "0").read_text() == "kept" for name in kept)
        assert (elsewhere / "0").read_text() == "kept"
    finally:
        running.kill()
        running.wait(timeout=30)


def test_a_spill_folder_is_named_with_its_process_id(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cluster, "SPILL_MEMORY", str(tmp_path))
    spill = cluster._Spill()
    try:
        folder = Path(spill.folder)
        assert folder.parent == tmp_path
        assert cluster._SPILL_NAME.fullmatch(folder.name).group(1) == str(os.getpid())
        # Another count's, running in this process, is not taken for a stale one.
        assert cluster._remove_stale_spills(str(tmp_path)) == []
        assert folder.is_dir()
    finally:
        spill.remove()
    assert not folder.exists()


def test_without_a_folder_in_memory_the_batches_go_to_the_temporary_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    monkeypatch.setattr(cluster, "SPILL_MEMORY", str(tmp_path / "no-such-folder"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    stale = tmp_path / f"tokcost-batches-{_an_ended_pid()}-abcdefgh"
    stale.mkdir()
    spill = cluster._Spill()
    spill.remove()
    assert Path(spill.folder).parent == tmp_path
    assert not stale.exists()


# --- an existing cluster: a scheduler and two workers, as users start them ---------------------

def _dask_command() -> str:
    beside_python = Path(sys.executable).parent / "dask"
    assert beside_python.exists(), "the dask command is not installed (pip install '.[test]')"
    return str(beside_python)


def _group_gone(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The address of a Dask scheduler with two single-thread workers (see _a_dask_cluster)."""
    with _a_dask_cluster(tmp_path_factory.mktemp("dask-cluster"), (1, 1)) as address:
        yield address


@contextlib.contextmanager
def _a_dask_cluster(folder: Path, threads: tuple[int, ...]) -> Iterator[str]:
    """The address of a Dask scheduler with a worker of each number of threads, all on
    127.0.0.1 with free ports and no dashboards, each in a process group of its own, stopped
    on leaving (and checked gone)."""
    from distributed import Client

    scheduler_file = folder / "scheduler.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TOKCOST_", "DASK_"))}
    dask = _dask_command()
    commands = [[dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                 "--dashboard-address", "127.0.0.1:0",  # (its status page: not on 8787)
                 "--scheduler-file", str(scheduler_file)]]
    commands += [[dask, "worker", "--scheduler-file", str(scheduler_file), "--host", "127.0.0.1",
                  "--nthreads", str(count), "--no-dashboard", "--name", f"worker-{n}"]
                 for n, count in enumerate(threads, start=1)]
    processes = []
    try:
        for number, command in enumerate(commands):
            log = (folder / f"process-{number}.log").open("wb")
            processes.append(subprocess.Popen(command, cwd=folder, env=env, stdout=log,
                                              stderr=subprocess.STDOUT, start_new_session=True))
            if number == 0:  # the workers read the scheduler's address from its file
                deadline = time.monotonic() + 60
                while not scheduler_file.exists() or not scheduler_file.read_text():
                    assert processes[0].poll() is None, (folder / "process-0.log").read_text()
                    assert time.monotonic() < deadline, "the scheduler did not start"
                    time.sleep(0.1)
        address = json.loads(scheduler_file.read_text())["address"]
        with Client(address, timeout=30, set_as_default=False) as client:
            client.wait_for_workers(len(threads), timeout=60)
        yield address
    finally:
        for process in reversed(processes):
            with_group = process.pid
            if not _group_gone(with_group):
                os.killpg(with_group, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        deadline = time.monotonic() + 10
        while not all(_group_gone(p.pid) for p in processes) and time.monotonic() < deadline:
            time.sleep(0.1)  # a nanny's worker process ends just after the nanny
        left = [p.pid for p in processes if not _group_gone(p.pid)]
        for group in left:
            os.killpg(group, signal.SIGKILL)
        assert left == [], "dask processes still running after the tests"


@pytest.mark.usefixtures("tiny_batches")
def test_an_existing_cluster_prints_what_one_machine_prints(cli: Run, inputs: list[str],
                                                            dask_cluster: str) -> None:
    here = local_path(cli, *inputs, *MODELS, "-f", "csv")
    there = cli("count", *inputs, *MODELS, "-f", "csv", "--cluster", dask_cluster)
    assert (there.status, there.out, there.err) == (here.status, here.out, here.err)
    assert f"{inputs[0]},jsonl,gpt-4o,400,700,37300,exact,,0.09325" in there.out.splitlines()


@pytest.mark.usefixtures("tiny_batches")
def test_workers_of_many_threads_are_told_of(cli: Run, inputs: list[str], tmp_path: Path) -> None:
    """Counting holds the GIL: a worker of two threads counts on one CPU. The count is the
    same, with one note saying how to start the workers instead."""
    here = local_path(cli, inputs[0], "-f", "csv")
    with _a_dask_cluster(tmp_path, (2,)) as address:
        there = cli("count", inputs[0], "-f", "csv", "--cluster", address)
    assert (there.status, there.out) == (0, here.out)
    assert there.err == (
        "tokcost: note: the cluster's one worker has 2 threads, which count mostly one at a "
        "time (counting holds Python's GIL), so a worker counts on one CPU: to count on every "
        f"CPU, start workers of one thread each (`dask worker {address} --nworkers -1 "
        "--nthreads 1`)\n") + here.err


@pytest.mark.usefixtures("tiny_batches")
def test_tokcost_cluster_names_the_cluster(cli: Run, inputs: list[str], dask_cluster: str,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    here = local_path(cli, inputs[0], "-f", "json")
    monkeypatch.setenv("TOKCOST_CLUSTER", dask_cluster)
    there = cli("count", inputs[0], "-f", "json")
    assert (there.status, there.out, there.err) == (0, here.out, here.err)
    # Named there, the cluster's own workers count: --jobs is for this machine's.
    refused = cli("count", inputs[0], "--jobs", "2")
    assert (refused.status, refused.out, refused.err) == (2, "", (
        "tokcost: error: --jobs sets the workers of --cluster local; an existing cluster has "
        "the workers it has\n"))


# --- what cannot be counted on a cluster: one line each -----------------------------------------

def _free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (it was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unreachable_scheduler_is_one_line(cli: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", 1.0)
    address = f"tcp://127.0.0.1:{_free_port()}"
    result = cli("count", "examples/support-chat.json", "--cluster", address)
    assert (result.status, result.out, result.err) == (1, "", (
        f"tokcost: error: cannot reach a Dask scheduler at {address} (no answer in 1 s); start "
        f"one there with `dask scheduler` and workers with `dask worker {address}`, or count "
        "on this machine with --cluster local\n"))


def test_a_scheduler_without_workers_is_one_line(cli: Run,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from distributed import LocalCluster

    monkeypatch.setattr(cluster, "WORKERS_TIMEOUT", 0.5)
    with LocalCluster(n_workers=0, host="127.0.0.1", dashboard_address=None,
                      scheduler_kwargs={"dashboard_address": "127.0.0.1:0"}) as empty:
        address = empty.scheduler_address
        result = cli("count", "examples/support-chat.json", "--cluster", address)
    assert (result.status, result.out, result.err) == (1, "", (
        f"tokcost: error: the Dask scheduler at {address} has no workers (waited 0.5 s); start "
        f"some with `dask worker {address}`\n"))


def test_without_dask_the_cluster_is_one_line(cli: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if the extra were not installed
    result = cli("count", "examples/support-chat.json", "--cluster", "local")
    assert (result.status, result.out, result.err) == (1, "", (
        "tokcost: error: --cluster needs dask: pip install 'tokcost[cluster]'\n"))


@pytest.mark.parametrize(("options", "line"), [
    (("--cluster", "my-laptop"),
     "--cluster takes local or a Dask scheduler's address (tcp://HOST:8786), not 'my-laptop'"),
    (("--cluster", "http://127.0.0.1:8786"),
     "--cluster takes local or a Dask scheduler's address (tcp://HOST:8786), not "
     "'http://127.0.0.1:8786'"),
    (("--cluster", "tcp://127.0.0.1:8786", "--jobs", "4"),
     "--jobs sets the workers of --cluster local; an existing cluster has the workers it has"),
    (("--cluster", "local", "--exact"),
     "--cluster and --exact go separately: --exact asks Anthropic's API from this machine, "
     "one request at a time"),
])
def test_options_a_cluster_cannot_take_are_one_line(cli: Run, options: tuple[str, ...],
                                                    line: str) -> None:
    result = cli("count", "examples/support-chat.json", *options)
    assert (result.status, result.out, result.err) == (2, "", f"tokcost: error: {line}\n")


def test_an_empty_cluster_option_counts_here_whatever_the_environment_says(
        cli: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    here = cli("count", "examples/support-chat.json", "-f", "csv")
    monkeypatch.setenv("TOKCOST_CLUSTER", "tcp://127.0.0.1:1")
    result = cli("count", "examples/support-chat.json", "-f", "csv", "--cluster", "")
    assert (result.status, result.out, result.err) == (0, here.out, here.err)


def test_a_calibration_stays_off_an_existing_cluster(cli: Run, tmp_path: Path) -> None:
    calibration = tmp_path / "calibration.json"
    calibration.write_text(json.dumps({"format": 1, "models": {}}))
    result = cli("count", "examples/support-chat.json", "--calibration", str(calibration),
                 "--cluster", "tcp://127.0.0.1:8786")
    assert (result.status, result.out, result.err) == (2, "", (
        "tokcost: error: a calibration (--calibration or $TOKCOST_CALIBRATION) is a file on "
        "this machine, which the cluster's workers do not read: count without --cluster, or "
        "with --cluster local\n"))


# --- at a terminal: progress, and Ctrl-C stops everything --------------------------------------

def _descendants(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found += [int(child), *_descendants(int(child))]
    return found


def _running(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return "\nState:\tZ" not in status


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(),
                    reason="finds the worker processes through /proc (Linux)")
@pytest.mark.parametrize(("stop", "to_group", "status"), [
    (signal.SIGINT, True, 130),  # Ctrl-C at a terminal: the whole process group gets it
    (signal.SIGTERM, False, 143),  # kill PID: the main process alone
])
def test_a_stop_ends_the_local_cluster(installed_command: str, big_input: Path, tmp_path: Path,
                                       stop: signal.Signals, to_group: bool, status: int,
                                       interruptible: Callable[[], None]) -> None:
    process = subprocess.Popen([installed_command, "count", str(big_input), "-f", "csv",
                                "--cluster", "local"], cwd=tmp_path, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, start_new_session=True,
                               preexec_fn=interruptible)
    # Its batches' folder is named with its process id (in /dev/shm, or the temporary folder).
    parent = Path(cluster._spill_parent())
    deadline = time.monotonic() + 60
    while len(workers := _descendants(process.pid)) < 2 or \
            not (folders := list(parent.glob(f"tokcost-batches-{process.pid}-*"))):
        assert process.poll() is None and time.monotonic() < deadline, "no workers started"
        time.sleep(0.05)
    time.sleep(0.5)  # counting by now
    assert process.poll() is None, "the count ended before it could be stopped"
    assert len(folders) == 1 and folders[0].is_dir()
    if to_group:
        os.killpg(process.pid, stop)
    else:
        process.send_signal(stop)
    out, err = process.communicate(timeout=60)
    assert process.returncode == status
    assert out == b"" and err.strip() == b""
    deadline = time.monotonic() + 10
    while any(_running(worker) for worker in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [worker for worker in workers if _running(worker)] == []
    assert not folders[0].exists()  # its batches removed with it


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(),
                    reason="finds the worker processes through /proc (Linux)")
def test_ctrl_c_while_the_local_cluster_starts(installed_command: str, big_input: Path,
                                              tmp_path: Path,
                                              interruptible: Callable[[], None]) -> None:
    """Ctrl-C while dask starts (imported, then its scheduler and workers made, about half a
    second after the head-start worker process appears): each time exit status 130, nothing
    on stdout or stderr (no worker's traceback, nor dask's at exit), and every process gone."""
    for after in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        process = subprocess.Popen([installed_command, "count", str(big_input), "-f", "csv",
                                    "--cluster", "local"], cwd=tmp_path,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   start_new_session=True, preexec_fn=interruptible)
        deadline = time.monotonic() + 60
        while not _descendants(process.pid):  # the head-start worker: dask starts now
            assert process.poll() is None and time.monotonic() < deadline, "nothing started"
            time.sleep(0.01)
        time.sleep(after)
        os.killpg(process.pid, signal.SIGINT)
        out, err = process.communicate(timeout=60)
        assert (after, process.returncode, out, err.strip()) == (after, 130, b"", b"")
        deadline = time.monotonic() + 10
        while not _group_gone(process.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _group_gone(process.pid), after


def test_progress_on_a_terminal_with_a_local_cluster(
        installed_command: str, tmp_path: Path,
        on_a_terminal: Callable[[list[str], Path], tuple[int, str, bytes]]) -> None:
    status, out, shown = on_a_terminal([installed_command, "count", "--cluster", "local"],
                                           tmp_path)
    assert status == 0
    assert b"tokens/s" in shown and b"MB" in shown
    assert out.splitlines()[1].split(",")[5] == "1200000"
