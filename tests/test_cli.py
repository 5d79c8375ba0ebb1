"""The command line as users meet it: formats, errors, exit statuses, the installed command."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tokcost import __version__

if TYPE_CHECKING:
    from conftest import Result  # the fixtures' result type, for annotations only

GOLDEN = Path(__file__).parent / "golden"
DATA = Path(__file__).parent / "data"
Run = Callable[..., "Result"]


def test_version(cli: Run) -> None:
    assert cli("--version").out == f"tokcost {__version__}\n"


def test_models_csv_from_another_directory(installed: Run) -> None:
    result = installed("models", "--format", "csv")
    assert result.status == 0 and result.err == ""
    rows = list(csv.DictReader(io.StringIO(result.out)))
    assert list(rows[0]) == ["model", "provider", "input_per_mtok", "output_per_mtok",
                             "cache_read_per_mtok", "cache_write_per_mtok", "context_window",
                             "max_output_tokens", "tokenizer", "accuracy", "error_p90_pct",
                             "counting_rule", "mode", "service_tiers"]
    assert len(rows) >= 40
    by_model = {row["model"]: row for row in rows}
    gpt_4o = by_model["gpt-4o"]
    assert (gpt_4o["input_per_mtok"], gpt_4o["output_per_mtok"],
            gpt_4o["cache_read_per_mtok"]) == ("2.5", "10", "1.25")
    assert (gpt_4o["tokenizer"], gpt_4o["accuracy"]) == ("o200k_base", "exact")
    sonnet = by_model["claude-sonnet-4-6"]
    assert (sonnet["input_per_mtok"], sonnet["output_per_mtok"], sonnet["cache_read_per_mtok"],
            sonnet["cache_write_per_mtok"], sonnet["accuracy"]) == ("3", "15", "0.3", "3.75",
                                                                    "estimate")
    assert (sonnet["error_p90_pct"], sonnet["counting_rule"]) == ("10.7", "claude-4-6")
    assert (gpt_4o["error_p90_pct"], gpt_4o["counting_rule"]) == ("", "openai")
    assert (gpt_4o["mode"], gpt_4o["service_tiers"]) == ("chat", "priority")
    assert by_model["gpt-5.4"]["service_tiers"] == "flex priority"
    assert by_model["text-embedding-3-small"]["mode"] == "embedding"
    embeddings = installed("models", "--mode", "embedding", "-f", "csv")
    assert [row["model"] for row in csv.DictReader(io.StringIO(embeddings.out))] == [
        "gemini-embedding-001", "gemini-embedding-2", "codestral-embed", "mistral-embed",
        "text-embedding-3-large", "text-embedding-3-small", "text-embedding-ada-002"]


def test_python_dash_m(installed_command: str, tmp_path: Path) -> None:
    python = Path(installed_command).parent / "python"
    done = subprocess.run([str(python), "-m", "tokcost", "--version"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.stdout == f"tokcost {__version__}\n"


def test_models_golden_csv(cli: Run) -> None:
    result = cli("models", "--pricing-version", "2025-03-01", "--format", "csv")
    assert result.out == (GOLDEN / "models-2025-03-01.csv").read_text()


def test_show_golden_json(cli: Run) -> None:
    result = cli("pricing", "show", "claude-sonnet-4-5", "--pricing-version",
                 "2026-11-22", "--format", "json")
    assert result.out == (GOLDEN / "show-claude-sonnet-4-5.json").read_text()


def test_show_gemini_tier(cli: Run) -> None:
    rows = json.loads(cli("pricing", "show", "gemini-3.1-pro-preview", "-f", "json").out)
    facts = {row["field"]: row["value"] for row in rows}
    assert (facts["input_per_mtok"], facts["output_per_mtok"]) == (2, 12)
    assert (facts["above_200000_input_per_mtok"], facts["above_200000_output_per_mtok"]) == (4,
                                                                                            18)


def test_models_provider_filter(cli: Run) -> None:
    out = cli("models", "--provider", "anthropic", "-f", "jsonl").out
    providers = {json.loads(line)["provider"] for line in out.splitlines()}
    assert providers == {"anthropic"}


def test_unknown_provider_is_one_line(cli: Run) -> None:
    result = cli("models", "--provider", "acme")
    assert result.status == 1 and result.out == ""
    assert result.err == ("tokcost: error: no models from provider 'acme' in price table "
                          "2026-12-01 (it has anthropic, deepseek, google, mistral, openai, "
                          "xai)\n")


def test_piped_output_defaults_to_tsv(cli: Run) -> None:
    first = cli("models").out.splitlines()[0]
    assert first.split("\t")[:3] == ["model", "provider", "input_per_mtok"]


def test_versions(cli: Run) -> None:
    assert cli("pricing", "versions", "-f", "csv").out == (
        "version,effective,models,default\n"
        "2025-03-01,2025-03-01,25,false\n"
        "2026-11-22,2026-11-22,58,false\n"
        "2026-12-01,2026-12-01,92,true\n"
    )


def test_versions_marks_a_pinned_version_default(cli: Run) -> None:
    out = cli("pricing", "versions", "--pricing-version", "2025-03-01", "-f", "csv").out
    assert "2025-03-01,2025-03-01,25,true" in out


def test_diff_shows_gpt_4o_unchanged_and_changes(cli: Run) -> None:
    rows = json.loads(cli("pricing", "diff", "2025-03-01", "2026-11-22", "-f", "json").out)
    by_model: dict[str, list[dict]] = {}
    for row in rows:
        by_model.setdefault(row["model"], []).append(row)
    assert by_model["gpt-4o"] == [{"model": "gpt-4o", "change": "unchanged", "field": "",
                                   "old": None, "new": None, "change_pct": None}]
    assert by_model["claude-3-7-sonnet"][0]["change"] == "removed"
    assert by_model["claude-sonnet-4-5"][0]["change"] == "added"


def test_diff_of_changed_prices(tmp_path: Path, cli: Run) -> None:
    old = DATA / "costing.yaml"
    new = tmp_path / "cheaper.yaml"
    new.write_text(old.read_text().replace("input: 3\n", "input: 2.4\n"))
    rows = json.loads(cli("pricing", "diff", str(old), str(new), "-f", "json").out)
    changed = [row for row in rows if row["change"] == "changed"]
    assert changed == [{"model": "explicit", "change": "changed", "field": "input_per_mtok",
                        "old": 3, "new": 2.4, "change_pct": -20}]


def test_diff_names_a_missing_file_and_an_unknown_version_apart(cli: Run) -> None:
    missing = cli("pricing", "diff", "2025-03-01", "nosuch.yaml")
    assert (missing.status, missing.err) == (1, "tokcost: error: nosuch.yaml: no such file\n")
    unknown = cli("pricing", "diff", "2025-03-01", "2024-01-01")
    assert (unknown.status, unknown.err) == (
        1, "tokcost: error: unknown pricing version '2024-01-01'; available: 2025-03-01, "
           "2026-11-22, 2026-12-01\n")
    latest = cli("pricing", "diff", "2026-12-01", "latest", "-f", "csv")
    assert latest.status == 0 and {line.split(",")[1] for line in latest.out.splitlines()[1:]
                                   } == {"unchanged"}


def test_validate_good_file(cli: Run) -> None:
    result = cli("pricing", "validate", "tokcost/price_tables/2026-11-22.yaml")
    assert result.status == 0
    assert result.out == ("tokcost/price_tables/2026-11-22.yaml: valid: 58 models from 6 "
                          "providers, effective 2026-11-22, schema version 1\n")


BAD_TABLE = """\
schema_version: 1
effective: 2026-01-01
currency: USD
sources:
  openai: https://openai.com/api/pricing/
models:
  cheap:
    provider: openai
    input: -1
    output: 2
    context_window: 1000
    max_output_tokens: 100
    tokenizer: {encoding: o200k_base, accuracy: exact}
  typo:
    provider: openai
    input: 1
    ouput: 2
    context_window: 1000
    max_output_tokens: 100
    tokenizer: {encoding: o200k_base, accuracy: exact}
  cheap:
    provider: openai
    input: 1
    output: 2
    context_window: 1000
    max_output_tokens: 100
    tokenizer: {encoding: o200k_base, accuracy: exact}
"""


def test_validate_lists_every_problem(tmp_path: Path, installed: Run) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_TABLE)
    result = installed("pricing", "validate", str(bad))
    assert result.status == 1 and result.out == ""
    assert "Traceback" not in result.err
    assert result.err.splitlines() == [
        f"tokcost: error: {bad}:9: model 'cheap', field 'input': must not be negative (got -1)",
        f"tokcost: error: {bad}:14: model 'typo', field 'output': is required but missing",
        f"tokcost: error: {bad}:17: model 'typo', field 'ouput': unknown field (did you mean "
        "'output'?)",
        f"tokcost: error: {bad}:21: model 'cheap': is defined more than once (also on line 7; "
        "YAML would silently keep the last)",
        f"tokcost: {bad}: 4 problems",
    ]


def test_a_bad_user_table_fails_other_commands_in_one_line(tmp_path: Path,
                                                           cli: Run
                                                           ) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_TABLE)
    result = cli("models", "--pricing", str(bad))
    assert result.status == 1 and result.out == ""
    assert len(result.err.splitlines()) == 1
    assert "and 3 more problems" in result.err


def test_pricing_env_var_selects_a_user_table(installed: Run) -> None:
    result = installed("models", "-f", "csv", env={"TOKCOST_PRICING": str(DATA / "costing.yaml")})
    assert [line.split(",")[0] for line in result.out.splitlines()] == ["model", "plain",
                                                                         "automatic", "explicit"]


def test_a_model_the_newest_table_no_longer_sells_names_the_table_that_has_it(cli: Run
                                                                              ) -> None:
    result = cli("count", "examples/support-chat.json", "-m", "claude-sonnet-4-5")
    assert result.status == 1 and result.out == ""
    assert result.err == (
        "tokcost: error: model 'claude-sonnet-4-5' is not in price table 2026-12-01 (no longer "
        "sold, or not yet listed); the bundled table 2026-11-22 has it: add --pricing-version "
        "2026-11-22 to price it as of then\n")
    pinned = cli("count", "examples/support-chat.json", "-m", "claude-sonnet-4-5",
                 "--pricing-version", "2026-11-22", "-f", "csv")
    assert pinned.status == 0 and ",claude-sonnet-4-5,1,6,227,estimate," in pinned.out


def test_a_library_error_names_the_argument_where_the_command_names_the_option(
        cli: Run, tmp_path: Path) -> None:
    import tokcost

    older = ("model 'claude-sonnet-4-5' is not in price table 2026-12-01 (no longer sold, or "
             "not yet listed); the bundled table 2026-11-22 has it: ")
    for call in (lambda: tokcost.simulate("claude-sonnet-4-5"),
                 lambda: tokcost.cost_of("claude-sonnet-4-5", tokcost.TokenUsage(input=1)),
                 lambda: tokcost.count_text("hi", "claude-sonnet-4-5")):
        with pytest.raises(tokcost.UnknownModelError) as raised:
            call()
        assert str(raised.value) == (older + "pass table=load_price_table(version='2026-11-22') "
                                     "to price it as of then")
        assert raised.value.listed_in == "2026-11-22"
    with pytest.raises(tokcost.UnknownModelError) as unknown:
        tokcost.count_text("hi", "gtp-4o")
    assert str(unknown.value) == ("unknown model 'gtp-4o' in price table 2026-12-01; closest: "
                                  "gpt-4o, gpt-4.1, gpt-5.4 (the table's models() lists them "
                                  "all)")
    # The library's advice is right: the table it names prices the model.
    table = tokcost.load_price_table(version="2026-11-22")
    assert tokcost.simulate("claude-sonnet-4-5", 1, table=table).rows[0].turn == 1
    # The command says it with its option, wherever the library's message reaches it: the
    # error of -m, and the problem line of a conversation that names the model itself.
    cli_line = older + "add --pricing-version 2026-11-22 to price it as of then\n"
    simulated = cli("simulate", "-m", "claude-sonnet-4-5")
    assert (simulated.status, simulated.err) == (1, "tokcost: error: " + cli_line)
    named = tmp_path / "chat.json"
    named.write_text('{"model": "claude-sonnet-4-5", "messages": [{"role": "user", '
                     '"content": "hi"}]}')
    counted = cli("count", str(named), "-f", "csv")
    assert (counted.status, counted.err) == (
        1, f"tokcost: error: {named}: conversation 1: " + cli_line)


def test_show_unknown_model_suggests(cli: Run) -> None:
    result = cli("pricing", "show", "gtp-4o")
    assert result.status == 1 and result.out == ""
    assert result.err == ("tokcost: error: unknown model 'gtp-4o' in price table 2026-12-01; "
                          "closest: gpt-4o, gpt-4.1, gpt-5.4 (`tokcost models` lists them all)\n")


def test_show_dated_id_falls_back_with_a_note(cli: Run) -> None:
    result = cli("pricing", "show", "gpt-4o-2099-01-01", "-f", "csv")
    assert result.status == 0
    assert result.err == ("tokcost: note: 'gpt-4o-2099-01-01' is not in the price table; "
                          "using its base model 'gpt-4o'\n")
    assert "model,gpt-4o," in result.out


def test_unknown_pricing_version(cli: Run) -> None:
    result = cli("models", "--pricing-version", "2024-01-01")
    assert result.status == 1
    assert result.err == ("tokcost: error: unknown pricing version '2024-01-01'; available: "
                          "2025-03-01, 2026-11-22, 2026-12-01\n")


def test_version_and_file_conflict(cli: Run) -> None:
    result = cli("models", "--pricing-version", "2025-03-01", "--pricing",
                 "tests/data/costing.yaml")
    assert result.status == 2  # options that do not go together
    assert "not both" in result.err


def test_usage_error_exits_2(cli: Run) -> None:
    result = cli("models", "--format", "xml")
    assert result.status == 2
    assert "Invalid value for '--format'" in result.err
    assert "Traceback" not in result.err


def test_closed_pipe_is_quiet(installed_command: str, tmp_path: Path) -> None:
    # The reader goes away before tokcost writes: every write hits a closed pipe.
    process = subprocess.Popen([installed_command, "models"], cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    err = process.stderr.read()
    process.wait(timeout=60)
    assert err == b""


def test_head_of_models_is_a_tsv_header(installed_command: str, tmp_path: Path) -> None:
    done = subprocess.run(f"'{installed_command}' models | head -1", shell=True, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.stdout.split("\t")[:2] == ["model", "provider"]
    assert done.stderr == ""


def test_internal_errors_are_one_line_unless_debugging(
    monkeypatch: pytest.MonkeyPatch, cli: Run
) -> None:
    import tokcost.reports.catalog

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(tokcost.reports.catalog, "model_rows", broken)
    result = cli("models")
    assert result.status == 1
    assert result.err.startswith("tokcost: internal error: RuntimeError: boom")
    monkeypatch.setenv("TOKCOST_DEBUG", "1")
    with pytest.raises(RuntimeError, match="boom"):
        cli("models")


def test_ctrl_c_exits_130_without_a_traceback(monkeypatch: pytest.MonkeyPatch, cli: Run) -> None:
    import tokcost.reports.catalog

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(tokcost.reports.catalog, "model_rows", interrupted)
    result = cli("models")
    assert result.status == 130
    assert result.out == "" and "Traceback" not in result.err


def test_a_mistyped_command_gets_one_suggestion(cli: Run) -> None:
    result = cli("modles")
    assert result.status == 2
    assert result.err == ("tokcost: error: No such command 'modles'. Did you mean 'models'? "
                          "(see `tokcost --help`)\n")


@pytest.mark.parametrize(("args", "line"), [
    (("count", "--bogus"),
     "tokcost: error: No such option '--bogus'. Did you mean '--jobs'? (see `tokcost count "
     "--help`)"),
    (("project",), "tokcost: error: Missing option '--rpd'. (see `tokcost project --help`)"),
    (("pricing", "show"),
     "tokcost: error: Missing argument 'MODEL'. (see `tokcost pricing show --help`)"),
    (("models", "--format", "xml"),
     "tokcost: error: Invalid value for '--format' / '-f': 'xml' is not one of 'table', "
     "'csv', 'tsv', 'json', 'jsonl', 'markdown'. (see `tokcost models --help`)"),
    (("simulate", "--turns"),
     "tokcost: error: Option '--turns' requires an argument. (see `tokcost simulate --help`)"),
])
def test_usage_errors_are_one_line_like_every_other_error(cli: Run, args: tuple[str, ...],
                                                          line: str) -> None:
    assert (cli(*args).status, cli(*args).err) == (2, line + "\n")


def test_help_lists_every_command(cli: Run) -> None:
    words = " ".join(cli("--help").out.replace("│", " ").split())
    for command in ("count", "simulate", "project", "models", "pricing"):
        assert f" {command} " in words


def test_the_clis_copies_of_library_constants_agree() -> None:
    from tokcost.cli import CALIBRATION_ENV_VAR, InputFormat
    from tokcost.counting.rules import CALIBRATION_ENV_VAR as RULES_CALIBRATION_ENV_VAR
    from tokcost.inputs.sources import INPUT_FORMATS

    assert [choice.value for choice in InputFormat] == list(INPUT_FORMATS)
    assert CALIBRATION_ENV_VAR == RULES_CALIBRATION_ENV_VAR


def test_a_spreadsheet_file_name_is_refused_before_any_work(cli: Run, tmp_path: Path) -> None:
    target = tmp_path / "out.xlsx"
    result = cli("count", "examples/support-chat.json", "-o", str(target))
    assert result.status == 1 and not target.exists()
    assert result.err == (f"tokcost: error: {target}: tokcost writes text (csv, tsv, json, "
                          "jsonl, md), not .xlsx files; write out.csv, which spreadsheets open\n")


def test_help_shows_the_extra_to_install(cli: Run) -> None:
    shown = " ".join(cli("simulate", "--help").out.split())
    assert "pip install 'tokcost[plot]'" in shown.replace("│ ", "").replace(" │", "")


def test_models_the_workload_does_not_fit_rank_after_those_it_fits(cli: Run) -> None:
    result = cli("project", "--rpd", "1", "--input-tokens", "300000", "-m", "gpt-4o", "-m",
                 "gemini-3.1-pro-preview", "-f", "csv")
    ranked = [(row["model"], row["fits"]) for row in csv.DictReader(io.StringIO(result.out))]
    # gpt-4o is cheaper ($0.755 against $1.209) but a 300,000-token prompt does not fit it.
    assert ranked == [("gemini-3.1-pro-preview", "true"), ("gpt-4o", "false")]


def test_count_reads_standard_input_when_no_path_is_given(installed_command: str,
                                                          tmp_path: Path) -> None:
    import subprocess

    done = subprocess.run([installed_command, "count", "-f", "csv"], input="hello world\n",
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    # "hello", " world" and the newline, at gpt-4o's $2.50 per million.
    assert done.stdout.splitlines()[1] == "<stdin>,text,gpt-4o,,,3,exact,,0.0000075"


def test_text_given_as_a_path_says_how_to_count_it(cli: Run) -> None:
    result = cli("count", "hello world")
    assert result.status == 1 and result.out == ""
    assert result.err == ("tokcost: error: hello world: no such file (to count this text "
                          "itself, pipe it in: echo '...' | tokcost count)\n")


def test_an_unknown_model_among_several_loses_only_itself(cli: Run, tmp_path: Path) -> None:
    text = tmp_path / "prompt.txt"
    text.write_text("hello there\n")
    result = cli("count", str(text), "-m", "gpt-4o", "-m", "nosuch", "-m", "o1", "-f", "csv")
    # gpt-4o is counted; each unknown model gets its line, o1 the table that still has it.
    assert result.status == 1
    assert result.out.splitlines()[1:] == [f"{text},text,gpt-4o,,,3,exact,,0.0000075"]
    errors = [line for line in result.err.splitlines() if line.startswith("tokcost: error:")]
    assert errors[0].startswith("tokcost: error: unknown model 'nosuch' in price table "
                                "2026-12-01; closest: ")
    assert errors[1] == ("tokcost: error: model 'o1' is not in price table 2026-12-01 (no longer "
                         "sold, or not yet listed); the bundled table 2025-03-01 has it: add "
                         "--pricing-version 2025-03-01 to price it as of then")
    simulated = cli("simulate", "--turns", "2", "-m", "gpt-4o", "-m", "nosuch", "-f", "csv")
    assert simulated.status == 1 and len(simulated.out.splitlines()) == 3
    projected = cli("project", "--rpd", "10", "-m", "nosuch", "-m", "gpt-4o", "-f", "csv")
    assert projected.status == 1
    assert [row.split(",")[0] for row in projected.out.splitlines()] == ["model", "gpt-4o"]


def test_models_may_be_given_with_commas_and_must_match_the_provider(cli: Run,
                                                                     tmp_path: Path) -> None:
    text = tmp_path / "prompt.txt"
    text.write_text("hello there\n")
    result = cli("count", str(text), "-m", "gpt-4o,claude-sonnet-4-6", "-m", "gpt-4o", "-f",
                 "csv")
    assert result.status == 0, result.err
    assert [line.split(",")[2] for line in result.out.splitlines()[1:]] == [
        "gpt-4o", "claude-sonnet-4-6"]
    mixed = cli("project", "--rpd", "10", "--provider", "anthropic", "-m", "gpt-4o")
    assert (mixed.status, mixed.out, mixed.err) == (
        2, "", "tokcost: error: gpt-4o is sold by openai, not anthropic: leave out --provider, "
               "or name only its models with -m\n")


def test_providers_may_be_repeated_or_given_with_commas(cli: Run) -> None:
    args = ("project", "--rpd", "1", "--input-tokens", "1", "--output-tokens", "1", "-f", "csv")
    repeated = cli(*args, "-p", "openai", "-p", "anthropic")
    commas = cli(*args, "-p", "openai,anthropic")
    assert repeated.status == 0 and repeated.out == commas.out
    providers = [line.split(",")[1] for line in repeated.out.splitlines()[1:]]
    # The 2026-12-01 table's 27 OpenAI and 15 Anthropic chat models.
    assert (providers.count("openai"), providers.count("anthropic"), len(providers)) == (
        35, 15, 50)
    listed = cli("models", "-p", "xai,deepseek", "-p", "gemini", "-f", "csv")
    assert {line.split(",")[1] for line in listed.out.splitlines()[1:]} == {
        "xai", "deepseek", "google"}
    # A model of any of the providers may be named with -m.
    named = cli(*args, "-p", "anthropic", "-p", "openai", "-m", "gpt-4o")
    assert named.status == 0 and named.out.splitlines()[1].startswith("gpt-4o,openai,")
    other = cli(*args, "-p", "anthropic,google", "-m", "gpt-4o")
    assert (other.status, other.err) == (
        2, "tokcost: error: gpt-4o is sold by openai, not anthropic or google: leave out "
           "--provider, or name only its models with -m\n")


def test_plain_text_notes_say_no_chat_framing(cli: Run, tmp_path: Path) -> None:
    text = tmp_path / "prompt.txt"
    text.write_text("hello there\n")
    result = cli("count", str(text), "-m", "grok-4.3", "-f", "csv")
    assert result.out.splitlines()[1] == f"{text},text,grok-4.3,,,3,estimate,,0.00000375"
    assert result.err == ("tokcost: note: grok-4.3: its tokenizer is not public; estimated with "
                          "o200k_base (error not measured)\n"
                          "tokcost: note: priced with price table 2026-12-01\n")


def test_format_shorthands_no_headers_and_sort(cli: Run, tmp_path: Path) -> None:
    text = tmp_path / "prompt.txt"
    text.write_text("hello there\n")
    csv_out = cli("count", str(text), "--csv").out
    assert csv_out == ("path,format,model,conversations,messages,tokens,accuracy,error_p90_pct,"
                       f"input_cost_usd\n{text},text,gpt-4o,,,3,exact,,0.0000075\n")
    assert cli("count", str(text), "--tsv", "--no-headers").out == (
        f"{text}\ttext\tgpt-4o\t\t\t3\texact\t\t0.0000075\n")
    [line] = cli("count", str(text), "--nl").out.splitlines()
    assert json.loads(line)["tokens"] == 3
    assert json.loads(cli("count", str(text), "--json").out)[0]["model"] == "gpt-4o"
    # A table without its header: the rows alone, no rules.
    assert cli("count", str(text), "-f", "table", "--no-headers").out == (
        f"{text}  text  gpt-4o  -  -  3  exact  $0.0000075\n")
    # --sort: smallest first, -COLUMN largest first, empty values last.
    cheapest = cli("models", "--provider", "anthropic", "--csv", "--no-headers", "--sort",
                   "input_per_mtok").out.splitlines()
    dearest = cli("models", "--provider", "anthropic", "--csv", "--no-headers",
                  "--sort=-input_per_mtok").out.splitlines()
    prices = [float(line.split(",")[2]) for line in cheapest]
    assert prices == sorted(prices) and len(prices) > 3
    assert [float(line.split(",")[2]) for line in dearest] == sorted(prices, reverse=True)
    bad = cli("models", "--sort", "price")
    assert bad.status == 2 and bad.err.startswith(
        "tokcost: error: --sort price: no such column; the columns are model, provider, ")
    # After `--`, every word is a file name.
    named = cli("count", "--", "--csv")
    assert (named.status, named.err) == (1, "tokcost: error: --csv: no such file\n")


def test_short_model_names_are_aliases_in_the_table(cli: Run, tmp_path: Path) -> None:
    text = tmp_path / "prompt.txt"
    text.write_text("hello there\n")
    result = cli("count", str(text), "-m", "4o", "-m", "Sonnet", "-m", "opus", "-m", "haiku",
                 "--csv", "--no-headers")
    assert [line.split(",")[2] for line in result.out.splitlines()] == [
        "gpt-4o", "claude-sonnet-5-5", "claude-opus-5-5", "claude-haiku-5-5"]
