"""Which price table prices a dated record: the snapshot in force on its day.

Prices change, and a log spans months: a request made on 25 November is priced with the table
in force on 25 November, not with today's. The bundled snapshots are dated (each file is
effective from the date it is named after), so each record's day picks one:

- the newest table effective on that day;
- where that table lacks the model (added to the table later, or the day comes before the
  oldest table), the oldest later table that has it, with a note;
- where no later table has it either (it was retired), the newest earlier table that has it,
  with a note;
- a record without a date: the default table (the newest) or, where it lacks the model (it
  was retired), the newest table that has it, with a note;
- where the chosen table has the model but not a price the record needs (a service tier, a
  fee that an older table did not record yet), the next table that prices it, in the same
  order, with a note.

A table the user chose (``--pricing-version``, ``--pricing``, ``$TOKCOST_PRICING``) prices
every record instead: :class:`OneTable` answers the same question with that one table.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from typing import NamedTuple, Protocol

from tokcost.errors import UnknownModelError
from tokcost.pricing.table import PriceTable, Resolution


class Chosen(NamedTuple):
    """The model a record's name resolved to, in the table chosen for the record."""

    resolution: Resolution
    table: str  # the table's label (a bundled version: its date)
    # Why this table and not the one in force on the record's day, for a note; None when it is
    # the one in force (or the only one).
    instead: str | None = None


class TableChoice(Protocol):
    """How records are given a price table: one for all, or one for each day."""

    @property
    def label(self) -> str:
        """What priced the records, for the report's heading and its JSON."""
        ...

    @property
    def default(self) -> PriceTable:
        """The table that prices undated records, and in which names given as options are
        looked up."""
        ...

    def choose(self, name: str, day: date | None) -> Chosen:
        """The model ``name`` in the table that prices a record of ``day`` (None: undated);
        UnknownModelError when no table has it."""
        ...

    def alternatives(self, name: str, chosen: str) -> Iterator[Chosen]:
        """The model in the other tables, for a record the ``chosen`` table cannot price (it
        lacks a service tier or a fee that a later table lists): the later tables oldest
        first, then the earlier ones newest first."""
        ...


class OneTable:
    """Every record priced with one table, whatever its date."""

    def __init__(self, table: PriceTable) -> None:
        self.table = table

    @property
    def default(self) -> PriceTable:
        return self.table

    @property
    def label(self) -> str:
        return self.table.label

    def choose(self, name: str, day: date | None) -> Chosen:
        return Chosen(self.table.resolve(name), self.table.label)

    def alternatives(self, name: str, chosen: str) -> Iterator[Chosen]:
        return iter(())  # the user's table prices everything, or leaves it unpriced


class DatedTables:
    """Dated snapshots, each effective from its date, loaded when a record first needs one;
    ``default`` prices undated records."""

    def __init__(self, tables: Sequence[tuple[date, Callable[[], PriceTable]]],
                 default: PriceTable, labels: Sequence[str] | None = None) -> None:
        if not tables:
            raise ValueError("DatedTables needs at least one table")
        ordered = sorted(tables, key=lambda pair: pair[0])
        self.effective = [day for day, _ in ordered]
        self._loaders = [load for _, load in ordered]
        self._loaded: dict[int, PriceTable] = {}
        self.labels = list(labels) if labels else [day.isoformat() for day in self.effective]
        self._default = default
        # (name, index of the table in force, or -1 before the first) -> the choice
        self._chosen: dict[tuple[str, int], Chosen | UnknownModelError] = {}

    @classmethod
    def bundled(cls, newest: PriceTable | None = None) -> DatedTables:
        """The bundled snapshots (``newest``: the newest, if already loaded), which prices
        undated records."""
        from tokcost.pricing.table import bundled_versions, load_bundled

        versions = bundled_versions()
        last: PriceTable = newest or load_bundled(versions[-1])
        loaders: list[Callable[[], PriceTable]] = [
            functools.partial(load_bundled, version) for version in versions[:-1]]
        loaders.append(lambda: last)
        return cls([(date.fromisoformat(version), load)
                    for version, load in zip(versions, loaders, strict=True)], last, versions)

    @property
    def default(self) -> PriceTable:
        return self._default

    @property
    def label(self) -> str:
        return ", ".join(self.labels)

    def table(self, index: int) -> PriceTable:
        if index not in self._loaded:
            self._loaded[index] = self._loaders[index]()
        return self._loaded[index]

    def choose(self, name: str, day: date | None) -> Chosen:
        # -2 stands for "undated"; -1 for a day before the oldest table.
        index = -2 if day is None else bisect.bisect_right(self.effective, day) - 1
        key = (name, index)
        if key not in self._chosen:
            self._chosen[key] = self._choose(name, day, index)
        chosen = self._chosen[key]
        if isinstance(chosen, UnknownModelError):
            raise chosen
        return chosen

    def alternatives(self, name: str, chosen: str) -> Iterator[Chosen]:
        at = self.labels.index(chosen)
        for other in [*range(at + 1, len(self.labels)), *range(at - 1, -1, -1)]:
            if (found := self.table(other).find(name)) is not None:
                yield Chosen(found, self.labels[other])

    def _choose(self, name: str, day: date | None, index: int
                ) -> Chosen | UnknownModelError:
        last = len(self.effective) - 1
        if index == -2:
            try:
                return Chosen(self._default.resolve(name), self._default.label)
            except UnknownModelError as missing:
                for older in range(last, -1, -1):  # the newest that has it
                    if (found := self.table(older).find(name)) is not None:
                        return Chosen(found, self.labels[older],
                                      f"undated, and the default table {self._default.label} "
                                      f"lacks {name}: the newest table that has it")
                return missing
        if index >= 0:
            if (found := self.table(index).find(name)) is not None:
                return Chosen(found, self.labels[index])
            why = f"table {self.labels[index]}, in force on their day, lacks {name}"
        else:
            why = f"their day comes before the oldest table ({self.labels[0]})"
        for later in range(index + 1, last + 1):  # the oldest later one that has it
            if (found := self.table(later).find(name)) is not None:
                return Chosen(found, self.labels[later],
                              f"{why}: the oldest later table that has it")
        for earlier in range(index - 1, -1, -1):  # retired since: the newest before
            if (found := self.table(earlier).find(name)) is not None:
                return Chosen(found, self.labels[earlier],
                              f"{why}: the newest earlier table that has it")
        try:  # no table has it: the error names what the newest one offers
            return Chosen(self.table(last).resolve(name), self.labels[last])
        except UnknownModelError as missing:
            return missing
