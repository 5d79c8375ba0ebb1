"""The copies of a coding agent's session history that a fork or a resume of the session writes
into its own file, found so that each response counts once.

Codex CLI starts a fork (``codex fork``, a subagent forked from its parent) or, in some
versions, a resume in a new rollout file: its own session_meta, a fork's naming its parent
(``forked_from_id``), then the lines of the session it continues, copied, that session's
session_meta and token_count events among them, each stamped with the time of the copy
(codex-rs ``RolloutRecorder``: the fork's history is persisted again through the writer, which
stamps every line it writes). Its own responses follow, their running totals going on from the
parent's.

A copied response is known by where it stands in the running total (the total after it and
its own counts, ``UsageRecord.copy_key``), and by whose history the file copies: a record of
one session is a copy of a record of another only where its file copies that session's history
above it (``UsageRecord.history``: a fork's parent, a session whose session_meta was copied
above it, and theirs in turn), and was logged no earlier. Two forks of one parent both go on
from the parent's running total, so their first own responses have the same key when they
billed alike: neither copies the other, so both count. Two separate sessions whose responses
happened to bill alike stay apart the same way.

Where the session both copy is not among the files read, their copies of its responses are
known only by each other: the same key after that session's copied history in both is taken
for one response of it, counted once (its own file, read too, tells a copy from a response of
their own that billed alike).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timezone

from tokcost.formats.usage import LogState, UsageRecord

COPIED = ("token counts a forked or resumed Codex session copied from the session it continues "
          "(the same running total and counts as a response logged earlier), counted once, "
          "where first logged")
_LATEST = datetime.max.replace(tzinfo=timezone.utc)


def session_copies(records: Sequence[UsageRecord], files: Mapping[str, LogState]
                   ) -> tuple[set[int], list[str]]:
    """Which records (their indices) are copies of a response another record holds, whatever
    order the files were read in, and notes. ``files``: each file's state once read, by its
    label (the records' ``source``). Of the records of one response, the one kept is the
    earliest logged (the original: a copy bears the time it was made), then the one from the
    file with the fewest sessions copied into it (the parent's, where the times are the
    same)."""
    named = {file.session for file in files.values() if file.session is not None}
    above: dict[str, set[str]] = {}  # a session -> the sessions its files copy
    for file in files.values():
        if file.session is not None:
            above.setdefault(file.session, set()).update(file.copied_from)

    def order(index: int) -> tuple[datetime, int, str, int]:
        record = records[index]
        label = record.source or ""
        return (record.time or _LATEST, len(files[label].copied_from) if label in files
                else 0, label, index)

    histories: dict[frozenset[str], frozenset[str]] = {}
    by_key: dict[str, list[int]] = {}
    for index, record in enumerate(records):
        if record.copy_key is not None:
            by_key.setdefault(record.copy_key, []).append(index)
            if record.history not in histories:
                histories[record.history] = _ancestors(record.history, above)
    copies: set[int] = set()
    for indices in by_key.values():
        if len(indices) == 1:
            continue
        earlier: list[UsageRecord] = []
        for index in sorted(indices, key=order):
            record = records[index]
            if any(_one_response(record, other, histories, named) for other in earlier):
                copies.add(index)
            earlier.append(record)
    missing = sorted({other for file in files.values() for other in file.copied_from} - named)
    notes = []
    if missing:
        many = len(missing) != 1
        notes.append(f"Codex session{'s' if many else ''} {', '.join(missing)} "
                     f"{'are' if many else 'is'} continued by a fork or resume read here, but "
                     f"{'their' if many else 'its'} own file is not among those read: the "
                     f"responses copied from {'them' if many else 'it'} are counted once, in "
                     "the copy, at the time of the copy")
    return copies, notes


def _ancestors(history: frozenset[str], above: Mapping[str, set[str]]) -> frozenset[str]:
    """The sessions a history holds, with those their own files copy, and so on up (a fork
    of a fork names its parent, whose file copies the grandparent's history)."""
    found, todo = set(history), list(history)
    while todo:
        for session in above.get(todo.pop(), ()):
            if session not in found:
                found.add(session)
                todo.append(session)
    return frozenset(found)


def _one_response(record: UsageRecord, other: UsageRecord,
                  histories: Mapping[frozenset[str], frozenset[str]], named: set[str]) -> bool:
    """Whether two records with the same copy key are of one response: of one session (a
    resume, a history copied again into the same file), or one a copy of the other (its file
    copies the other's session above it), or both copies of a session no file read holds."""
    if record.session is None or other.session is None:
        return record.source == other.source  # a log naming no session: copies within it
    if record.session == other.session:
        return True
    ours, theirs = histories[record.history], histories[other.history]
    return (_copies(record, ours, other) or _copies(other, theirs, record)
            or bool(ours & theirs - named))


def _copies(copy: UsageRecord, history: frozenset[str], original: UsageRecord) -> bool:
    """Whether ``copy`` can be a copy of ``original``: its file copies the original's
    session above it, and it was logged no earlier (a parent's response after the fork, going
    on from the same total as a fork's own, is no original of it)."""
    return original.session in history and not (
        copy.time is not None and original.time is not None and copy.time < original.time)
