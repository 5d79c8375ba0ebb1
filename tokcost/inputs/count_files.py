"""Counting whole inputs: one result per file and model, with the input cost of sending it.

A document arrives as batches (see :mod:`tokcost.inputs.sources`). :func:`count_batch` counts one
batch; the same function runs here for ``--jobs 1`` or in worker processes for large inputs, and
the results are gathered in input order, so both give the same rows.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from tokcost.counting import fast
from tokcost.counting.counter import (
    Accuracy,
    CountAccuracy,
    MessageTokens,
    ModelCounter,
    TokenCount,
    preview,
)
from tokcost.counting.rules import CALIBRATION_ENV_VAR, calibration_stamp
from tokcost.errors import (
    ApiError,
    InputFileError,
    OptionError,
    TokcostError,
    UnknownModelError,
    UnpricedError,
)
from tokcost.formats.conversations import Conversation, parse_conversations, to_anthropic_request
from tokcost.formats.embeddings import Texts, texts_of
from tokcost.formats.shape import ConversationError, has_media, image_count
from tokcost.inputs.bad_lines import BadLines
from tokcost.inputs.sources import (
    Batch,
    Document,
    open_source,
    parse_json_line,  # one parse of a line, then its shape
    source_of,
)
from tokcost.output import ACCURACY_COLUMNS, Column, band_joined, for_people
from tokcost.pricing.costing import TokenUsage, cost_of, price_steps
from tokcost.pricing.schema import STANDARD, ModelPrice
from tokcost.pricing.table import PriceTable, load_price_table
from tokcost.wording import number_of

if TYPE_CHECKING:
    from tokcost.formats.plain_requests import PlainReader, PlainRequest

DEFAULT_MODEL = "gpt-4o"
# Below this a document is counted here: starting workers would cost more than it saves.
PARALLEL_MIN_BYTES = 4 << 20
COUNT_COLUMNS = (
    Column("path"), Column("format", drop=3), Column("model"),
    Column("conversations", "int", "convs", drop=2), Column("messages", "int", "msgs", drop=2),
    Column("tokens", "int"), *ACCURACY_COLUMNS, Column("input_cost_usd", "usd", "input cost"),
)
# JSON and JSON Lines say, a row each, how many of its file's lines were bad (and not
# counted); a table, CSV and TSV keep their columns, and a note says it on stderr.
COUNT_JSON_COLUMNS = (Column("skipped", "int"),)
# At a terminal the error band goes beside the word: "estimate ±23%".
COUNT_TABLE_COLUMNS = for_people(COUNT_COLUMNS)
# How many of a document's texts over a model's input limit are named; the rest are counted.
SHOWN_OVER_LIMIT = 3
PER_MESSAGE_COLUMNS = (
    Column("path", drop=1), Column("conversation", "int", "conv"), Column("index", "int", "#"),
    Column("role"), Column("tokens", "int"), Column("preview"), *ACCURACY_COLUMNS,
)
PER_MESSAGE_TABLE_COLUMNS = for_people(PER_MESSAGE_COLUMNS)


@dataclass
class FileCount:
    """The tokens of one file (or stdin) for one model, and what sending them costs as input."""

    path: str
    format: str
    model: str
    conversations: int | None
    messages: int | None
    tokens: int
    accuracy: Accuracy
    input_cost_usd: Decimal | None  # None: the model has no price at the chosen service tier
    # For an estimate by a measured rule: 90% of measured requests were within this many
    # percent of what the provider billed. None when exact, or when never measured.
    error_p90_pct: Decimal | None = None
    # (conversation number, message) pairs, kept only when asked for (--per-message), and how
    # sure each conversation's count is (a message's share is as sure as its conversation's).
    per_message: list[tuple[int | None, MessageTokens]] = field(default_factory=list, repr=False)
    accuracy_of: dict[int, CountAccuracy] = field(default_factory=dict, repr=False)
    # Texts longer than the model's input limit (an embedding model's window): how many, and
    # the first few as (place, tokens). They are in the count all the same.
    over_input_limit: int = 0
    first_over_input_limit: list[tuple[str, int]] = field(default_factory=list, repr=False)
    texts: int = 0  # the texts counted as inputs of their own (embedding inputs)
    skipped: int = 0  # the file's bad lines (records, rows): not counted

    def row(self, *, for_table: bool = False) -> dict[str, Any]:
        """The row ``tokcost count`` prints; at a terminal the error band joins the accuracy."""
        row = {column.name: getattr(self, column.name)
               for column in (*COUNT_COLUMNS, *COUNT_JSON_COLUMNS)}
        return band_joined(row) if for_table else row

    def message_rows(self, *, for_table: bool = False) -> list[dict[str, Any]]:
        """The rows ``tokcost count --per-message`` prints: each message's share, as sure as
        its conversation's count (a run of text, as the file's)."""
        whole = CountAccuracy(self.accuracy, self.error_p90_pct)
        rows = []
        for number, message in self.per_message:
            sure = whole if number is None else self.accuracy_of.get(number, whole)
            row = {"path": self.path, "conversation": number, "index": message.index,
                   "role": message.role, "tokens": message.tokens, "preview": message.preview,
                   "accuracy": sure.accuracy, "error_p90_pct": sure.error_p90_pct}
            rows.append(band_joined(row) if for_table else row)
        return rows


@dataclass
class DocumentCount:
    """All the results for one document, plus what could not be counted and notes for people."""

    counts: list[FileCount]
    problems: list[InputFileError]  # its bad lines (the first few: see bad_lines), then others
    notes: list[str]
    warnings: list[str] = field(default_factory=list)  # counted, but the API would refuse it
    # With --exact: the API's failure for a model, naming the conversation it stopped at; that
    # model has no count for the document (the other models have theirs).
    failures: list[ApiError] = field(default_factory=list)
    bad: BadLines | None = None  # its bad lines, all counted (``problems`` shows the first)


@dataclass(frozen=True)
class CountJob:
    """What every batch is counted for; the same in every worker."""

    table: PriceTable
    models: tuple[ModelPrice, ...] = ()  # empty: each conversation's own model, else gpt-4o
    per_message: bool = False
    exact: bool = False
    service_tier: str = STANDARD  # which of a model's price sets the input is priced at
    batch: bool = False  # priced at the model's Batch API prices

    @functools.cached_property
    def refuses_some(self) -> bool:
        """Whether a model named is an embedding model, which is given no conversations."""
        return any(model.mode == "embedding" for model in self.models)


@dataclass
class Counted:
    """One conversation (or one run of text) counted for one model."""

    conversation: int  # its place in the batch
    model: str
    tokens: int
    messages: int | None  # None for text
    estimate: bool
    error_p90_pct: Decimal | None = None  # the estimate's measured band, if one holds
    rows: tuple[MessageTokens, ...] = ()
    preview: str = ""
    images: int = 0  # for a per-image fee
    text_item: bool = False  # a text that is an input of its own (``messages`` is None)
    over_limit_at: str | None = None  # its place, when it is over the model's input limit


@dataclass
class BatchResult:
    counted: list[Counted] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    damage: str = ""  # a compressed stream's: not a bad line, but where its lines stop
    notes: list[str] = field(default_factory=list)
    conversations: int = 0  # conversations and texts of their own, each one a request
    size: int = 0
    # Embedding model -> [conversations it was not given, the first one's place]: an
    # embedding model embeds texts, not chats.
    refused: dict[str, list[Any]] = field(default_factory=dict)
    # Model -> the API's failure for it (--exact), naming the conversation: the model is not
    # counted further in the batch, as the next request would most likely fail the same way.
    failed: dict[str, str] = field(default_factory=dict)


# --- counting one batch (here or in a worker) -------------------------------------------------

# Per process, so that encodings load once; keyed by everything that decides the counts (the
# model's table entry and the calibration in force), not by the model's name alone. The entry
# by its id: this is looked up for every conversation, where hashing the whole entry costs
# more than counting a short message. (The entry is kept, so that its id stays its own.)
_counters: dict[tuple[int, tuple[str, int, int] | None], tuple[ModelPrice, ModelCounter]] = {}


def _counter(model: ModelPrice) -> ModelCounter:
    key = (id(model), calibration_stamp() if os.environ.get(CALIBRATION_ENV_VAR) else None)
    found = _counters.get(key)
    if found is None or found[0] is not model:
        found = _counters[key] = (model, ModelCounter(model))
    return found[1]


def load_counters(job: CountJob) -> None:
    """Make the job's counters (their encodings loaded) in this process, so that worker
    processes forked from it after share them instead of each loading its own."""
    for model in _job_models(job):
        _counter(model)


def build_encoders(job: CountJob) -> None:
    """Build the fast encoders of the job's models in this process, for the worker processes
    forked from it after (a local Dask cluster's) to share: see ``fast.build``."""
    for encoding in sorted({model.tokenizer.encoding for model in _job_models(job)}):
        fast.build(encoding)


def _job_models(job: CountJob) -> Sequence[ModelPrice]:
    return job.models or (job.table.resolve(DEFAULT_MODEL).model,)


def count_batch(batch: Batch, job: CountJob) -> BatchResult:
    """Count one batch for the job's models; problems come back as messages, in order."""
    result = BatchResult(size=batch.size, damage=batch.damage)
    result.problems.extend(batch.problems)
    if batch.kind == "text":
        alike = _Alike()
        for model in _job_models(job):
            counter = _counter(model)
            count = alike.count(counter, counter.counts_text_like,
                                functools.partial(counter.text, batch.text), text=True)
            result.counted.append(Counted(0, model.id, count.tokens, None,
                                          count.accuracy == "estimate", count.error_p90_pct,
                                          preview=preview(batch.text[:200])))
            result.notes.extend(count.notes)
            if job.exact and count.accuracy == "estimate":
                result.notes.append(_exact_cannot_count_text(model))
        return result
    if batch.kind == "lines":
        plain = _plain_reader(job, batch.fmt)
        # The batch's counters, by their model's id: _counter reads the environment, which
        # costs as much as counting a short request.
        counters: dict[int, ModelCounter] = {}
        for number, offset, raw in batch.raw_lines():
            if plain is not None:
                request = plain.read(raw)
                if request is not None and _count_plain(request, (batch.label, ":", number),
                                                        job, result, counters):
                    continue
            line = batch.decoded(number, offset, raw)
            try:
                if isinstance(line, InputFileError):
                    raise line
                conversations = _parse_line(number, line, batch.label, batch.fmt)
            except InputFileError as error:
                result.problems.append(str(error))
                continue
            if isinstance(conversations, Texts):
                _count_texts(conversations, (batch.label, ":", number), job, result)
                continue
            for conversation in conversations:
                _count_conversation(conversation, (batch.label, ":", number), job, result)
        return result
    if batch.kind == "rows":
        for number, held in batch.rows():
            if isinstance(held, InputFileError):
                result.problems.append(str(held))
            elif isinstance(held, Texts):
                _count_texts(held, (batch.label, ": row ", number), job, result)
            else:
                for conversation in held:
                    _count_conversation(conversation, (batch.label, ": row ", number), job,
                                        result)
        return result
    for offset, conversation in enumerate(batch.conversations):
        _count_conversation(conversation, (batch.label, ": conversation ", batch.first + offset),
                            job, result)
    return result


def _plain_reader(job: CountJob, fmt: str | None) -> PlainReader | None:
    """What reads a batch's plain requests from their bytes, when the job may count them so:
    not for --exact (the API counts), --per-message (its rows need the texts) or embedding
    models, nor for a format forced to one that is not OpenAI's."""
    if job.exact or job.per_message or job.refuses_some or fmt not in (None, "openai", "batch"):
        return None
    from tokcost.formats.plain_requests import PlainReader  # (msgspec: for JSON Lines only)

    return PlainReader(fmt)


def _count_plain(request: PlainRequest, place: tuple[str, str, int], job: CountJob,
                 result: BatchResult, counters: dict[int, ModelCounter]) -> bool:
    """Count a plain request, as _count_conversation would count its conversation, and say
    so; False (with nothing counted) when it must be read the general way: a model named is
    counted by a weighted rule, or is unknown, or a message is not plain after all."""
    found = None
    if job.models:
        models = job.models
    else:
        try:
            found = job.table.resolve(request.model or DEFAULT_MODEL)
        except UnknownModelError:
            return False  # the general way reports it, with its place
        if found.model.mode == "embedding":
            return False
        models = (found.model,)
    alike: dict[tuple[object, ...], tuple[ModelCounter, TokenCount]] = {}  # as _Alike does
    counts = []
    for model in models:
        counter = counters.get(id(model))
        if counter is None:
            counter = counters[id(model)] = _counter(model)
        if not counter.counts_plain:
            return False
        if len(models) == 1:  # (the key of counts alike costs a few microseconds to hash)
            counted = counter.plain_request(request)
            if counted is None:
                return False
            counts.append(counted)
            break
        earlier = alike.get(counter.counts_text_like)
        if earlier is not None:
            count = counter.relabelled(earlier[1], earlier[0])
        else:
            counted = counter.plain_request(request)
            if counted is None:
                return False
            count = counted
            alike[counter.counts_text_like] = (counter, counted)
        counts.append(count)
    if found is not None and found.note:
        result.notes.append(found.note)
    index = result.conversations
    result.conversations += 1
    messages = len(request.messages)
    for model, count in zip(models, counts, strict=True):
        result.counted.append(Counted(index, model.id, count.tokens, messages,
                                      count.accuracy == "estimate", count.error_p90_pct))
        result.notes.extend(count.notes)
    return True


def _parse_line(number: int, line: str, label: str, fmt: str | None
                ) -> list[Conversation] | Texts:
    """The conversations of one JSON Lines line, or the texts it holds to embed (unless a
    conversation format is forced); InputFileError names the line."""
    value = parse_json_line(line, label, number - 1)
    try:
        if fmt in (None, "batch"):
            texts = texts_of(value)
            if texts is not None:
                return texts
        return parse_conversations(value, fmt)
    except ConversationError as error:
        raise InputFileError(f"{label}:{number}: {error}") from None


def input_limit(model: ModelPrice) -> int | None:
    """The most tokens one input may hold, where the API refuses longer ones: an embedding
    model's window, which its API enforces input by input. (A chat model's window holds its
    reply too; ``ModelPrice.fits`` decides that.)"""
    return model.context_window if model.mode == "embedding" else None


def _count_texts(texts: Texts, place: tuple[str, str, int], job: CountJob,
                 result: BatchResult) -> None:
    """Each text of a line as an input of its own, for every model: no chat framing."""
    try:
        models = job.models or (_model_of(texts, job.table, result.notes),)
    except UnknownModelError as error:
        label, joint, number = place
        result.problems.append(f"{label}{joint}{number}: {error}")
        return
    for offset, text in enumerate(texts.texts):
        index = result.conversations
        result.conversations += 1
        alike = _Alike()
        for model in models:
            counter = _counter(model)
            count = alike.count(counter, counter.counts_text_like,
                                functools.partial(counter.text, text), text=True)
            limit = input_limit(model)
            over = None
            if limit is not None and count.tokens > limit:
                label, joint, number = place
                inside = texts.place(offset)
                over = f"{label}{joint}{number}" + (f" {inside}" if inside else "")
            result.counted.append(Counted(
                index, model.id, count.tokens, None, count.accuracy == "estimate",
                count.error_p90_pct, preview=preview(text[:200]) if job.per_message else "",
                text_item=True, over_limit_at=over))
            result.notes.extend(count.notes)
            if job.exact and count.accuracy == "estimate":
                result.notes.append(_exact_cannot_count_text(model))


class _Alike:
    """Models that count an input alike (the same encoding, framing and rule) share one count
    of it: the first model's, relabelled with each other model's own notes and band."""

    def __init__(self) -> None:
        self._counted: dict[tuple[object, ...], tuple[ModelCounter, TokenCount]] = {}

    def count(self, counter: ModelCounter, like: tuple[object, ...],
              count_it: Callable[[], TokenCount], *, text: bool = False) -> TokenCount:
        earlier = self._counted.get(like)
        if earlier is not None:
            return counter.relabelled(earlier[1], earlier[0], text=text)
        count = count_it()
        self._counted[like] = (counter, count)
        return count


def _exact_cannot_count_text(model: ModelPrice) -> str:
    """Why --exact left plain text an estimate: the counting endpoint takes a request."""
    if model.provider == "anthropic":
        return (f"--exact counts conversations, not plain text: Anthropic's endpoint counts a "
                f"Messages request, so plain text stays an estimate for {model.id} (to count "
                "text exactly, send it as a conversation, a user message holding it)")
    return f"--exact counts Anthropic models only; {model.id} stays an estimate"


def _count_conversation(conversation: Conversation, place: tuple[str, str, int], job: CountJob,
                        result: BatchResult) -> None:
    try:
        models = job.models or (_model_of(conversation, job.table, result.notes),)
    except UnknownModelError as error:
        label, joint, number = place  # formatted only when needed: most conversations are fine
        result.problems.append(f"{label}{joint}{number}: {error}")
        return
    if job.refuses_some or not job.models and models[0].mode == "embedding":
        for model in models:
            if model.mode == "embedding":
                refused = result.refused.setdefault(model.id, [0, None])
                refused[0] += 1
                if refused[1] is None:
                    _, joint, number = place  # the place inside the file: "line 3"
                    refused[1] = f"{joint.strip(': ') or 'line'} {number}"
        models = tuple(model for model in models if model.mode != "embedding")
        if not models:
            return
    index = result.conversations
    result.conversations += 1
    images = image_count(conversation)
    media = images > 0 or has_media(conversation)
    alike = _Alike()  # the image rule matters only where there are media
    for model in models:
        if model.id in result.failed:
            continue
        try:
            if job.exact:
                count = _conversation_count(model, conversation, job, result.notes)
            else:
                counter = _counter(model)
                count = alike.count(
                    counter, counter.counts_like if media else counter.counts_text_like,
                    functools.partial(_conversation_count, model, conversation, job,
                                      result.notes))
        except ApiError as error:
            # The API failed for this model: it is reported as the file's problem for that
            # model, naming the conversation, and the model's count of the file stops there
            # (the next request would most likely fail the same way); the other models, the
            # offline ones, keep counting.
            label, joint, number = place
            result.failed[model.id] = f"{label}{joint}{number}: {model.id} not counted: {error}"
            continue
        result.counted.append(Counted(index, model.id, count.tokens, len(conversation.messages),
                                      count.accuracy == "estimate", count.error_p90_pct,
                                      count.messages, images=images))
        result.notes.extend(count.notes)


def _model_of(conversation: Conversation | Texts, table: PriceTable, notes: list[str]
              ) -> ModelPrice:
    found = table.resolve(conversation.model or DEFAULT_MODEL)
    if found.note:
        notes.append(found.note)
    return found.model


def _conversation_count(model: ModelPrice, conversation: Conversation, job: CountJob,
                        notes: list[str]) -> TokenCount:
    if job.exact and model.provider == "anthropic":
        from tokcost.counting.anthropic_exact import count_tokens_exact

        tokens = count_tokens_exact(to_anthropic_request(conversation), model.id)
        return TokenCount(model.id, tokens, "exact", ())
    if job.exact and model.tokenizer.accuracy == "estimate":
        notes.append(f"--exact counts Anthropic models only; {model.id} stays an estimate")
    return _counter(model).conversation(conversation, detail=job.per_message)


# --- running batches here or in workers, in order ----------------------------------------------

# Signals that stop a count. The main process handles them (the CLI turns SIGTERM and SIGHUP
# into an exception, as Python does Ctrl-C) and kills its workers; they are held back while the
# workers start, so that every worker started is one the main process knows to kill.
_STOPPING_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP")
# How often a worker checks that the main process still runs (seconds).
_ORPHAN_CHECK = 0.5


def _exit_when_orphaned(parent: int) -> None:
    """End this worker once the main process is gone (killed by a signal no handler sees,
    SIGKILL): a worker never outlives it. A thread, because the worker itself may be blocked
    for good: reading a batch the main process died while sending, or handing back a result
    nobody will read."""
    import time

    while os.getppid() == parent:
        time.sleep(_ORPHAN_CHECK)
    os._exit(1)  # nothing to flush: nobody reads this worker's results any more


def _worker(job: CountJob, tasks: Any, results: Any) -> None:
    """A worker process: count batches until told to stop (None)."""
    import threading

    threading.Thread(target=_exit_when_orphaned, args=(os.getppid(),), daemon=True).start()
    take_signals_as_a_worker()
    while (task := tasks.get()) is not None:
        number, batch = task
        try:
            results.put((number, count_batch(batch, job), None))
        except BaseException as error:  # sent back, so that the main process can say so
            results.put((number, None, f"{type(error).__name__}: {error}"))


class WorkerProcesses:
    """Worker processes that count batches, handing results back in the order given.

    Plain processes and queues rather than multiprocessing.Pool: on Ctrl-C they can simply be
    killed, where Pool.terminate() can wait for ever on a queue lock a stopped worker held.
    """

    @classmethod
    def start(cls, job: CountJob, jobs: int) -> WorkerProcesses:
        """Start them, with Ctrl-C (and SIGTERM, SIGHUP) held back until every worker is
        started, so that each can be stopped."""
        with interrupts_held():
            return cls(job, jobs)

    def __init__(self, job: CountJob, jobs: int) -> None:
        import multiprocessing

        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else None)
        self.tasks = context.Queue()
        self.results = context.Queue()
        self.processes = [context.Process(target=_worker, args=(job, self.tasks, self.results),
                                          daemon=True) for _ in range(jobs)]
        for process in self.processes:
            process.start()

    def map(self, batches: Iterator[Batch], size: int | None = None) -> Iterator[BatchResult]:
        """Results of the batches, in order, with at most two batches a worker in flight."""
        waiting: dict[int, BatchResult] = {}
        sent = received = 0
        limit = 2 * len(self.processes)
        for batch in batches:
            self._put((sent, batch))
            sent += 1
            while sent - received >= limit:
                yield self._next(received, waiting)
                received += 1
        while received < sent:
            yield self._next(received, waiting)
            received += 1

    def put_all(self, batches: Sequence[Batch]) -> None:
        """Queue a few batches at once, numbered from 0, for :meth:`collect`."""
        for number, batch in enumerate(batches):
            self._put((number, batch))

    def collect(self, count: int) -> Iterator[BatchResult]:
        """The results of the ``count`` batches that :meth:`put_all` queued, in order."""
        waiting: dict[int, BatchResult] = {}
        for number in range(count):
            yield self._next(number, waiting)

    def _next(self, number: int, waiting: dict[int, BatchResult]) -> BatchResult:
        import queue

        while number not in waiting:
            try:
                got, result, failure = self.results.get(timeout=1)
            except queue.Empty:
                if not all(process.is_alive() for process in self.processes):
                    raise TokcostError("a worker process stopped unexpectedly (out of memory?); "
                                       "try --jobs 1") from None
                continue
            if failure is not None:
                raise RuntimeError(f"in a worker process: {failure}")
            waiting[got] = result
        return waiting.pop(number)

    def _put(self, task: tuple[int, Batch] | None) -> None:
        """Queue a task with Ctrl-C, SIGTERM and SIGHUP held back until it is queued. Their
        exception may land anywhere; landing inside Queue.put, it can leave the queue's lock
        taken, and the queue's clean-up at exit then waits for that lock for ever."""
        with interrupts_held():
            self.tasks.put(task)

    def close(self) -> None:
        for _ in self.processes:
            self._put(None)
        for process in self.processes:
            process.join()

    def kill(self) -> None:
        for process in self.processes:
            process.kill()
        for process in self.processes:
            process.join(timeout=5)
        # Exit must not wait to flush what nobody will read.
        self.tasks.cancel_join_thread()
        self.results.cancel_join_thread()


def _signals(*names: str) -> set[Any]:
    """The signals of these names that this platform has (Windows has no SIGHUP)."""
    import signal

    return {getattr(signal, name) for name in names if hasattr(signal, name)}


@contextlib.contextmanager
def interrupts_held() -> Iterator[None]:
    """Ctrl-C, SIGTERM and SIGHUP held back in this thread while inside, and delivered after
    (where the platform can hold signals back). Threads started inside, and processes forked
    from them, begin with them held back too: see :func:`take_signals_as_a_worker`."""
    import signal

    previous = None
    if hasattr(signal, "pthread_sigmask"):
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, _signals(*_STOPPING_SIGNALS))
    try:
        yield
    finally:
        if previous is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def take_signals_as_a_worker() -> None:
    """What a worker process does with signals, from its start: Ctrl-C at a terminal reaches
    the whole process group, and is the main process's to handle (it stops the workers), so
    it is ignored; SIGTERM or SIGHUP sent to a worker itself (a process group killed at once)
    stops it, as it would any process, not through the handlers that came with the fork, and
    is let in if it came held back (:func:`interrupts_held`)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    stopping = _signals("SIGTERM", "SIGHUP")
    for stop in stopping:
        signal.signal(stop, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, stopping)


def default_jobs() -> int:
    """The CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class BatchPool(Protocol):
    """Somewhere batches are counted away from here: worker processes (WorkerProcesses) or a
    cluster (tokcost.inputs.cluster)."""

    def map(self, batches: Iterator[Batch], size: int | None = None) -> Iterator[BatchResult]:
        """The batches' results, in the order given; ``size``: the bytes the batches come
        from in all (their ``size``s add up to it), when known."""
        ...

    def close(self) -> None:
        """Stop, once all the work is done."""
        ...

    def kill(self) -> None:
        """Stop at once, dropping the work under way (Ctrl-C, an error)."""
        ...


class Counter:
    """Counts documents for one job, spreading large ones over ``jobs`` worker processes, or
    over ``pool`` when given (a cluster)."""

    def __init__(self, job: CountJob, jobs: int = 1, pool: BatchPool | None = None) -> None:
        if jobs < 1:
            raise OptionError(f"--jobs must be at least 1, not {jobs}")
        self.job = job
        # Network calls (--exact) stay in one process: their rate limits are the provider's.
        self.jobs = 1 if job.exact else jobs
        self._workers: BatchPool | None = pool

    def __enter__(self) -> Counter:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        if exc_type is None:
            self.close()
        elif self._workers is not None:  # Ctrl-C or an error: stop at once
            workers, self._workers = self._workers, None
            workers.kill()

    def close(self) -> None:
        """Let the workers finish and stop (all work is done by now)."""
        if self._workers is not None:
            workers, self._workers = self._workers, None
            try:
                workers.close()
            except BaseException:  # stopped while waiting for them: stop them at once
                workers.kill()
                raise

    def _results(self, document: Document) -> Iterator[BatchResult]:
        if document.size:  # before any worker is forked: a large file counts with the
            fast.expect(document.size)  # faster encoder from its start (fast.SWITCH_CHARS)
        large = document.size is None or document.size >= PARALLEL_MIN_BYTES
        if not large or (self._workers is None and self.jobs == 1):
            for batch in document.batches():
                yield count_batch(batch, self.job)
            return
        yield from self._start_workers().map(document.batches(), document.size)

    def _start_workers(self) -> BatchPool:
        if self._workers is None:
            load_counters(self.job)
            self._workers = WorkerProcesses.start(self.job, self.jobs)
        return self._workers

    def count(self, document: Document,
              progress: Callable[[int, int], None] | None = None) -> DocumentCount:
        """Count a document: a FileCount per model, its problems and notes."""
        tallies: dict[str, _Tally] = {}
        bad = BadLines(document.label, document.unit)
        damage: list[InputFileError] = []
        notes: dict[str, None] = dict.fromkeys(document.notes)
        refused: dict[str, list[Any]] = {}
        failed: dict[str, str] = {}  # model -> the first failure of the API for it
        number = 0
        for result in self._results(document):
            for model_id, failure in result.failed.items():
                failed.setdefault(model_id, failure)
            for counted in result.counted:
                if counted.model in failed:  # its count of the document is not whole
                    continue
                if counted.model not in tallies:
                    model = self.job.table.resolve(counted.model).model
                    tallies[counted.model] = _Tally(document.label, document.format, model,
                                                    self.job.service_tier, self.job.batch)
                tallies[counted.model].add(counted, number, self.job.per_message)
            number += result.conversations
            for problem in result.problems:
                bad.add(problem)
            if result.damage:
                damage.append(InputFileError(result.damage))
            notes.update(dict.fromkeys(result.notes))
            for model_id, (count, first) in result.refused.items():
                refused.setdefault(model_id, [0, first])[0] += count
            if progress is not None:
                progress(result.size, sum(c.tokens for c in result.counted))
        for model_id in failed:
            tallies.pop(model_id, None)
        finished = [tally.finish() for tally in tallies.values()]
        for c in finished:
            c.skipped = bad.count
        for tally in tallies.values():
            if tally.unpriced:
                notes[f"{tally.model.id} has no {tally.unpriced}: its input cost is left "
                      "empty"] = None
        for c in finished:
            if c.texts and c.conversations:
                notes[f"{document.label}: holds both chat conversations ({c.conversations:,}) "
                      f"and texts ({c.texts:,}); each text is counted for {c.model} as an "
                      "input of its own, with no chat framing"] = None
        problems = [*bad.shown(), *damage]
        problems.extend(_refusal(document.label, model_id, count, first)
                        for model_id, (count, first) in refused.items())
        warnings = [_over_limit_warning(document.label, self.job.table.resolve(c.model).model,
                                        c) for c in finished if c.over_input_limit]
        return DocumentCount(finished, problems, list(notes), warnings,
                             [ApiError(failure) for failure in failed.values()], bad)


def _refusal(label: str, model: str, count: int, first: str) -> InputFileError:
    first_one = f" (the first at {first})" if count > 1 else f" (at {first})"
    return InputFileError(
        f"{label}: {number_of(count, 'chat conversation')}{first_one} not counted for {model}: an "
        "embedding model embeds texts, not chats; give it texts (plain text, or JSON Lines of "
        'strings, {"text": ...} records or embeddings requests)')


def _over_limit_warning(label: str, model: ModelPrice, count: FileCount) -> str:
    """Which texts are too long for the model: an API refuses such an input (OpenAI's) or cuts
    it short (Gemini's, by default), so they want splitting before they are sent."""
    shown = ", ".join(f"{place} ({tokens:,} tokens)"
                      for place, tokens in count.first_over_input_limit)
    more = count.over_input_limit - len(count.first_over_input_limit)
    shown += f" and {more:,} more" if more else ""
    over, texts = count.over_input_limit, max(count.texts, 1)  # a text file is one text
    which = "the text is" if texts == 1 else (
        f"{over:,} of {number_of(texts, 'text')} {'is' if over == 1 else 'are'}")
    by = " by the estimated count" if count.accuracy == "estimate" else ""
    return (f"{label}: {which} over {model.id}'s input limit of {model.context_window:,} "
            f"tokens{by}: {shown}; an input that long is refused or cut short, so split it "
            "first (its tokens are in the count)")


_EXACT = CountAccuracy()


class _Tally:
    """Sums one document's counts for one model, and prices them."""

    def __init__(self, label: str, fmt: str, model: ModelPrice,
                 service_tier: str = STANDARD, batch: bool = False) -> None:
        self.result = FileCount(label, fmt, model.id, 0, 0, 0, "exact", Decimal(0))
        self.model = model
        self.service_tier = service_tier
        self.batch = batch
        self.has_conversations = False
        self.unpriced: str | None = None
        self.text_tokens: int | None = None
        self.text_preview = ""
        self.accuracy = CountAccuracy()
        # Requests by the rates their prompt gets: [tokens, images, requests, a prompt's size].
        self.steps = price_steps(model)
        self.buckets: dict[tuple[bool, ...], list[int]] = {}

    def add(self, counted: Counted, first: int, per_message: bool) -> None:
        result = self.result
        result.tokens += counted.tokens
        # A file's band is its conversations' (one rule, so one band), unless one of them
        # holds what no measurement covered: then the file's error is not known either.
        own = (CountAccuracy("estimate", counted.error_p90_pct) if counted.estimate
               else _EXACT)
        if counted.estimate:  # (an exact count leaves the file's as it is)
            self.accuracy = self.accuracy.plus(*own)
        result.accuracy, result.error_p90_pct = self.accuracy
        if counted.text_item:  # a text that is a request of its own
            result.texts += 1
            self._price(counted.tokens)
            if counted.over_limit_at is not None:
                self._over_limit(counted.over_limit_at, counted.tokens)
            if per_message:
                number = first + counted.conversation + 1
                result.per_message.append(
                    (number, MessageTokens(None, "(text)", counted.tokens, counted.preview)))
                result.accuracy_of[number] = own
            return
        if counted.messages is None:  # a run of text: the whole text is one request
            self.text_tokens = (self.text_tokens or 0) + counted.tokens
            self.text_preview = self.text_preview or counted.preview
            return
        assert result.conversations is not None and result.messages is not None
        self.has_conversations = True
        result.conversations += 1
        result.messages += counted.messages
        # Each conversation is one request: its own size picks its long-context tier.
        self._price(counted.tokens, counted.images)
        if per_message:
            number = first + counted.conversation + 1
            result.per_message.extend((number, row) for row in counted.rows)
            result.accuracy_of[number] = own

    def _price(self, tokens: int, images: int = 0) -> None:
        """Add one request to be priced: with the requests whose prompts get the same rates
        (between the same two of the model's price steps), whose sum cost_of prices exactly
        as it would each of them (a cost is linear in tokens, images and requests at given
        rates), once, in ``_priced``: pricing each request took a tenth of a large file's
        time."""
        steps = self.steps
        key = tuple(step.applies_to(tokens) for step in steps) if steps else ()
        bucket = self.buckets.get(key)
        if bucket is None:
            self.buckets[key] = [tokens, images, 1, tokens]
        else:
            bucket[0] += tokens
            bucket[1] += images
            bucket[2] += 1

    def _priced(self) -> None:
        """The input cost of the requests added, with the fees every request pays (per
        request, per image), as cost_of bills them; a price the tier lacks leaves the file's
        cost empty (named by the first request that lacks it)."""
        result = self.result
        for tokens, images, requests, prompt in self.buckets.values():
            if result.input_cost_usd is None:
                break
            try:
                cost = cost_of(self.model, TokenUsage(input=tokens, images=images),
                               batch=self.batch, service_tier=self.service_tier,
                               requests=requests, prompt_tokens=prompt)
                result.input_cost_usd += cost.input + cost.fees
            except UnpricedError as error:
                result.input_cost_usd, self.unpriced = None, error.what
        self.buckets.clear()

    def _over_limit(self, place: str, tokens: int) -> None:
        self.result.over_input_limit += 1
        if len(self.result.first_over_input_limit) < SHOWN_OVER_LIMIT:
            self.result.first_over_input_limit.append((place, tokens))

    def finish(self) -> FileCount:
        result = self.result
        self._priced()
        if self.text_tokens is not None:
            result.conversations = result.messages = None
            result.input_cost_usd = Decimal(0)
            self._price(self.text_tokens)
            self._priced()
            result.per_message.append(
                (None, MessageTokens(None, "(text)", self.text_tokens, self.text_preview)))
            limit = input_limit(self.model)
            if limit is not None and self.text_tokens > limit:  # the whole text is one input
                self._over_limit(result.path, self.text_tokens)
        elif result.texts and not self.has_conversations:
            result.conversations = result.messages = None  # texts alone: no chat here
        return result


# --- the library's entry points ----------------------------------------------------------------

def count_file(
    path: str | os.PathLike[str],
    models: Sequence[str] = (),
    *,
    input_format: str | None = None,
    table: PriceTable | None = None,
    exact: bool = False,
    encoding_errors: str = "strict",
    per_message: bool = False,
    jobs: int = 1,
    service_tier: str = STANDARD,
    batch: bool = False,
    column: str | None = None,
) -> DocumentCount:
    """Count one file for each model named (default: the one it names, else gpt-4o), priced
    as input (at Batch API prices with ``batch``). ``column``: the column of a Parquet or
    Arrow table to count (default: the one its shape suggests).

    Raises InputFileError when the file cannot be read. With ``exact``, a model Anthropic's API
    fails for has no count; its failure, naming the file and conversation, is in ``failures``,
    and the other models are counted.
    """
    table = table or load_price_table()
    job = CountJob(table, tuple(table.resolve(name).model for name in models), per_message,
                   exact, table.check_service_tier(service_tier), batch)
    document = open_source(source_of(path), input_format, encoding_errors, column)
    with Counter(job, jobs) as counter:
        return counter.count(document)


def count_text(text: str, model: str = DEFAULT_MODEL, *, table: PriceTable | None = None
               ) -> TokenCount:
    """Tokens in plain text for a model (no chat framing)."""
    table = table or load_price_table()
    return ModelCounter(table.resolve(model).model).text(text)


def count_messages(
    messages: Sequence[dict[str, Any]],
    model: str = DEFAULT_MODEL,
    tools: Sequence[dict[str, Any]] | None = None,
    *,
    table: PriceTable | None = None,
) -> TokenCount:
    """Prompt tokens of OpenAI-style chat messages (and tool definitions) for a model."""
    from tokcost.formats.conversations import parse_openai

    table = table or load_price_table()
    request: dict[str, Any] = {"messages": list(messages)}
    if tools:
        request["tools"] = list(tools)
    conversation = parse_openai(request)
    return ModelCounter(table.resolve(model).model).conversation(conversation)
