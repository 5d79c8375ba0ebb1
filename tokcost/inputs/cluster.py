"""Counting on a Dask cluster: one started on this machine (``local``), or an existing one.

The third place batches are counted, beside this process and its worker processes
(:class:`tokcost.inputs.count_files.Counter`): the same :func:`count_batch` runs on the
cluster's workers, and the results come back in the order the batches were read, so that the
rows, totals and notes are the ones the single-machine path prints. On an existing cluster a
batch (about 2 MB of one file: whole lines, a table's rows, a piece of text) is one task, so a
single large file spreads over the cluster too. A local cluster shares this machine's CPUs with
its scheduler, which runs in this process: there the batches go to the workers as files in
memory, and a task counts up to four of them (see :class:`DaskPool`). Files under 4 MB are
counted here, as --jobs counts them: a task costs more than counting such a file.

Dask (``tokcost[cluster]``) is imported only here, and only when a cluster is asked for; an
existing cluster is reached over the network only when its address is named.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import itertools
import os
import pickle
import re
import shutil
import sys
import tempfile
from collections import deque
from collections.abc import Iterator
from typing import Any, NamedTuple

from tokcost.counting.rules import CALIBRATION_ENV_VAR
from tokcost.errors import OptionError, TokcostError
from tokcost.inputs.count_files import (
    BatchResult,
    Counter,
    CountJob,
    WorkerProcesses,
    build_encoders,
    count_batch,
    default_jobs,
    interrupts_held,
    take_signals_as_a_worker,
)
from tokcost.inputs.sources import Batch

LOCAL = "local"
# Seconds to wait for a scheduler to answer, and then for it to have a worker.
CONNECT_TIMEOUT = 5.0
WORKERS_TIMEOUT = 10.0
# Tasks in flight per worker thread: one being counted and one waiting, so that no worker
# idles between tasks, while memory holds only a few batches however large the input.
IN_FLIGHT_PER_THREAD = 2
# Batches a task on a local cluster, whose scheduler runs in this process, on the CPUs its
# workers count on: each task costs this process and its worker some milliseconds of CPU
# whatever its size, beside the 120-140 ms of counting a 2 MB batch. Four make a task of about
# half a second; more would leave a worker idle longer at a document's end.
LOCAL_BATCHES_A_TASK = 4
# Batches of a local cluster's first large document counted by a worker process of this
# machine's while the cluster starts (DaskPool._start_counting_here). Dask takes about 0.6 s
# to start on a 2-CPU machine (importing it 0.36 s, the cluster 0.1 s, then its workers'
# first tasks), in which that process counts four to six 2 MB batches; with more, the
# cluster's workers would wait for its results, which are handed on first. `bench.py cluster`
# on 121 MB of ShareGPT, medians of 5: 1.22x the --jobs 2 time with four, 1.17x with six.
HEAD_START_BATCHES = 6
# A scheduler's address: tcp://HOST:PORT (or HOST:PORT), or one of dask's other network
# protocols.
_ADDRESS = re.compile(r"^(?:(?:tcp|tls|ws|wss|ucx)://[^\s/]+|[^\s/:]+:\d+)$")
# How a local cluster starts its workers. Forked, a worker is ready in a tenth of a second;
# spawned (dask's default), each takes seconds to import Python, dask and tokcost afresh, which
# a count of a few hundred MB cannot win back. Fork only on Linux: on macOS system libraries
# break in a forked child.
_START_METHOD = "fork" if sys.platform.startswith("linux") else "spawn"
# A local cluster's upkeep, cut to what a count needs: dask's defaults suit long interactive
# sessions, and on a machine of few CPUs the main process (which runs the scheduler) and the
# workers share them.
_LOCAL_CLUSTER_CONFIG = {
    "distributed.worker.multiprocessing-method": _START_METHOD,
    "distributed.worker.profile.enabled": False,  # a thread sampling every task, in each worker
    "distributed.worker.memory.monitor-interval": "1s",  # each worker's size, read by the nanny
    "distributed.admin.system-monitor.interval": "2s",
    # How often each event loop checks that it is not stalled (a warning, which tokcost's
    # quiet logs hide anyway): every 20 ms by default, a few per cent of a CPU in all.
    "distributed.admin.tick.interval": "1s",
    # Each task is a batch of the same size, and few wait at a time: nothing to rebalance.
    "distributed.scheduler.work-stealing": False,
}
MISSING_EXTRA = "--cluster needs dask: pip install 'tokcost[cluster]'"
# A local cluster's spill folder (see _Spill): the prefix, then the id of the process that
# made it and mkdtemp's eight random characters. Only names of exactly this form are ever
# removed as another process's leftovers.
SPILL_PREFIX = "tokcost-batches-"
SPILL_MEMORY = "/dev/shm"  # a folder in memory, where the system has one (Linux)
_SPILL_NAME = re.compile(re.escape(SPILL_PREFIX) + r"([1-9][0-9]{0,8})-[a-z0-9_]{8}")


def cluster_counter(job: CountJob, cluster: str, workers: int | None = None) -> Counter:
    """A Counter that counts large documents (4 MB or more, and standard input) on a Dask
    cluster: ``"local"`` (one started on this machine with ``workers`` worker processes,
    default one per CPU) or a scheduler's address (``tcp://HOST:8786``). Use it as a context
    manager: leaving it stops the cluster it started, and on an error or Ctrl-C cancels the
    work under way."""
    return Counter(job, pool=DaskPool(job, cluster, workers))


def check_address(cluster: str) -> str:
    """``cluster`` if it is ``local`` or looks like a scheduler's address, else OptionError."""
    cluster = cluster.strip()
    if cluster == LOCAL or _ADDRESS.match(cluster):
        return cluster
    raise OptionError(f"--cluster takes {LOCAL} or a Dask scheduler's address "
                      f"(tcp://HOST:8786), not {cluster!r}")


class DaskPool:
    """Batches counted as tasks on a Dask cluster, their results handed back in order.

    The job (the price table and the models) goes to each worker once; each task carries only
    its batches (on a local cluster, the names of the files holding them). A task that fails
    (an error in it, or its worker dying) comes back as a problem naming the batch's place,
    and the other batches still count.

    On a local cluster, what dask costs besides the counting is this machine's own CPU time,
    taken from the workers: each task costs the scheduler, the client and the worker a few
    milliseconds whatever its size, and a batch's bytes sent with its task are copied and
    framed three times in this process (the client's socket, the scheduler's, and the
    scheduler's again to the worker). So there a task counts up to four batches (about half a
    second of a worker's time), which it reads from files in memory; its result comes from
    the worker straight to the client.
    """

    def __init__(self, job: CountJob, cluster: str, workers: int | None = None) -> None:
        self.address = check_address(cluster)
        if self.address != LOCAL and workers is not None:
            raise OptionError("--jobs sets the workers of --cluster local; an existing cluster "
                              "has the workers it has")
        if job.exact:
            raise OptionError("--cluster and --exact go separately: --exact asks Anthropic's "
                              "API from this machine, one request at a time")
        if self.address != LOCAL and os.environ.get(CALIBRATION_ENV_VAR):
            raise OptionError("a calibration (--calibration or $TOKCOST_CALIBRATION) is a file "
                              "on this machine, which the cluster's workers do not read: count "
                              f"without --cluster, or with --cluster {LOCAL}")
        self._distributed: Any = None
        if self.address != LOCAL:
            self._distributed = _import_distributed()
        elif importlib.util.find_spec("distributed") is None:  # (imported as it starts: map)
            raise TokcostError(MISSING_EXTRA)
        self._helper: WorkerProcesses | None = None
        self._threads_note: str | None = None
        self._cluster: Any = None
        self._client: Any = None
        self._pending: deque[_Task] = deque()
        self._spill: _Spill | None = None
        self._keys = itertools.count()
        self._job_spec, self._workers = job, workers
        self.batches_a_task = LOCAL_BATCHES_A_TASK if self.address == LOCAL else 1
        self._quiet = _QuietLogs()
        if self.address != LOCAL:  # an address is checked at once: a bad one is the error
            self._begin()

    def _begin(self) -> None:
        try:
            self._start(self._job_spec, self._workers)
        except BaseException:  # Ctrl-C while starting, or a cluster that cannot be used
            self.kill()
            raise

    def _start(self, job: CountJob, workers: int | None) -> None:
        distributed = self._distributed = self._distributed or _import_distributed()
        if self.address == LOCAL:
            import logging

            import dask

            # Processes, one thread each: an encoder holds the GIL while it counts. Only on
            # this machine's loopback, with no dashboard: nothing is served to the network.
            # (The scheduler serves its status over HTTP all the same: on a free port, not on
            # 8787, where another cluster may be, and dask would warn on stderr.)
            # Ctrl-C is held back until the cluster and its client are made, and then stops
            # them (_begin): landing inside, it left a cluster half made, which dask closed at
            # exit with a traceback. The thread the cluster's event loop runs in begins with
            # it held back too, and so do the workers forked from that thread, until
            # dask_setup: a Ctrl-C while a worker started gave a traceback of that worker's.
            with interrupts_held(), dask.config.set(_LOCAL_CLUSTER_CONFIG):
                self._cluster = distributed.LocalCluster(
                    n_workers=workers or default_jobs(), threads_per_worker=1, processes=True,
                    host="127.0.0.1", dashboard_address=None,
                    scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                    silence_logs=logging.CRITICAL,
                    preload=[__name__])  # each worker runs dask_setup below as it starts
                # Results straight from the worker that holds them, not relayed by the
                # scheduler (which runs in this process too: each hop is this process's CPU).
                self._client = distributed.Client(self._cluster, set_as_default=False,
                                                  direct_to_workers=True)
            self._spill = _Spill()
        else:
            self._client = self._connect(distributed)
        self.threads = max(sum(self._client.nthreads().values()), 1)
        self.in_flight = IN_FLIGHT_PER_THREAD * self.threads
        self._token = os.urandom(6).hex()  # task keys of their own on a shared cluster
        # The job is a task of its own, which every batch's task depends on: it travels to
        # each worker once, not with every batch, and the scheduler, holding its recipe, makes
        # it again if the workers that held it die (scattered data would be lost with them).
        self._job = self._client.submit(_the_job, job, key=f"tokcost-job-{self._token}",
                                        pure=False)

    def _connect(self, distributed: Any) -> Any:
        try:
            client = distributed.Client(self.address, timeout=CONNECT_TIMEOUT,
                                        set_as_default=False)
        except (OSError, TimeoutError, ValueError) as error:
            # (dask reports a timeout as an OSError of its own words)
            timed_out = isinstance(error, TimeoutError) or str(error).startswith("Timed out")
            why = f"no answer in {CONNECT_TIMEOUT:g} s" if timed_out else _reason(error)
            raise TokcostError(
                f"cannot reach a Dask scheduler at {self.address} ({why}); start "
                f"one there with `dask scheduler` and workers with `dask worker "
                f"{self.address}`, or count on this machine with --cluster {LOCAL}") from None
        try:
            client.wait_for_workers(1, timeout=WORKERS_TIMEOUT)
        except (OSError, TimeoutError):
            client.close()
            raise TokcostError(
                f"the Dask scheduler at {self.address} has no workers (waited "
                f"{WORKERS_TIMEOUT:g} s); start some with `dask worker {self.address}`"
                ) from None
        self._check_workers(client)
        self._threads_note = _threads_note(client.nthreads(), self.address)
        return client

    def _check_workers(self, client: Any) -> None:
        """Every worker must run this tokcost: another version could count otherwise."""
        from importlib.metadata import version

        mine = version("tokcost")
        theirs = client.run(version, "tokcost", on_error="return")
        for worker, found in sorted(theirs.items()):
            if found != mine:
                what = f"tokcost {found}" if isinstance(found, str) else "no tokcost"
                raise TokcostError(
                    f"the Dask worker {worker} has {what}, not tokcost {mine} as here: install "
                    "the same tokcost where the workers run, with pip install 'tokcost[cluster]'")

    def map(self, batches: Iterator[Batch], size: int | None = None) -> Iterator[BatchResult]:
        """The batches' results in order, with at most ``in_flight`` tasks sent ahead."""
        here: list[Batch] = []
        if self._client is None:
            # A local cluster starts at the first large document, as --jobs starts its
            # workers: none for small files, and forked once the document is open, so that
            # what reading it imported (pyarrow, for a table) comes with the fork.
            here = self._start_counting_here(batches)
        counted_here = len(here)
        pending = self._pending
        group: list[Batch] = []
        tasks = 0
        left = None if size is None else size - sum(batch.size for batch in here)
        del here  # (the worker process holds them)
        for batch in batches:
            group.append(batch)
            # A document's first tasks are of one batch, then two, then batches_a_task: a
            # document of a few batches still spreads over every worker. Towards its end
            # they shrink again (to what is left for each worker, halved), so that no worker
            # waits long for another's last task.
            most = min(self.batches_a_task, 1 << (tasks // self.threads))
            if left is not None:
                left -= batch.size
                if batch.size:
                    most = min(most, max(1, left // batch.size // (2 * self.threads)))
            if len(group) < most:
                continue
            pending.append(self._submit(group))
            group, tasks = [], tasks + 1
            if len(pending) >= self.in_flight:
                yield from self._counted_here(counted_here)
                counted_here = 0
                yield from self._results(pending.popleft())
        if group:
            pending.append(self._submit(group))
        yield from self._counted_here(counted_here)
        while pending:
            yield from self._results(pending.popleft())

    def _start_counting_here(self, batches: Iterator[Batch]) -> list[Batch]:
        """Start the local cluster, the document's first batches counting meanwhile in a
        worker process of this machine's (as --jobs counts): starting dask (importing it,
        forking its workers, their first task) takes most of a second, in which the CPUs
        would otherwise wait. Returns the batches that process counts."""
        first: list[Batch] = []
        if self.address == LOCAL and _START_METHOD == "fork":
            # Before either fork (this process, then dask's workers), so that both share the
            # encoders rather than each building its own (fast.build).
            build_encoders(self._job_spec)
            self._helper = WorkerProcesses.start(self._job_spec, 1)
            first = list(itertools.islice(batches, HEAD_START_BATCHES))
            self._helper.put_all(first)
        self._begin()
        return first

    def _counted_here(self, count: int) -> Iterator[BatchResult]:
        """The results of the batches :meth:`_start_counting_here` gave this machine, in
        order; its worker process then stops, leaving the CPUs to the cluster's."""
        if self._helper is None:
            return
        yield from self._helper.collect(count)
        helper, self._helper = self._helper, None
        helper.close()

    def _submit(self, group: list[Batch], names: list[str] | None = None) -> _Task:
        """One task counting the batches: sent as they are, or (a local cluster) put in
        files, of which the task carries the names; ``names``: files they are in already."""
        key = f"tokcost-count-{self._token}-{next(self._keys)}"
        if self._spill is None:
            return _Task(self._client.submit(_count, group, self._job, key=key, pure=False),
                         group, [])
        names = names or [self._spill.put(batch) for batch in group]
        future = self._client.submit(_count_spilled, names, self._job, key=key, pure=False)
        return _Task(future, [_hollow(batch) for batch in group], names)

    def _results(self, task: _Task) -> Iterator[BatchResult]:
        try:
            try:
                results: list[BatchResult] = task.future.result()
            finally:
                task.future.release()
        except Exception as error:  # noqa: BLE001 - any failure of the task is its batches'
            if self._client.status != "running":
                raise TokcostError(f"lost the Dask scheduler at {self._scheduler()} while "
                                   f"counting {task.batches[0].label}") from None
            if len(task.batches) == 1:
                yield self._not_counted(task, error)
            else:
                # Which of its batches failed is not known: each is counted again, alone, so
                # that only the one that fails is reported, and the others count.
                for index, batch in enumerate(task.batches):
                    yield from self._results(self._submit([batch], task.names[index:index + 1]))
        else:
            if self._threads_note:  # said once, with the first results
                results[0].notes.append(self._threads_note)
                self._threads_note = None
            yield from results
        finally:
            if self._spill is not None:
                for name in task.names:
                    self._spill.drop(name)

    def _not_counted(self, task: _Task, error: Exception) -> BatchResult:
        [batch] = task.batches
        if task.names:  # the batch itself, for its place (its lines are in its data)
            batch = self._spill.load(task.names[0]) if self._spill is not None else batch
        return BatchResult(problems=[f"{place(batch)}: not counted: {self._why(error)}; the "
                                     "rest is counted"], size=batch.size)

    def _why(self, error: Exception) -> str:
        if isinstance(error, self._distributed.KilledWorker):
            return "the cluster's workers died while counting it (out of memory?)"
        return f"its task failed on the cluster ({type(error).__name__}: {error})"

    def _scheduler(self) -> str:
        return self._cluster.scheduler_address if self._cluster is not None else self.address

    def close(self) -> None:
        self._stop()

    def kill(self) -> None:
        if self._client is not None and self._pending:
            try:
                self._client.cancel([task.future for task in self._pending], force=True)
            except Exception:  # noqa: BLE001 - stopping anyway; closing the client drops them too
                pass
        self._stop()

    def _stop(self) -> None:
        self._pending.clear()
        helper, self._helper = self._helper, None
        if helper is not None:  # stopped before its batches were collected
            helper.kill()
        client, self._client = self._client, None
        cluster, self._cluster = self._cluster, None
        spill, self._spill = self._spill, None
        try:
            if client is not None:
                client.close(timeout=5)
        finally:
            try:
                if cluster is not None:
                    cluster.close(timeout=10)
            finally:
                self._quiet.restore()
                if spill is not None:
                    spill.remove()


class _Task(NamedTuple):
    future: Any
    batches: list[Batch]  # (on a local cluster, without their data: that is in the files)
    names: list[str]  # a local cluster's: the files the batches are in, in order


def _hollow(batch: Batch) -> Batch:
    """The batch without what it holds, kept while its task runs: the files hold that."""
    return dataclasses.replace(batch, data=b"", conversations=[], text="")


def _threads_note(threads: dict[str, int], address: str) -> str | None:
    """A note for a cluster whose workers have more than one thread: a worker's threads count
    mostly one at a time (tokcost's counting, its fast encoder with it, holds Python's GIL), so
    such a worker counts on one CPU of the several it has."""
    many = sorted(count for count in threads.values() if count > 1)
    if not many:
        return None
    most = f"{many[-1]} threads" if many[0] == many[-1] else f"up to {many[-1]} threads"
    if len(many) == len(threads) == 1:
        who = f"the cluster's one worker has {most}"
    elif len(many) == len(threads):
        who = f"the cluster's {len(threads)} workers have {most} each"
    else:
        who = (f"{len(many)} of the cluster's {len(threads)} workers "
               f"{'has' if len(many) == 1 else 'have'} {most}")
    return (f"{who}, which count mostly one at a time (counting holds Python's GIL), so a worker "
            "counts on one CPU: to count on every CPU, start workers of one thread each "
            f"(`dask worker {address} --nworkers -1 --nthreads 1`)")


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise TokcostError(MISSING_EXTRA) from None
    return distributed


def _the_job(job: CountJob) -> CountJob:
    return job


def _count(batches: list[Batch], job: CountJob) -> list[BatchResult]:
    """A task: its batches counted, in order."""
    return [count_batch(batch, job) for batch in batches]


def _count_spilled(names: list[str], job: CountJob) -> list[BatchResult]:
    """A local cluster's task: the batches :class:`_Spill` put in the files named, counted."""
    return [count_batch(_Spill.load(name), job) for name in names]


class _Spill:
    """The batches a local cluster counts, handed to its workers as files in a folder of this
    user's alone, in memory where the system has a folder for that (/dev/shm), and only their
    names sent as the tasks: 2 MB of a batch through dask's sockets is copied and framed by
    this process three times (client, scheduler, and the scheduler again to the worker), on
    the CPUs the workers count on, where a file is written once and read once. A file stays
    until its batch's result is in, since dask may run a task again (on another worker, when
    the first died); the folder goes when the cluster stops.

    A process killed outright (SIGKILL, the out-of-memory killer) cannot remove its folder,
    whose files hold memory until the machine restarts: so the folder is named with its
    process's id, and each new one first removes those of processes that no longer run."""

    def __init__(self) -> None:
        parent = _spill_parent()
        _remove_stale_spills(parent)
        self.folder = tempfile.mkdtemp(prefix=f"{SPILL_PREFIX}{os.getpid()}-", dir=parent)
        self._names = itertools.count()

    def put(self, batch: Batch) -> str:
        name = os.path.join(self.folder, str(next(self._names)))
        with open(name, "wb") as file:
            pickle.dump(batch, file, protocol=pickle.HIGHEST_PROTOCOL)
        return name

    @staticmethod
    def load(name: str) -> Batch:
        with open(name, "rb") as file:
            batch: Batch = pickle.load(file)
        return batch

    def drop(self, name: str) -> None:
        try:
            os.unlink(name)
        except FileNotFoundError:
            pass

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _spill_parent() -> str:
    """Where spill folders are made: /dev/shm (memory) if this user may write there, else
    the temporary folder."""
    memory = SPILL_MEMORY
    if os.path.isdir(memory) and os.access(memory, os.W_OK | os.X_OK):
        return memory
    return tempfile.gettempdir()


def _remove_stale_spills(parent: str) -> list[str]:
    """Removes the spill folders in ``parent`` of this user's processes that have ended
    (killed before they could remove them); the names of those it removed. Only names of
    the exact form a spill folder has are considered: nothing else there is touched."""
    removed: list[str] = []
    if os.name != "posix":  # (on Windows os.kill(pid, 0) would end the process, not probe it)
        return removed
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return removed
    for entry in entries:
        found = _SPILL_NAME.fullmatch(entry.name)
        if found is None or _alive(int(found.group(1))):
            continue
        try:
            # A real folder of this user's, not a link to one: /dev/shm is shared by all.
            if not entry.is_dir(follow_symlinks=False) or \
                    entry.stat(follow_symlinks=False).st_uid != os.getuid():
                continue
        except OSError:
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        if not os.path.lexists(entry.path):
            removed.append(entry.path)
    return removed


def _alive(pid: int) -> bool:
    """Whether a process ``pid`` may run: only one the system says does not exist has ended.
    One of another user's (PermissionError) runs; so does a zombie, whose id is still
    taken."""
    try:
        os.kill(pid, 0)  # signal 0: nothing is sent, the id is only checked
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError, or anything else: not known to have ended
        return True
    return True


def dask_setup(worker: object) -> None:
    """Run by each worker of a local cluster as it starts (dask's preload hook), in its main
    thread: it takes signals as tokcost's own worker processes do (take_signals_as_a_worker),
    Ctrl-C being the main process's to handle, which stops the cluster."""
    take_signals_as_a_worker()


def place(batch: Batch) -> str:
    """Where a batch lies in its file, for a message, as the single-machine path names places:
    its lines, rows or conversations, or where its text starts (a byte of the text, which in a
    compressed file is of the text uncompressed)."""
    if batch.kind == "lines":
        last = batch.first + batch.data.rstrip(b"\n").count(b"\n")
        lines = f"line {batch.first}" if last == batch.first else \
            f"lines {batch.first}-{last}"
        return f"{batch.label}: {lines} (from byte {batch.offset})"
    if batch.kind == "rows":
        return f"{batch.label}: rows from {batch.first:,}"
    if batch.kind == "conversations":
        last = batch.first + len(batch.conversations) - 1
        which = f"conversation {batch.first}" if last == batch.first else \
            f"conversations {batch.first}-{last}"
        return f"{batch.label}: {which}"
    return f"{batch.label}: the text from byte {batch.offset}"


class _QuietLogs:
    """Dask's own log lines kept off stderr while tokcost uses it (tokcost reports what goes
    wrong in its own lines); put back after, since tokcost may run inside another program."""

    NAMES = ("distributed", "dask")

    def __init__(self) -> None:
        import logging

        # dask's logging configuration gives some of them levels of their own
        # (distributed.client), which their parent's level does not override.
        names = [name for name in [*self.NAMES, *logging.root.manager.loggerDict]
                 if name in self.NAMES or name.startswith(tuple(f"{n}." for n in self.NAMES))]
        self._levels = {name: logging.getLogger(name).level for name in names}
        for name in names:
            logging.getLogger(name).setLevel(logging.CRITICAL)

    def restore(self) -> None:
        import logging

        levels, self._levels = self._levels, {}
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def _reason(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.rstrip(".")

