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
its own counts, ``UsageRecord.copy_key``) among the sessions of one line of descent: a
session, its forks and theirs, joined by what the files say (a fork's ``forked_from_id``, the
copied session_meta of another session). Keying on the line of descent, not on the counts
alone, keeps two separate sessions whose responses happened to bill alike apart.
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
    lineage = _Lineage()
    for file in files.values():
        if file.session is not None:
            for other in file.copied_from:
                lineage.join(file.session, other)

    def order(index: int) -> tuple[datetime, int, str, int]:
        record = records[index]
        label = record.source or ""
        return (record.time or _LATEST, len(files[label].copied_from) if label in files
                else 0, label, index)

    kept: dict[tuple[str, str], int] = {}  # (line of descent, copy key) -> the record kept
    copies: set[int] = set()
    for index, record in enumerate(records):
        if record.copy_key is None:
            continue
        descent = f"session {lineage.root(record.session)}" if record.session \
            else f"file {record.source}"  # a log naming no session: copies within it only
        first = kept.setdefault((descent, record.copy_key), index)
        if first == index:
            continue
        if order(index) < order(first):
            kept[descent, record.copy_key], index = index, first
        copies.add(index)
    named = {file.session for file in files.values() if file.session is not None}
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


class _Lineage:
    """Sessions joined by forks and resumes into lines of descent (a union-find)."""

    def __init__(self) -> None:
        self._up: dict[str, str] = {}

    def root(self, session: str) -> str:
        path = []
        while (up := self._up.get(session, session)) != session:
            path.append(session)
            session = up
        for step in path:  # shorten the way for the next look-up
            self._up[step] = session
        return session

    def join(self, one: str, other: str) -> None:
        first, second = self.root(one), self.root(other)
        if first != second:
            # The smaller name as the root: the same whatever order the files are read in.
            low, high = sorted((first, second))
            self._up[high] = low
