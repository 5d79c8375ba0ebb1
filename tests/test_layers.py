"""The package's shape: each wing imports only the wings below it, with no import cycles, and
importing the package or any wing stays light.

Every import counts, at the top of a module, inside a function or under ``TYPE_CHECKING``: a
lazy import is still a dependency, only a cheaper one.
"""

from __future__ import annotations

import ast
import gzip
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

import tokcost

PACKAGE = Path(tokcost.__file__).parent  # the installed package, which is what the tests import

# Wing -> rank. A module may import its own wing and any wing of a lower rank; two wings of the
# same rank (pricing and formats) know nothing of each other.
RANKS = {
    "shared": 0,  # errors, arguments, wording, output, cache, files, limits, _version
    "pricing": 1,
    "formats": 1,
    "counting": 2,
    "inputs": 3,
    "reports": 4,
    "api": 5,  # tokcost/__init__.py: the public names, re-exported from the wings
    "cli": 6,
}
SHARED_MODULES = {"errors", "arguments", "wording", "output", "cache", "files", "limits",
                  "_version"}
CLI_MODULES = {"cli", "__main__", "_entry"}
# The price tables are a data package of their own (tokcost/price_tables/).
DATA_PACKAGES = {"price_tables": "pricing"}


def wing_of(module: str) -> str:
    """The wing a ``tokcost...`` module belongs to."""
    parts = module.split(".")
    assert parts[0] == "tokcost", module
    if len(parts) == 1:
        return "api"
    head = parts[1]
    if head in SHARED_MODULES:
        return "shared"
    if head in CLI_MODULES:
        return "cli"
    if head in DATA_PACKAGES:
        return DATA_PACKAGES[head]
    if head in RANKS:
        return head
    raise AssertionError(f"{module} is in no wing: add its folder to RANKS in {__file__}")


def module_sources(package: Path = PACKAGE) -> dict[str, str]:
    """Dotted module name -> source, for every .py file of the package."""
    sources = {}
    for path in sorted(package.rglob("*.py")):
        parts = ["tokcost", *path.relative_to(package).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        sources[".".join(parts)] = path.read_text("utf-8")
    return sources


def imported_modules(module: str, source: str, known: set[str]) -> Iterator[str]:
    """The tokcost modules that ``module``'s source imports, wherever the import statement is."""
    is_package = module in known and any(other.startswith(module + ".") for other in known)
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against the importing module's package
                anchor = module.split(".")
                anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
                base = ".".join(anchor + ([base] if base else []))
            # ``from tokcost.pricing import table`` imports the module tokcost.pricing.table.
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                     for alias in node.names]
        else:
            continue
        for name in names:
            if name == "tokcost" or name.startswith("tokcost."):
                yield name


def layer_violations(sources: Mapping[str, str]) -> list[str]:
    """One line per import that reaches up or sideways across wings."""
    known = set(sources)
    problems = []
    for module, source in sorted(sources.items()):
        wing = wing_of(module)
        for target in imported_modules(module, source, known):
            other = wing_of(target)
            if other != wing and RANKS[other] >= RANKS[wing]:
                problems.append(f"{module} ({wing}) imports {target} ({other})")
    return problems


def import_cycles(sources: Mapping[str, str]) -> list[list[str]]:
    """Cycles of modules importing one another, each from its first module by name.

    A depth-first search reports at least one cycle whenever there is any (each back edge closes
    one), which is what the test needs; it does not list every cycle of a tangled graph.
    """
    known = set(sources)
    graph = {module: sorted(set(imported_modules(module, source, known)) & known - {module})
             for module, source in sources.items()}
    cycles: list[list[str]] = []
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        for target in graph[module]:
            if target in path:
                cycle = path[path.index(target):]
                start = cycle.index(min(cycle))  # one rotation, however it was reached
                cycle = cycle[start:] + cycle[:start]
                if cycle not in cycles:
                    cycles.append(cycle)
            elif target not in done:
                visit(target, [*path, target])
        done.add(module)

    for module in sorted(graph):
        visit(module, [module])
    return cycles


def test_every_module_is_in_a_wing() -> None:
    sources = module_sources()
    assert len(sources) >= 28  # the walk found the package, its price tables included
    wings = {wing_of(module) for module in sources}
    assert wings == set(RANKS)


def test_no_wing_imports_a_higher_or_sideways_wing() -> None:
    assert layer_violations(module_sources()) == []


def test_no_import_cycles() -> None:
    assert import_cycles(module_sources()) == []


def test_the_checks_catch_what_they_are_for() -> None:
    planted = {
        "tokcost.errors": "",
        "tokcost.pricing": "",
        "tokcost.pricing.table": "from tokcost.counting.counter import ModelCounter\n",
        "tokcost.formats": "",
        "tokcost.formats.conversations": (
            "def parse():\n    from tokcost.pricing import table\n    from . import gemini\n"),
        "tokcost.formats.gemini": "from .conversations import parse\nfrom tokcost import errors\n",
        "tokcost.counting": "",
        "tokcost.counting.counter": "from tokcost.errors import TokcostError\n",
        "tokcost.output": "import tokcost.reports.charts\n",
        "tokcost.reports": "",
        "tokcost.reports.charts": (
            "import typing\nif typing.TYPE_CHECKING:\n    import tokcost.cli\n"),
        "tokcost.cli": "from tokcost import __version__\n",
    }
    assert layer_violations(planted) == [
        "tokcost.formats.conversations (formats) imports tokcost.pricing.table (pricing)",
        "tokcost.output (shared) imports tokcost.reports.charts (reports)",
        "tokcost.pricing.table (pricing) imports tokcost.counting.counter (counting)",
        "tokcost.reports.charts (reports) imports tokcost.cli (cli)",
    ]
    assert import_cycles(planted) == [["tokcost.formats.conversations", "tokcost.formats.gemini"]]


HEAVY = ("tiktoken", "anthropic", "yaml", "matplotlib", "httpx", "pyarrow",
         "zstandard", "dask", "distributed")


def _imported_after(code: str, folder: Path, heavy: tuple[str, ...] = HEAVY) -> list[str]:
    """The heavy third-party packages a fresh interpreter has imported after running ``code``.

    It runs in ``folder``, away from the repository, whose source folder would shadow the
    installed package.
    """
    probe = (
        f"{code}\nimport sys\n"
        f"heavy = {set(heavy)!r}\n"
        "print(sorted({name.split('.')[0] for name in sys.modules} & heavy))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          timeout=60, cwd=folder)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()


def test_importing_the_package_and_its_wings_is_light(tmp_path: Path) -> None:
    code = "import tokcost, " + ", ".join(
        f"tokcost.{wing}" for wing in ("pricing", "formats", "counting", "inputs", "reports"))
    assert _imported_after(code, tmp_path) == ["[]"]


def _main_run(cache: Path) -> str:
    """Code that runs the CLI on ``{argv}`` (to be formatted in), with a cache of its own in
    ``cache``, filled by a first run, so that a second run is what users see."""
    return (
        "import contextlib, io, os\n"
        f"os.environ['TOKCOST_CACHE_DIR'] = {str(cache)!r}\n"
        "from tokcost.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    status = main({argv!r})\n"
        "assert status == 0, status\n"
    )


def test_light_commands_load_no_tokenizer_or_sdk(tmp_path: Path) -> None:
    # A cache of its own, filled by the first run, so that the second run is what users see.
    run = _main_run(tmp_path)
    project = ["project", "--rpd", "5000", "-m", "gpt-4o", "--input-tokens", "2000",
               "--output-tokens", "500", "--format", "csv"]
    _imported_after(run.format(argv=project), tmp_path)
    assert _imported_after(run.format(argv=project), tmp_path) == ["[]"]
    assert _imported_after(run.format(argv=["--version"]), tmp_path) == ["[]"]
    # usage prices billed tokens: it needs no tokenizer, even to reprice on other models.
    log = Path(__file__).parent / "data" / "usage" / "anthropic-session.jsonl"
    usage = ["usage", str(log), "--reprice-on", "gpt-4o", "--format", "csv"]
    _imported_after(run.format(argv=usage), tmp_path)  # its tables of other days, cached
    assert _imported_after(run.format(argv=usage), tmp_path) == ["[]"]


def test_count_loads_dask_only_for_a_cluster(tmp_path: Path) -> None:
    # --cluster's extra is imported when a cluster is asked for, never by a plain count.
    example = Path(__file__).parent.parent / "examples" / "support-chat.json"
    run = (
        "import contextlib, io\n"
        "from tokcost.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    status = main(['count', {str(example)!r}, '-m', 'gpt-4o', '-f', 'csv'])\n"
        "assert status == 0, status\n"
    )
    assert _imported_after(run, tmp_path, ("dask", "distributed")) == ["[]"]


def test_counting_plain_files_loads_no_dataset_reader(tmp_path: Path) -> None:
    # pyarrow and zstandard (tokcost[datasets]) are imported only for a table or a zstd file;
    # a gzip file needs only the standard library.
    example = Path(__file__).parent.parent / "examples" / "support-chat.json"
    packed = tmp_path / "support-chat.json.gz"
    packed.write_bytes(gzip.compress(example.read_bytes()))
    run = _main_run(tmp_path)
    for path in (example, packed):
        argv = ["count", str(path), "-m", "gpt-4o", "--format", "csv"]
        assert _imported_after(run.format(argv=argv), tmp_path, ("pyarrow", "zstandard")) == [
            "[]"], path


def test_the_public_names_are_the_documented_ones() -> None:
    assert sorted(tokcost.__all__) == sorted([
        "BatchCount", "Cost", "DocumentCount", "FileCount", "InputFileError", "ModelPrice",
        "PriceTable", "PricingError", "Projection", "ProjectionRow", "Rates", "Simulation",
        "SimulationRow", "SimulationSummary", "Snapshot", "TokcostError", "TokenCount",
        "TokenUsage", "UnknownModelError", "UnknownPricingVersionError", "UnpricedError",
        "__version__", "bundled_versions", "cost_of", "count_conversations", "count_file",
        "count_messages", "count_text", "count_texts", "load_price_table", "project",
        "rates_for", "simulate", "simulate_models", "UsageReport", "usage_report",
    ])
    for name in tokcost.__all__:
        value = getattr(tokcost, name)
        if name != "__version__":
            assert value.__name__ == name, name
            assert value.__module__.startswith("tokcost."), name


def test_local_inputs_load_no_storage_library(tmp_path: Path) -> None:
    # Reading a URL is network use, and imports fsspec and the storage's package only then: a
    # local file, folder or pattern imports none of them (installed or not).
    storage = {"fsspec", "s3fs", "botocore", "aiobotocore", "boto3", "aiohttp", "gcsfs",
               "huggingface_hub"}
    examples = Path(__file__).parent.parent / "examples"
    run = (
        "import contextlib, io, os, sys\n"
        f"os.environ['TOKCOST_CACHE_DIR'] = {str(tmp_path)!r}\n"
        "from tokcost.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    status = main({argv!r})\n"
        "assert status == 0, status\n"
    )
    loaded = f"print(sorted({{name.split('.')[0] for name in sys.modules}} & {storage!r}))\n"
    for argv in (["count", str(examples / "support-chat.json"), str(examples / "*.json"), "-m",
                  "gpt-4o", "--format", "csv"],
                 ["usage", str(examples / "usage.jsonl"), "--format", "csv"]):
        assert _imported_after(run.format(argv=argv) + loaded, tmp_path)[0] == "[]", argv


def test_every_package_folder_goes_into_the_wheel() -> None:
    """setuptools is given its packages by name: a new folder left out of that list installs
    nothing of itself, which an editable install would hide."""
    import tomllib

    repository = Path(__file__).parent.parent  # the source tree, not the installed package
    listed = set(tomllib.loads((repository / "pyproject.toml").read_text("utf-8"))
                 ["tool"]["setuptools"]["packages"])
    source = repository / "tokcost"
    folders = {".".join(["tokcost", *init.parent.relative_to(source).parts])
               for init in source.rglob("__init__.py")}
    assert folders == listed
