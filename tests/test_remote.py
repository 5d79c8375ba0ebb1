"""Inputs named by URL, read from a real S3-compatible server on 127.0.0.1 (moto's server mode,
started and stopped here) and from a plain HTTP server.

The server checks every request's signature against the IAM users made in it, so that wrong
credentials, and credentials that may not read, fail as they do on AWS.
"""

from __future__ import annotations

import functools
import http.server
import json
import logging
import socket
import sys
import threading
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

import tokcost
import tokcost.inputs.count_files as count_files
import tokcost.inputs.remote as remote
import tokcost.inputs.sources as sources


@pytest.fixture
def cli(cli_without_table_note: Callable[..., Any]) -> Callable[..., Any]:
    return cli_without_table_note  # these tests are about reading inputs

if TYPE_CHECKING:
    from conftest import Result

pytestmark = pytest.mark.usefixtures("on_current_table")

Run = Callable[..., "Result"]
ROOT = Path(__file__).parent.parent
COUNT = Path(__file__).parent / "data" / "count"
EXAMPLES = ROOT / "examples"
BUCKET = "datasets"
# What the bucket holds: key -> local file.
OBJECTS = {
    "chats/batch_input.jsonl": COUNT / "batch_input.jsonl",
    "chats/sharegpt_excerpt.json": COUNT / "sharegpt_excerpt.json",
    "chats/special_tokens.txt": COUNT / "special_tokens.txt",
    "chats/more/support-chat.json": EXAMPLES / "support-chat.json",
    "chats/.hidden.jsonl": COUNT / "batch_input.jsonl",  # left out of folders and patterns
    "chats/notes.yaml": EXAMPLES / "team-prices.yaml",  # not text or JSON: left out of folders
    "usage/usage.jsonl": EXAMPLES / "usage.jsonl",
    "nothing/team-prices.yaml": EXAMPLES / "team-prices.yaml",
}
CSV_HEADER = "path,format,model,conversations,messages,tokens,accuracy,error_p90_pct," \
             "input_cost_usd"
CREDENTIALS = ("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for "
               "temporary credentials), or AWS_PROFILE")


@dataclass(frozen=True)
class Store:
    endpoint: str
    key_id: str
    secret: str
    # An IAM user with no policy: its requests are signed right and refused.
    reader_without_rights: tuple[str, str]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _answers(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex((host, port)) == 0


@pytest.fixture(scope="session")
def s3_store() -> Iterator[Store]:
    """moto's S3 (and IAM) on a free loopback port: a bucket of fixtures, and two IAM users,
    one that may read it; then every request must be signed by one of them."""
    import boto3
    from moto.server import ThreadedMotoServer

    quiet = logging.getLogger("werkzeug")
    level = quiet.level
    quiet.setLevel(logging.ERROR)  # no line on stderr per request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    try:
        setup = {"endpoint_url": endpoint, "region_name": "us-east-1",
                 "aws_access_key_id": "AKIASETUPSETUPSETUP1", "aws_secret_access_key": "setup"}
        iam = boto3.client("iam", **setup)
        keys = []
        for user in ("reader", "stranger"):
            iam.create_user(UserName=user)
            made = iam.create_access_key(UserName=user)["AccessKey"]
            keys.append((made["AccessKeyId"], made["SecretAccessKey"]))
        iam.put_user_policy(UserName="reader", PolicyName="read", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
        s3 = boto3.client("s3", **setup)
        s3.create_bucket(Bucket=BUCKET)
        for key, path in OBJECTS.items():
            s3.upload_file(str(path), BUCKET, key)
        _moto_auth(endpoint, "0")  # from now on, every request is checked
        yield Store(endpoint, keys[0][0], keys[0][1], keys[1])
    finally:
        _moto_auth(endpoint, "inf")
        server.stop()
        quiet.setLevel(level)
    assert not _answers(host, port), "the S3 server still answers after it was stopped"


def _moto_auth(endpoint: str, unchecked_requests: str) -> None:
    """Tell moto how many more requests to let through unchecked (inf: all)."""
    request = urllib.request.Request(f"{endpoint}/moto-api/reset-auth",
                                     data=unchecked_requests.encode(), method="POST",
                                     headers={"Content-Type": "text/plain"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        answer.read()


@pytest.fixture
def s3(s3_store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Store:
    """The environment pointed at the server, with the reader's credentials, and none of the
    developer's own AWS settings in the way."""
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN",
                 "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL_S3", "AWS_MAX_ATTEMPTS",
                 "AWS_RETRY_MODE", "AWS_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance to ask for keys
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_store.endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", s3_store.key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", s3_store.secret)
    return s3_store


def url(key: str) -> str:
    return f"s3://{BUCKET}/{key}"


def _as_remote(out: str, local: Path, key: str) -> str:
    return out.replace(str(local), url(key))


# --- What a URL names ---------------------------------------------------------------------------

@pytest.mark.parametrize("key", ["chats/batch_input.jsonl", "chats/sharegpt_excerpt.json",
                                 "chats/special_tokens.txt", "chats/more/support-chat.json"])
def test_an_s3_file_counts_as_the_local_file_does(cli: Run, s3: Store, key: str) -> None:
    local = OBJECTS[key].relative_to(ROOT)
    here = cli("count", str(local), "-m", "gpt-4o", "-m", "claude-sonnet-4-5", "--format", "csv")
    there = cli("count", url(key), "-m", "gpt-4o", "-m", "claude-sonnet-4-5", "--format", "csv")
    assert (there.status, there.err) == (here.status, _as_remote(here.err, local, key))
    assert there.out == _as_remote(here.out, local, key)
    assert url(key) in there.out


def test_an_s3_jsonl_file_rows(cli: Run, s3: Store) -> None:
    result = cli("count", url("chats/batch_input.jsonl"), "-m", "gpt-4o", "--format", "csv")
    assert result.status == 0, result.err
    assert result.out.splitlines() == [
        CSV_HEADER, "s3://datasets/chats/batch_input.jsonl,batch,gpt-4o,3,5,63,exact,,0.0001575"]


def test_a_pattern_matches_remote_files_in_order(cli: Run, s3: Store) -> None:
    result = cli("count", url("chats/*.json*"), "-m", "gpt-4o", "--format", "csv")
    assert result.status == 0, result.err
    assert [line.split(",")[0] for line in result.out.splitlines()[1:]] == [
        url("chats/batch_input.jsonl"), url("chats/sharegpt_excerpt.json")]


@pytest.mark.parametrize("prefix", ["chats/", "chats"])
def test_a_prefix_counts_its_text_and_json_files_as_a_folder(cli: Run, s3: Store,
                                                             prefix: str) -> None:
    result = cli("count", url(prefix), "-m", "gpt-4o", "--format", "csv")
    assert result.status == 0, result.err
    assert [line.split(",")[0] for line in result.out.splitlines()[1:]] == [
        url("chats/batch_input.jsonl"), url("chats/more/support-chat.json"),
        url("chats/sharegpt_excerpt.json"), url("chats/special_tokens.txt")]


def test_a_bucket_counts_as_a_folder_and_each_file_once(cli: Run, s3: Store) -> None:
    result = cli("count", f"s3://{BUCKET}", url("chats/batch_input.jsonl"), "-m", "gpt-4o",
                 "--format", "csv")
    # usage.jsonl is JSON Lines of usage records, not conversations: its lines are errors.
    assert result.status == 1
    assert [line.split(",")[0] for line in result.out.splitlines()[1:]] == [
        url("chats/batch_input.jsonl"), url("chats/more/support-chat.json"),
        url("chats/sharegpt_excerpt.json"), url("chats/special_tokens.txt")]
    assert "tokcost: note: s3://datasets/chats/batch_input.jsonl: reached 2 times; counted " \
           "once" in result.err


def test_project_and_simulate_from_an_s3_file(cli: Run, s3: Store) -> None:
    local = Path("examples/support-chat.json")
    key = "chats/more/support-chat.json"
    for command in (["project", "--rpd", "100"], ["simulate"]):
        here = cli(*command, "--from", str(local), "-m", "gpt-4o", "--format", "csv")
        there = cli(*command, "--from", url(key), "-m", "gpt-4o", "--format", "csv")
        assert here.status == 0, here.err
        assert (there.status, there.out, there.err) == (
            0, here.out, _as_remote(here.err, local, key))
    projected = cli("project", "--rpd", "100", "--from", url(key), "-m", "gpt-4o",
                    "--format", "csv")
    assert projected.out.splitlines()[1] == \
        "gpt-4o,openai,100,135,56,0.0008975,0.08975,2.6925,32.75875,true,exact,"


def test_usage_of_an_s3_log(cli: Run, s3: Store) -> None:
    here = cli("usage", "examples/usage.jsonl", "--format", "csv")
    there = cli("usage", url("usage/usage.jsonl"), "--format", "csv")
    assert there.status == 0, there.err
    assert there.out == here.out
    assert there.out.splitlines()[1] == \
        "claude-sonnet-4-6,2,42,6200,6680,810,0,0,0.000126,0.00186,0.039,0.01215,0.053136"


@pytest.fixture
def tiny_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "BATCH_BYTES", 2048)
    monkeypatch.setattr(count_files, "PARALLEL_MIN_BYTES", 1)
    monkeypatch.setattr(remote, "READ_BLOCK_BYTES", 4096)


@pytest.mark.usefixtures("tiny_batches")
def test_a_remote_file_streams_in_batches_to_workers(s3_many: str) -> None:
    document = sources.open_source(sources.source_of(s3_many))
    batches = list(document.batches())
    assert document.size == 400 * len(_SHAREGPT_LINE)
    assert len(batches) > 20 and sum(batch.size for batch in batches) == document.size
    assert [batch.first for batch in batches[:2]] == [1, 1 + batches[0].data.count(b"\n")]
    one = tokcost.count_file(s3_many, ["gpt-4o"], jobs=1)
    two = tokcost.count_file(s3_many, ["gpt-4o"], jobs=2)
    assert [(c.path, c.conversations, c.tokens) for c in two.counts] == \
        [(c.path, c.conversations, c.tokens) for c in one.counts] == [(s3_many, 400, 400 * 29)]


# 29 tokens for gpt-4o: the question's 8 and the answer's 10, 4 a message for its framing, and 3
# to prime the reply.
_SHAREGPT_LINE = (json.dumps({"conversations": [
    {"from": "human", "value": "How do I rotate my API key?"},
    {"from": "gpt", "value": "Open the console, choose Keys, then Rotate."}]}) + "\n").encode()


@pytest.fixture
def s3_many(s3: Store) -> str:
    import boto3

    client = boto3.client("s3")
    client.put_object(Bucket=BUCKET, Key="big/many.jsonl", Body=_SHAREGPT_LINE * 400)
    return url("big/many.jsonl")


# --- What goes wrong ------------------------------------------------------------------------------

@pytest.mark.parametrize(("bad", "line"), [
    ("s3://no-such-bucket/chats.jsonl",
     "s3://no-such-bucket/chats.jsonl: no such bucket (no-such-bucket); check its name and "
     "AWS_ENDPOINT_URL, if it is set"),
    ("s3://no-such-bucket/*.jsonl",
     "s3://no-such-bucket/*.jsonl: no such bucket (no-such-bucket); check its name and "
     "AWS_ENDPOINT_URL, if it is set"),
    (url("chats/missing.jsonl"), "s3://datasets/chats/missing.jsonl: no such file"),
    (url("chats/*.parquet"), "s3://datasets/chats/*.parquet: no file matches this pattern"),
    (url("nowhere/"), "s3://datasets/nowhere/: nothing is stored under this prefix; check the "
                      "URL"),
    (url("nothing/"), "s3://datasets/nothing/: the directory holds no text, JSON or table "
                      "files to count (.json, .jsonl, .markdown, .md, .ndjson, .rst, .text, "
                      ".txt, .arrow, .feather, .ipc, .parquet, .pq; text and JSON compressed "
                      "too: .gz, .zst)"),
])
def test_a_bad_url_is_one_line_and_the_rest_still_count(cli: Run, s3: Store, bad: str,
                                                        line: str,
                                                        assert_no_key: Callable[..., None]
                                                        ) -> None:
    result = cli("count", bad, url("chats/batch_input.jsonl"), "examples/support-chat.json",
                 "-m", "gpt-4o", "--format", "csv")
    assert result.status == 1
    assert [row.split(",")[0] for row in result.out.splitlines()[1:]] == [
        url("chats/batch_input.jsonl"), "examples/support-chat.json"]
    assert [text for text in result.err.splitlines() if "error" in text] == [
        f"tokcost: error: {line}"]
    assert_no_key(result.out + result.err, s3.secret)


def test_a_wrong_secret_key_is_one_line_without_either_key(
        cli: Run, s3: Store, monkeypatch: pytest.MonkeyPatch,
        assert_no_key: Callable[..., None]) -> None:
    wrong = "WrongSecret/Key+" + s3.secret[16:][::-1]
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", wrong)
    result = cli("count", url("chats/batch_input.jsonl"), url("chats/"),
                 "examples/support-chat.json", "-m", "gpt-4o", "--format", "csv")
    assert result.status == 1
    assert result.out.splitlines()[1:] == [
        "examples/support-chat.json,openai,gpt-4o,1,6,216,exact,,0.00054"]
    # A file is asked for by HEAD, whose answer has no body to say why; a folder's listing
    # says.
    assert [text for text in result.err.splitlines() if "error" in text] == [
        "tokcost: error: s3://datasets/chats/batch_input.jsonl: access denied (Forbidden); "
        f"check {CREDENTIALS}, and that they may read it",
        "tokcost: error: s3://datasets/chats/: the secret key does not match the access key; "
        f"check {CREDENTIALS}",
    ]
    for secret in (wrong, s3.secret):
        assert_no_key(result.out + result.err, secret)


def test_credentials_that_may_not_read_are_access_denied(cli: Run, s3: Store,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    key_id, secret = s3.reader_without_rights
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    result = cli("count", url("chats/"), "-m", "gpt-4o")
    assert (result.status, result.out) == (1, "")
    assert result.err.splitlines() == [
        f"tokcost: error: s3://datasets/chats/: access denied; check {CREDENTIALS}, and that "
        "they may read it"]


def test_no_credentials_is_one_line(cli: Run, s3: Store, monkeypatch: pytest.MonkeyPatch
                                    ) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    result = cli("count", url("chats/batch_input.jsonl"), "-m", "gpt-4o")
    assert (result.status, result.out) == (1, "")
    assert result.err.splitlines() == [
        f"tokcost: error: s3://datasets/chats/batch_input.jsonl: no credentials found; set "
        f"{CREDENTIALS}"]


def test_credentials_from_a_profile_and_the_s3_endpoint_variable(
        cli: Run, s3: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    credentials = tmp_path / "credentials"
    credentials.write_text(f"[loader]\naws_access_key_id = {s3.key_id}\n"
                           f"aws_secret_access_key = {s3.secret}\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_PROFILE", "loader")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", s3.endpoint)  # botocore's, for S3 alone
    result = cli("count", url("chats/batch_input.jsonl"), "-m", "gpt-4o", "--format", "csv")
    assert result.status == 0, result.err
    assert result.out.splitlines()[1].startswith(url("chats/batch_input.jsonl") + ",batch,")


def test_an_endpoint_that_does_not_answer_is_one_line(cli: Run, s3: Store,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    port = _free_port()  # closed: nothing listens there
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    # botocore's own retries would wait 12 s here; one attempt says the same, at once.
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    result = cli("count", url("chats/batch_input.jsonl"), "examples/support-chat.json",
                 "-m", "gpt-4o", "--format", "csv")
    assert result.status == 1
    assert result.out.splitlines()[1:] == [
        "examples/support-chat.json,openai,gpt-4o,1,6,216,exact,,0.00054"]
    assert result.err.splitlines()[-1:] == [
        "tokcost: error: s3://datasets/chats/batch_input.jsonl: could not reach the storage "
        f"(Could not connect to the endpoint URL: \"http://127.0.0.1:{port}/datasets/chats/"
        "batch_input.jsonl\"); check the network and AWS_ENDPOINT_URL, if it is set"]


def test_the_installed_command_reads_s3(installed: Run, s3: Store) -> None:
    import os

    environment = {name: value for name, value in os.environ.items() if name.startswith("AWS_")}
    result = installed("count", url("chats/batch_input.jsonl"), "-m", "gpt-4o", "--format",
                       "csv", env=environment)
    assert result.status == 0, result.err
    assert result.out.splitlines()[1] == \
        "s3://datasets/chats/batch_input.jsonl,batch,gpt-4o,3,5,63,exact,,0.0001575"


# --- Without the packages -------------------------------------------------------------------------

def test_without_fsspec_a_url_is_one_line_and_local_files_count(
        cli: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "fsspec", None)  # import fsspec fails, as if not installed
    result = cli("count", "s3://datasets/chats.jsonl", "examples/support-chat.json", "-m",
                 "gpt-4o", "--format", "csv")
    assert result.status == 1
    assert result.out.splitlines()[1:] == [
        "examples/support-chat.json,openai,gpt-4o,1,6,216,exact,,0.00054"]
    assert result.err.splitlines()[-1] == (
        "tokcost: error: s3://datasets/chats.jsonl: reading URLs needs fsspec: pip install "
        "'tokcost[datasets]'")


def _installed(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


@pytest.mark.skipif(_installed("gcsfs") or _installed("huggingface_hub"),
                    reason="gcsfs or huggingface_hub is installed here")
def test_a_scheme_whose_package_is_missing_names_it(cli: Run) -> None:
    result = cli("count", "gs://bucket/chats.jsonl", "hf://datasets/team/chats/train.jsonl",
                 "nosuch://x/y.jsonl", "-m", "gpt-4o")
    assert (result.status, result.out) == (1, "")
    assert result.err.splitlines() == [
        "tokcost: error: gs://bucket/chats.jsonl: reading gs:// URLs needs gcsfs: pip install "
        "gcsfs",
        "tokcost: error: hf://datasets/team/chats/train.jsonl: reading hf:// URLs needs "
        "huggingface_hub: pip install huggingface_hub",
        "tokcost: error: nosuch://x/y.jsonl: no storage reads nosuch:// URLs (tokcost reads "
        "s3://, gs://, hf://, https:// and the other schemes fsspec knows); check the URL",
    ]


# --- HTTP -----------------------------------------------------------------------------------------

@pytest.fixture
def http_files() -> Iterator[str]:
    """A plain HTTP server on a free loopback port, serving tests/data/count."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(COUNT)))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_an_http_file_counts_as_the_local_one_and_its_query_stays_out(
        cli: Run, http_files: str) -> None:
    here = cli("count", "tests/data/count/sharegpt_excerpt.json", "-m", "gpt-4o", "--format",
               "csv")
    signed = f"{http_files}/sharegpt_excerpt.json?X-Amz-Signature=0123456789abcdef0123"
    there = cli("count", signed, f"{http_files}/missing.jsonl", "-m", "gpt-4o", "--format",
                "csv")
    assert there.status == 1
    assert there.out == here.out.replace("tests/data/count", http_files)
    assert there.err.splitlines() == [f"tokcost: error: {http_files}/missing.jsonl: no such file"]
    assert "0123456789abcdef" not in there.out + there.err


# --- Secrets --------------------------------------------------------------------------------------

def test_storage_errors_hide_every_secret(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                          assert_no_key: Callable[..., None]) -> None:
    import urllib.parse

    secret, token = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "FwoGZXIvYXdzEBYaD+token/value=="
    profile_secret = "ProfileSecret/0123456789+abcdefghijklmnopq"
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    monkeypatch.setenv("AWS_SESSION_TOKEN", token)
    credentials = tmp_path / "credentials"
    credentials.write_text(f"[other]\naws_access_key_id = AKIAOTHER\n"
                           f"aws_secret_access_key = {profile_secret}\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    said = (f"signed with {secret} ({urllib.parse.quote(secret, safe='')}), token {token!r}, "
            f"profile {profile_secret[:20]}")
    line = str(remote.failure("s3://b/k.jsonl", OSError(said)))
    assert line.startswith("s3://b/k.jsonl: the storage refused the request (signed with "
                           "<secret> (<secret>), token '<secret>', profile <secret>); check")
    for hidden in (secret, token, profile_secret):
        assert_no_key(line, hidden)
    # What the CLI prints of an unexpected error is hidden the same way.
    from tokcost.cli import _shown

    assert_no_key(_shown(said), secret)
    assert_no_key(_shown(said), token)


# --- For readers that take a file: pyarrow --------------------------------------------------------

def test_pyarrow_reads_a_remote_parquet_file_a_row_group_at_a_time(s3: Store) -> None:
    import io

    import boto3

    pa = pytest.importorskip("pyarrow")
    parquet = pytest.importorskip("pyarrow.parquet")
    table = pa.table({"text": [f"ticket {number}" for number in range(1000)]})
    written = io.BytesIO()
    parquet.write_table(table, written, row_group_size=250)
    boto3.client("s3").put_object(Bucket=BUCKET, Key="tables/tickets.parquet",
                                  Body=written.getvalue())
    opened = remote.open_remote(url("tables/tickets.parquet"))
    assert remote.remote_size(url("tables/tickets.parquet")) == len(written.getvalue())
    assert opened.seekable()
    file = parquet.ParquetFile(opened)
    assert file.metadata.num_row_groups == 4
    assert file.read_row_group(3).column("text").to_pylist()[-1] == "ticket 999"


@pytest.mark.parametrize("suffix", ["parquet", "feather"])
def test_count_reads_a_remote_table_as_the_local_one(cli: Run, s3: Store, tmp_path: Path,
                                                     suffix: str) -> None:
    import boto3

    parquet = pytest.importorskip("pyarrow.parquet")
    local = Path("examples/support-tickets.parquet")
    if suffix == "feather":  # the same table as an Arrow IPC file
        feather = pytest.importorskip("pyarrow.feather")
        local = tmp_path / "support-tickets.feather"
        feather.write_feather(parquet.read_table("examples/support-tickets.parquet"), str(local))
    key = f"tables/support-tickets.{suffix}"
    boto3.client("s3").put_object(Bucket=BUCKET, Key=key, Body=local.read_bytes())
    here = cli("count", str(local), "-m", "gpt-4o", "--format", "csv")
    there = cli("count", url(key), "-m", "gpt-4o", "--format", "csv")
    assert here.status == there.status == 0, there.err
    assert there.out == here.out.replace(str(local), url(key))
    # The six chats of the example table: 826 tokens for gpt-4o (as the README shows).
    assert there.out.splitlines()[1].split(",")[3:6] == ["6", "24", "826"]
