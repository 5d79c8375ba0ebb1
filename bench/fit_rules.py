"""Fit the bundled counting rules on the calibration records and measure them.

    python bench/fit_rules.py CALIBRATION_DIR [--write]

CALIBRATION_DIR holds `anthropic.jsonl` (and `gemini.jsonl`): real requests with the input
tokens the API reported (see that folder's README). Records of the `main` and `count_tokens`
sets are used; `extra` records (images, documents, server tools...) are measured and reported
apart, never fitted.

It prints, per rule, the error measured by cross-validation (each recording session held out
in turn and estimated by weights fitted on the others), broken down by kind of request, and
with --write replaces tokcost/counting/rules.json with the weights fitted on all the records,
those measured errors, and which weights no record measured. Every figure it prints is
cross-validated, records never fitted included (each is estimated by weights fitted without its
recording session). Run it with the interpreter that has tokcost installed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from tokcost.counting.calibration import Record, fit, measure, relative_error
from tokcost.counting.features import FEATURES, ThinkingKept, total_features, weigh
from tokcost.counting.images import provider_image_tokens
from tokcost.counting.rules import Measured
from tokcost.counting.tokenizers import get_encoding
from tokcost.errors import TokcostError
from tokcost.formats.conversations import Conversation, parse_conversations
from tokcost.formats.usage import billed_input_tokens

RULES_FILE = Path(__file__).resolve().parent.parent / "tokcost" / "counting" / "rules.json"
STAND_IN = "o200k_base"


class RuleSpec(NamedTuple):
    """A rule to fit: which models it covers and what is known of it beforehand."""

    name: str
    provider: str
    about: str
    prefixes: tuple[str, ...]  # model names it covers (longest prefix wins)
    generation: str  # rules of one generation share their text ratio
    images: str
    # Weights known from the provider's documentation: kept, never fitted.
    documented: Mapping[str, float] = {}
    thinking_kept: ThinkingKept = "none"  # which replayed thinking is billed (features.py)
    prompts: str = ""  # the rule whose hidden-prompt weights it shares (default: its own)
    platform: str = ""  # the platform whose billing it measures (PLATFORMS), if any
    base: str = ""  # for a platform's variant: the rule it varies

    @property
    def prompt_group(self) -> str:
        return self.prompts or self.name


# Anthropic's tool-use documentation ("Tool use with Claude", pricing section) tabulates the
# hidden tool-use system prompt per model and tool_choice: Claude 4 models, Sonnet 3.7 and Haiku
# 4.5 add 346 tokens with auto/none and 313 with any/tool; Haiku 3 and 3.5 264/340; Opus 3 530/281.
# Sonnet 4.5 and later are not in that table as measured here (they add more), so theirs are fitted.
# Anthropic's extended thinking guide says which replayed thinking each model keeps: the current
# tool-use turn's for Sonnet 4.5, Opus 4.1, Haiku 4.5 and older; every turn's for Opus 4.5,
# Sonnet 4.6 and later (so Sonnet 4.5 and Opus 4.5 need two rules that share their weights).
CURRENT: ThinkingKept = "current_turn"
ANTHROPIC = (
    RuleSpec("claude-3", "anthropic", "Claude 3.5 and 3.7 Sonnet",
             ("claude-3-5-sonnet", "claude-3-7-sonnet"), "claude-old", "anthropic",
             {"tool_prompt_auto": 346, "tool_prompt_any": 313}, CURRENT),
    RuleSpec("claude-3-haiku", "anthropic", "Claude 3 and 3.5 Haiku",
             ("claude-3-haiku", "claude-3-5-haiku"), "claude-old", "anthropic",
             {"tool_prompt_auto": 264, "tool_prompt_any": 340}, CURRENT),
    RuleSpec("claude-3-opus", "anthropic", "Claude 3 Opus",
             ("claude-3-opus",), "claude-old", "anthropic",
             {"tool_prompt_auto": 530, "tool_prompt_any": 281}, CURRENT),
    RuleSpec("claude-4", "anthropic", "Claude 4, 4.1 and Haiku 4.5",
             ("claude-sonnet-4-0", "claude-sonnet-4-2", "claude-opus-4-0", "claude-opus-4-1",
              "claude-opus-4-2", "claude-haiku-4-5", "claude-sonnet-4-20", "claude-opus-4-20"),
             "claude-old", "anthropic", {"tool_prompt_auto": 346, "tool_prompt_any": 313},
             CURRENT),
    RuleSpec("claude-4-5", "anthropic", "Claude Sonnet 4.5",
             ("claude-sonnet-4-5",), "claude-old", "anthropic", thinking_kept=CURRENT),
    RuleSpec("claude-4-6", "anthropic", "Claude Opus 4.5 and 4.6 and Sonnet 4.6, which keep "
             "earlier turns' thinking", ("claude-sonnet-4-6", "claude-opus-4-5",
                                         "claude-opus-4-6"),
             "claude-old", "anthropic", thinking_kept="all", prompts="claude-4-5"),
    RuleSpec("claude-4-7", "anthropic", "Claude Opus 4.7 and later, with their newer tokenizer",
             ("claude-opus-4-7", "claude-opus-4-8", "claude-opus-5", "claude-sonnet-5",
              "claude-haiku-5", "claude-fable-5", "claude-mythos-5"), "claude-new", "anthropic",
             thinking_kept="all"),
)
# Gemini's token guide documents no framing or hidden prompt; everything but images is fitted.
# One model is reached through two platforms that bill some parts of the same request
# differently: the Gemini API (generativelanguage.googleapis.com), whose prices the table holds,
# and Vertex AI (aiplatform.googleapis.com and its regional hosts). Gemini 3 through the Gemini
# API bills replayed thought signatures; through Vertex AI it bills none, and it bills tool
# definitions for less. A request's body does not say where it goes: the record's host does.
GEMINI_API, VERTEX_AI = "gemini_api", "vertex_ai"
GEMINI_OWN = (
    RuleSpec("gemini-2-0", "google", "Gemini 1.5 and 2.0", ("gemini-1.5", "gemini-2.0"),
             "gemini-2-0", "gemini", platform=GEMINI_API),
    RuleSpec("gemini-2-5", "google", "Gemini 2.5", ("gemini-2.5",), "gemini-2-5", "gemini",
             platform=GEMINI_API),
    RuleSpec("gemini-3", "google", "Gemini 3 and later", ("gemini-3", "gemini-4"), "gemini-3",
             "gemini", platform=GEMINI_API),
)
# Each rule's Vertex AI variant: its own weights for what the platforms bill differently
# (PER_PLATFORM), the base rule's for the rest.
GEMINI = GEMINI_OWN + tuple(
    spec._replace(name=f"{spec.name}-vertex", about=f"{spec.about} through Vertex AI",
                  generation=f"{spec.generation}-vertex", prompts=spec.name,
                  platform=VERTEX_AI, base=spec.name)
    for spec in GEMINI_OWN)
# Hosts that say a record was sent through a platform other than its provider's own API.
PLATFORM_HOSTS = {"aiplatform.googleapis.com": VERTEX_AI}
# Every rule of a provider shares its weights (fitted on all its records) but for those each
# rule, generation or platform has of its own (``key_for``).
PER_RULE = ("tool_prompt_auto", "tool_prompt_any")
# Claude generations differ in their tokenizer. Gemini's share one (their text-only records are
# all near 1.0 token per o200k_base token; fitted apart, Gemini 3's ratio drifts to 0.8 on its
# tool-heavy records and undercounts prose by a fifth) but differ in what they bill: Gemini 3
# bills replayed thought signatures (about a quarter of a token a byte, through the Gemini API)
# and Gemini 2.5 does not; Gemini 2.0 bills no tool definitions at all.
PER_GENERATION = {"anthropic": ("text",), "google": ("tool_json", "signature_bytes")}
# A platform variant's generation is a generation of its own, so it has its own weights for the
# features above. It also has its own for these, which the platform frames in its own way
# whatever the generation (shared by the platform's variants of every generation): Vertex AI
# bills Gemini requests about one token a message less than the Gemini API, and tool calls for
# less. Where no record of the platform shows one, the variant takes the base rule's weight,
# marked unmeasured.
PER_PLATFORM = {"google": ("message", "request", "tool_call", "tool_call_json", "tool_result",
                           "tools")}
# Image tokens are computed by the provider's published rule and counted as they are. A Gemini
# thought signature is never sent to Claude (a request converted from Gemini's shape drops it).
FIXED = {"image_tokens": 1.0}
FIXED_BY_PROVIDER = {"anthropic": {"signature_bytes": 0.0}, "google": {}}
# Where the records do not show a weight, it starts (and stays) here.
PRIORS = {
    "anthropic": {"text": 1.0, "message": 4.0, "request": 3.0, "tool_prompt_auto": 346.0,
                  "tool_prompt_any": 313.0},
    "google": {"text": 1.0, "message": 1.0},
}


def spec_for(model: str, specs: Sequence[RuleSpec], platform: str = "") -> RuleSpec | None:
    """The rule of a model reached through ``platform`` ("": the provider's own API)."""
    own = {spec.platform for spec in specs if not spec.base}
    wanted = platform if platform not in own else ""
    matches = [(len(prefix), spec) for spec in specs for prefix in spec.prefixes
               if model.startswith(prefix) and (spec.platform if spec.base else "") == wanted]
    return max(matches, key=lambda match: match[0])[1] if matches else None


def platform_of(host: str | None) -> str:
    """The platform a record's host belongs to ("": the provider's own API)."""
    for known, platform in PLATFORM_HOSTS.items():
        if host == known or (host or "").endswith(f"-{known}"):
            return platform
    return ""


def _has_media(conversation: Conversation) -> bool:
    """Images, documents, audio or video anywhere, tool results included."""
    for message in conversation.messages:
        content = message.get("content")
        for part in content if isinstance(content, list) else ():
            if part["type"] != "text" or part.get("media"):
                return True
    return False


def kind_of(conversation: Conversation) -> str:
    if _has_media(conversation):
        return "media"
    if conversation.unmeasured_options:
        return "unmeasured option"
    if conversation.tools:
        return "tools"
    if conversation.output_schema is not None:
        return "structured"
    if conversation.thinking:
        return "thinking"
    return "text"


class Loaded(NamedTuple):
    record: Record
    spec: RuleSpec
    kind: str
    fitted: bool  # main or count_tokens set; extra records are only measured


def load(path: Path, fmt: str, specs: Sequence[RuleSpec]) -> tuple[list[Loaded], list[str]]:
    encoding = get_encoding(STAND_IN)

    def tokens(text: str) -> int:
        return len(encoding.encode_ordinary(text))

    loaded, skipped = [], []
    for line in path.read_text("utf-8").splitlines():
        raw = json.loads(line)
        spec = spec_for(raw["model"], specs, platform_of(raw.get("host")))
        if spec is None:
            skipped.append(f"{raw['id']}: no rule for model {raw['model']}")
            continue
        def image(part: Mapping[str, Any], spec: RuleSpec = spec) -> tuple[int, str]:
            return provider_image_tokens(spec.images, part).tokens, ""

        try:
            conversation = parse_conversations(raw["request"], fmt)[0]
        except TokcostError as error:
            skipped.append(f"{raw['id']}: {error}")
            continue
        features = total_features(conversation, tokens, image, spec.thinking_kept)
        group = raw["id"].split("#")[0]
        billed = billed_input_tokens(raw["reported"])
        if not billed:
            skipped.append(f"{raw['id']}: no input token count in `reported`")
            continue
        record = Record(features, billed, group, f"{raw['model']} {raw['id']}")
        kind = kind_of(conversation)
        # Media are priced by published rules, not fitted: a record with any is measured apart.
        # A request option whose hidden tokens no rule counts is estimated as unmeasured.
        fitted = raw["set"] != "extra" and kind not in ("media", "unmeasured option")
        loaded.append(Loaded(record, spec, kind, fitted))
    return loaded, skipped


def key_for(spec: RuleSpec, name: str) -> str:
    """The joint weight that is ``spec``'s weight for feature ``name`` (``rule:feature``)."""
    if name in PER_RULE:
        return f"{spec.prompt_group}:{name}"
    if name in PER_GENERATION[spec.provider]:
        return f"{spec.generation}:{name}"
    if spec.base and name in PER_PLATFORM.get(spec.provider, ()):
        return f"{spec.platform}:{name}"
    return name


def joint(item: Loaded) -> Record:
    """The record with its features named for the weights they fit (``key_for``)."""
    renamed = {key_for(item.spec, name): value for name, value in item.record.features.items()}
    return item.record._replace(features=renamed)


class Parameters(NamedTuple):
    """The weights of a joint fit: those the records show (free), where every weight starts
    (prior), and for a platform variant's own weights, the base rule's weight each takes where
    no record of the platform shows it (or starts from where one does)."""

    free: list[str]
    prior: dict[str, float]
    base_of: dict[str, str]  # platform variant's key -> the base rule's key


def joint_parameters(specs: Sequence[RuleSpec], shown: set[str]) -> Parameters:
    """``shown``: the keys (``key_for``) that some fitted record has. A weight no record shows
    is not fitted: it keeps its prior (for a platform variant, the base rule's weight)."""
    starts = PRIORS[specs[0].provider]
    by_name = {spec.name: spec for spec in specs}
    free: list[str] = []
    fixed = FIXED | FIXED_BY_PROVIDER[specs[0].provider]
    prior: dict[str, float] = dict(fixed)
    base_of: dict[str, str] = {}
    for spec in specs:
        for name in FEATURES:
            key = key_for(spec, name)
            if key in prior or key in free:
                continue
            if spec.base and key != key_for(by_name[spec.base], name):
                base_of[key] = key_for(by_name[spec.base], name)
            if name in spec.documented:
                prior[key] = spec.documented[name]
                continue
            prior[key] = starts.get(name, 0.0)
            if key in shown:
                free.append(key)
    return Parameters(free, prior, base_of)


def shown_keys(records: Sequence[Record]) -> set[str]:
    return {key for record in records for key, value in record.features.items() if value}


def fit_joint(records: Sequence[Record], parameters: Parameters) -> dict[str, float]:
    """The weights fitted on ``records``. A platform variant's own weights start from the base
    rule's, fitted first on the records without them; those the records do not show end equal
    to the base rule's."""
    free, prior, base_of = parameters
    shown = shown_keys(records)
    own = [key for key in free if key not in base_of and key in shown]
    base_records = [record for record in records if not record.features.keys() & base_of.keys()]
    first = fit(base_records, own, prior)
    started = prior | {key: first[base] for key, base in base_of.items()}
    weights = fit(records, [key for key in free if key in shown], started)
    for key, base in base_of.items():
        if key not in shown:
            weights[key] = weights[base]
    return weights


def key_of(spec: RuleSpec, name: str, joint_weights: Mapping[str, float]) -> str | None:
    """Which joint weight is the rule's weight for feature ``name``, if it has one."""
    key = key_for(spec, name)
    return key if key in joint_weights else None


def weights_of(spec: RuleSpec, joint_weights: Mapping[str, float]) -> dict[str, float]:
    weights = {}
    for name in FEATURES:
        key = key_of(spec, name, joint_weights)
        if key is not None:
            weights[name] = round(joint_weights[key], 3)
    return weights


def unmeasured_of(spec: RuleSpec, joint_weights: Mapping[str, float], shown: set[str]
                  ) -> list[str]:
    """The rule's weights that no fitted record measured: neither documented nor fixed by a
    published rule, and shown by no record (a count that needs one cannot claim a band)."""
    return [name for name in FEATURES
            if name not in spec.documented and name not in FIXED
            and name not in FIXED_BY_PROVIDER[spec.provider]
            and key_of(spec, name, joint_weights) not in shown]


def report(title: str, errors: Sequence[float]) -> Measured:
    measured = measure(errors)
    print(f"  {title:<34} n={measured.records:<4} median |error| {measured.median_pct:5.1f}%"
          f"   p90 {measured.p90_pct:5.1f}%")
    return measured


class Fitted(NamedTuple):
    """A rule fitted: its weights, its measured error, and what no record measured."""

    weights: dict[str, float]
    measured: Measured
    how: str
    unmeasured: list[str]


def held_out_errors(items: Sequence[Loaded], parameters: Parameters) -> dict[int, float]:
    """Every record's relative error (by ``id`` of the item) under weights fitted on the fitted
    records of the other recording sessions: records never fitted are estimated the same way,
    so that no figure rests on weights that saw the record's own session."""
    fitted = [(item, joint(item)) for item in items if item.fitted]
    everything: dict[str, float] | None = None  # for a session with no fitted record
    errors: dict[int, float] = {}
    for group in dict.fromkeys(item.record.group for item in items):
        members = [item for item in items if item.record.group == group]
        if any(item.fitted for item in members):
            weights = fit_joint([record for item, record in fitted
                                 if item.record.group != group], parameters)
        else:
            everything = everything or fit_joint([record for _, record in fitted], parameters)
            weights = everything
        for item in members:
            estimate = round(weigh(joint(item).features, weights))
            errors[id(item)] = relative_error(estimate, item.record.billed)
    return errors


def measured_in(spec: RuleSpec) -> str:
    """The records a rule's error is measured on: its generation's; for a platform's variants,
    the platform's records of every generation together (a variant's own generation may have
    a handful, too few to claim a band on, while they share all but a few weights)."""
    return f"{spec.platform} (every generation)" if spec.base else spec.generation


def fit_provider(items: Sequence[Loaded], specs: Sequence[RuleSpec]) -> dict[str, Fitted]:
    main = [item for item in items if item.fitted]
    records = [joint(item) for item in main]
    shown = shown_keys(records)
    parameters = joint_parameters(specs, shown)
    by_record = held_out_errors(items, parameters)
    final = fit_joint(records, parameters)
    results = {}
    for group in dict.fromkeys(measured_in(spec) for spec in specs):
        members = [item for item in main if measured_in(item.spec) == group]
        print(f"{group}: cross-validated, leaving out one recording session at a time")
        measured = report("all", [by_record[id(item)] for item in members])
        for kind in ("text", "thinking", "structured", "tools"):
            report(kind, [by_record[id(item)] for item in members if item.kind == kind])
        for model in sorted({item.record.label.split()[0] for item in members}):
            report(f"model {model}", [by_record[id(item)] for item in members
                                      if item.record.label.split()[0] == model])
        replays = [by_record[id(item)] for item in members
                   if item.record.features.get("signature_bytes")]
        if replays:
            report("replaying thought signatures", replays)
        how = (f"cross-validated on {measured.records} real requests ({group} models; "
               "text, thinking, structured output and custom tools), one recording session "
               "held out at a time")
        for spec in specs:
            if measured_in(spec) == group:
                results[spec.name] = Fitted(weights_of(spec, final), measured, how,
                                            unmeasured_of(spec, final, shown))
    provider = specs[0].provider
    platforms = sorted({spec.platform for spec in specs if spec.platform})
    through = f" and platforms ({', '.join(platforms)})" if platforms else ""
    print(f"{provider}, all models{through}: cross-validated")
    report("all", [by_record[id(item)] for item in main])
    for platform in platforms:
        report(f"through {platform}", [by_record[id(item)] for item in main
                                        if item.spec.platform == platform])
    unmeasured_option = [item for item in items
                         if not item.fitted and item.kind == "unmeasured option"]
    if unmeasured_option:
        # Those requests are counted `estimate (unmeasured)`; the figure with them says what
        # leaving them out of the fit costs.
        report("all, with requests of options no rule measures",
               [by_record[id(item)] for item in main + unmeasured_option])
    extra = [item for item in items if not item.fitted]
    if extra:
        print("records never fitted (media: images, documents, audio, server tools...; "
              "options no rule measures), estimated the same way:")
        report("all", [by_record[id(item)] for item in extra])
        for kind in sorted({item.kind for item in extra}):
            report(kind, [by_record[id(item)] for item in extra if item.kind == kind])
        for platform in platforms:
            report(f"through {platform}", [by_record[id(item)] for item in extra
                                            if item.spec.platform == platform])
    for name, result in results.items():
        if result.unmeasured:
            print(f"  {name}: weights no record measured: {', '.join(result.unmeasured)}")
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("calibration", type=Path)
    parser.add_argument("--write", action="store_true", help="rewrite rules.json")
    args = parser.parse_args(argv)
    fitted: dict[str, Fitted] = {}
    for name, fmt, specs in (("anthropic.jsonl", "anthropic", ANTHROPIC),
                             ("gemini.jsonl", "gemini", GEMINI)):
        items, skipped = load(args.calibration / name, fmt, specs)
        for line in skipped:
            print(f"skipped {line}", file=sys.stderr)
        fitted |= fit_provider(items, specs)
    print("weights fitted on all records:")
    for name, result in fitted.items():
        print(f"  {name}: {json.dumps(result.weights)}")
    if args.write:
        write_rules(fitted)
        print(f"wrote {RULES_FILE}")
    return 0


def write_rules(fitted: Mapping[str, Fitted]) -> None:
    rules: dict[str, Any] = {
        "openai": {"method": "openai", "about": "OpenAI's cookbook framing: exact with the "
                   "model's own encoding"},
    }
    specs = {spec.name: spec for spec in ANTHROPIC + GEMINI}
    for name, result in fitted.items():
        spec = specs[name]
        measured = result.measured
        rule: dict[str, Any] = {
            "method": "weighted", "provider": spec.provider, "about": spec.about,
            "images": spec.images, "thinking_kept": spec.thinking_kept,
            "weights": result.weights,
            "measured": {"records": measured.records,
                         "median_pct": round(measured.median_pct, 1),
                         "p90_pct": round(measured.p90_pct, 1), "how": result.how},
            "unmeasured": result.unmeasured,
        }
        if spec.platform:
            rule["platform"] = spec.platform
        variants = {other.platform: other.name for other in specs.values()
                    if other.base == name}
        if variants:
            rule["platforms"] = variants
        rules[name] = rule
    book = {
        "about": "Counting rules, written by bench/fit_rules.py from the calibration records "
                 "(real requests and the input tokens their API reported). Do not edit by hand.",
        "defaults": {"openai": "openai", "anthropic": "claude-4-5", "google": "gemini-3"},
        "rules": rules,
    }
    RULES_FILE.write_text(json.dumps(book, indent=2) + "\n", "utf-8")


if __name__ == "__main__":
    sys.exit(main())
