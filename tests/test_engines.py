"""The library in other engines: count_texts and count_conversations on batches of every kind
an engine hands over, across a process boundary, and the README's Ray Data and Spark examples
run for real.

Counts are cl100k_base's (text-embedding-3-small) and o200k_base's (gpt-4o): "hello world" is
`hello`, ` world` in both; the fox sentence is its 9 words and the full stop. A chat message is
3 tokens of framing, its role and its content; a name adds itself and 1; 3 more prime the reply.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import os
import pickle
import re
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

import tokcost
from tokcost import BatchCount, count_conversations, count_texts

README = Path(__file__).parent.parent / "README.md"
FOX = "The quick brown fox jumps over the lazy dog."
HI = [{"role": "user", "content": "hi"}]  # 3 + `user` + `hi` + 3 = 8
# 3 + `system` + `Be`, ` brief`, `.` = 7; 3 + `user` + `hi` + `bob` + 1 = 7; 3 priming: 17.
NAMED = [{"role": "system", "content": "Be brief."},
         {"role": "user", "content": "hi", "name": "bob"}]
TABLE = tokcost.load_price_table("2026-12-01")


def test_a_list_of_texts_is_counted_in_order_with_no_framing() -> None:
    counted = count_texts(["hello world", FOX, ""], "text-embedding-3-small", table=TABLE)
    assert counted == BatchCount("text-embedding-3-small", [2, 10, 0],
                                 ["exact", "exact", "exact"], None, ())
    assert counted.exact and len(counted) == 3


def test_engines_batches_give_the_same_counts() -> None:
    np = pytest.importorskip("numpy")
    pd = pytest.importorskip("pandas")
    pa = pytest.importorskip("pyarrow")
    batches = [pd.Series(["hello world", FOX]), pa.array(["hello world", FOX]),
               pa.chunked_array([["hello world"], [FOX]]),
               np.array(["hello world", FOX], dtype=object), np.array(["hello world", FOX]),
               ("hello world", FOX), iter(["hello world", FOX])]
    for batch in batches:
        assert count_texts(batch, "gpt-4o", table=TABLE).tokens == [2, 10], type(batch)


def test_missing_texts_count_nothing_and_are_noted() -> None:
    pd = pytest.importorskip("pandas")
    pa = pytest.importorskip("pyarrow")
    for batch in (["hello world", None, float("nan")], pd.Series(["hello world", None, pd.NA],
                                                                 dtype="string"),
                  pa.array(["hello world", None, None])):
        counted = count_texts(batch, "gpt-4o", table=TABLE)
        assert (counted.tokens, counted.notes) == (
            [2, 0, 0], ("2 of 3 items were missing (None or NaN): counted as 0 tokens",))


def test_estimates_say_how_they_were_made() -> None:
    embedded = count_texts(["hello world"], "gemini-embedding-001", table=TABLE)
    assert (embedded.tokens, embedded.accuracy, embedded.error_p90_pct, embedded.notes) == (
        [2], ["estimate"], None, ("gemini-embedding-001: its tokenizer is not public; "
                                  "estimated with o200k_base (error not measured)",))
    assert not embedded.exact
    # Claude's rule weighs text at 1.076 tokens a o200k_base token: round(2 x 1.076) = 2.
    claude = count_texts(["hello world"], "claude-sonnet-4-6", table=TABLE)
    assert (claude.tokens, claude.error_p90_pct) == ([2], Decimal("10.7"))


def test_conversations_are_counted_with_chat_framing() -> None:
    counted = count_conversations([HI, NAMED, {"messages": HI}], "gpt-4o", table=TABLE)
    assert (counted.tokens, counted.accuracy) == ([8, 17, 8], ["exact"] * 3)


def test_conversations_as_parquet_gives_them() -> None:
    pa = pytest.importorskip("pyarrow")
    pytest.importorskip("pandas")
    # One struct type for every message: the first message's `name` comes back as null.
    column = pa.array([HI, NAMED])
    assert column.to_pylist()[0][0] == {"role": "user", "content": "hi", "name": None}
    assert count_conversations(column, "gpt-4o", table=TABLE).tokens == [8, 17]
    frame = pa.table({"messages": column}).to_pandas()  # cells of numpy arrays of dicts
    assert type(frame["messages"][0]).__name__ == "ndarray"
    assert count_conversations(frame["messages"], "gpt-4o", table=TABLE).tokens == [8, 17]


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda: count_texts("hello world", "gpt-4o", table=TABLE), TypeError,
     "count_texts takes a batch (a list, a pandas Series, an Arrow or numpy array), not a "
     "string; pass one column (batch['text']), or wrap one item in a list"),
    (lambda: count_texts({"text": ["a"]}, "gpt-4o", table=TABLE), TypeError,
     "count_texts takes a batch (a list, a pandas Series, an Arrow or numpy array), not a "
     "table; pass one column (batch['text']), or wrap one item in a list"),
    (lambda: count_texts(["a", 3], "gpt-4o", table=TABLE), TypeError,
     "count_texts: item 1 is a number, not text; pass a column of strings (for "
     "conversations, count_conversations)"),
    (lambda: count_conversations([HI, [{"role": "robot", "content": "x"}]], "gpt-4o", table=TABLE),
     tokcost.InputFileError,
     "count_conversations: item [1][0].role: unknown role 'robot' (expected one of system, "
     "developer, user, assistant, tool, function)"),
    (lambda: count_conversations([HI], "text-embedding-3-small", table=TABLE), tokcost.TokcostError,
     "text-embedding-3-small is an embedding model, which embeds texts, not chats: count the "
     "texts with count_texts"),
    (lambda: count_texts(["a"], "gpt-9", table=TABLE), tokcost.UnknownModelError,
     "unknown model 'gpt-9' in price table 2026-12-01; closest: gpt-5, gpt-4o, gpt-4.1 "
     "(the table's models() lists them all)"),
])
def test_bad_batches_say_what_is_wrong(call: object, error: type[Exception], message: str
                                       ) -> None:
    with pytest.raises(error) as raised:
        call()  # type: ignore[operator]
    assert str(raised.value) == message


def test_the_default_table_is_loaded_once_a_process(monkeypatch: pytest.MonkeyPatch) -> None:
    import tokcost.inputs.engines as engines

    loads: list[object] = []
    real = engines.load_price_table
    monkeypatch.setattr(engines, "load_price_table", lambda: loads.append(1) or real())
    monkeypatch.setattr(engines, "_default_tables", {})
    monkeypatch.setattr(engines, "_resolved", {})
    for _ in range(3):
        count_texts(["hello world"], "gpt-4o")
    assert loads == [1]


def test_the_functions_travel_to_worker_processes() -> None:
    assert pickle.loads(pickle.dumps(count_texts)) is count_texts
    assert pickle.loads(pickle.dumps(tokcost.count_conversations)) is count_conversations
    counted = count_texts(["hello world"], "gpt-4o", table=TABLE)
    assert pickle.loads(pickle.dumps(counted)) == counted
    # A fresh interpreter (spawn, as Spark's Python workers are): it builds its own counter.
    spawn = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=spawn) as pool:
        # The table goes along too: a user's own table travels with the call.
        there = pool.submit(count_texts, ["hello world", FOX], "text-embedding-3-small",
                            table=TABLE)
        assert there.result(timeout=120).tokens == [2, 10]


# --- the README's examples, for real ---------------------------------------------------------

def readme_example(marker: str) -> str:
    """The README's Python block that uses ``marker``."""
    blocks = [block for block in re.findall(r"```python\n(.*?)```", README.read_text("utf-8"),
                                            re.DOTALL) if marker in block]
    assert len(blocks) == 1, marker
    return blocks[0]


def run_example(code: str, folder: Path, env: dict[str, str] | None = None
                ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, cwd=folder, env={**os.environ, **(env or {})})


def test_the_ray_data_example_runs_on_a_local_ray(tmp_path: Path) -> None:
    # One CPU and no dashboard: this machine is shared. The example's own ray.data call would
    # start Ray by itself; started here first, it gets these settings.
    start = ("import ray\n"
             "ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False)\n")
    done = run_example(start + readme_example("map_batches") + "ray.shutdown()\n", tmp_path,
                       {"RAY_USAGE_STATS_ENABLED": "0"})
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout == "12\n"  # 2 + 10, as its comment says


def test_the_spark_example_runs_where_spark_and_java_are(tmp_path: Path) -> None:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        pytest.skip("pyspark is not installed (pip install pyspark); Spark needs Java too")
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        pytest.skip("no Java runtime (java on PATH or JAVA_HOME), which Spark needs")
    start = ("from pyspark.sql import SparkSession\n"
             "SparkSession.builder.master('local[1]').config('spark.ui.enabled', 'false')"
             ".getOrCreate().sparkContext.setLogLevel('ERROR')\n")
    done = run_example(start + readme_example("mapInPandas"), tmp_path,
                       {"PYSPARK_PYTHON": sys.executable})
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout == "12\n"
