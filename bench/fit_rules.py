"""Fit the bundled counting rules on the calibration records and measure them.

    python bench/fit_rules.py CALIBRATION_DIR [--write]

CALIBRATION_DIR holds `anthropic.jsonl` (and `gemini.jsonl`): real requests with the input
tokens the API reported (see that folder's README). Records of the `main` and `count_tokens`
sets are used; `extra` records (images, documents, server tools...) are measured and reported
apart, never fitted.

It prints, per rule, the error measured by cross-validation (each recording session held out
in turn and estimated by weights fitted on the others), broken down by kind of request, and
with --write replaces tokcost/counting/rules.json with the weights fitted on all the records and
those measured errors. Run it with the interpreter that has tokcost installed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from tokcost.counting.calibration import (
    Record,
    cross_validated_errors,
    fit,
    measure,
)
from tokcost.counting.features import FEATURES, ThinkingKept, total_features
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
GEMINI = (
    RuleSpec("gemini-2-0", "google", "Gemini 1.5 and 2.0", ("gemini-1.5", "gemini-2.0"),
             "gemini-2-0", "gemini"),
    RuleSpec("gemini-2-5", "google", "Gemini 2.5", ("gemini-2.5",), "gemini-2-5", "gemini"),
    RuleSpec("gemini-3", "google", "Gemini 3 and later", ("gemini-3", "gemini-4"), "gemini-3",
             "gemini"),
)
# Weights every rule of a provider shares (fitted on all its records), and those each rule or
# generation has of its own.
SHARED = ("text", "message", "request", "tool_call", "tool_call_json", "tool_result", "tools",
          "tool_json", "thinking", "structured", "schema_json", "signature_bytes")
PER_RULE = ("tool_prompt_auto", "tool_prompt_any")
# Claude generations differ in their tokenizer. Gemini's share one (their text-only records are
# all near 1.0 token per o200k_base token; fitted apart, Gemini 3's ratio drifts to 0.8 on its
# tool-heavy records and undercounts prose by a fifth) but differ in what they bill: Gemini 3
# bills replayed thought signatures (about a quarter of a token a byte, through the Gemini API)
# and Gemini 2.5 does not; Gemini 2.0 bills no tool definitions at all.
PER_GENERATION = {"anthropic": ("text",), "google": ("tool_json", "signature_bytes")}
# Image tokens are computed by the provider's published rule and counted as they are.
FIXED = {"image_tokens": 1.0}
# Where the records do not show a weight, it starts (and stays) here.
PRIORS = {
    "anthropic": {"text": 1.0, "message": 4.0, "request": 3.0, "tool_prompt_auto": 346.0,
                  "tool_prompt_any": 313.0},
    "google": {"text": 1.0, "message": 1.0},
}


def spec_for(model: str, specs: Sequence[RuleSpec]) -> RuleSpec | None:
    matches = [(len(prefix), spec) for spec in specs for prefix in spec.prefixes
               if model.startswith(prefix)]
    return max(matches, key=lambda match: match[0])[1] if matches else None


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
        spec = spec_for(raw["model"], specs)
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
        # So are Vertex AI requests that replay thought signatures: Vertex bills none of them,
        # while the Gemini API, whose prices the table holds, bills them.
        vertex_replay = raw.get("host") == "aiplatform.googleapis.com" and bool(
            features.get("signature_bytes"))
        # A request option whose hidden tokens no rule counts is estimated as unmeasured.
        fitted = (raw["set"] != "extra" and kind not in ("media", "unmeasured option")
                  and not vertex_replay)
        loaded.append(Loaded(record, spec, "vertex replay" if vertex_replay else kind, fitted))
    return loaded, skipped


def joint(item: Loaded) -> Record:
    """The record with its features named for the weights they fit (``rule:feature``)."""
    renamed: dict[str, float] = {}
    for name, value in item.record.features.items():
        if name in PER_RULE:
            renamed[f"{item.spec.prompt_group}:{name}"] = value
        elif name in PER_GENERATION[item.spec.provider]:
            renamed[f"{item.spec.generation}:{name}"] = value
        else:
            renamed[name] = value
    return item.record._replace(features=renamed)


def joint_parameters(specs: Sequence[RuleSpec]) -> tuple[list[str], dict[str, float]]:
    provider = specs[0].provider
    starts, per_generation = PRIORS[provider], PER_GENERATION[provider]
    shared = [name for name in SHARED if name not in per_generation]
    free = list(shared)
    prior: dict[str, float] = {name: starts.get(name, 0.0) for name in shared} | dict(FIXED)
    for generation in dict.fromkeys(spec.generation for spec in specs):
        free += [f"{generation}:{name}" for name in per_generation]
        prior |= {f"{generation}:{name}": starts.get(name, 0.0) for name in per_generation}
    for spec in specs:
        for name in PER_RULE:
            key = f"{spec.prompt_group}:{name}"
            if key in prior:
                continue
            if name in spec.documented:
                prior[key] = spec.documented[name]
            else:
                free.append(key)
                prior[key] = starts.get(name, 0.0)
    return free, prior


def weights_of(spec: RuleSpec, joint_weights: Mapping[str, float]) -> dict[str, float]:
    weights = {}
    for name in FEATURES:
        for key in (f"{spec.prompt_group}:{name}", f"{spec.generation}:{name}", name):
            if key in joint_weights:
                weights[name] = round(joint_weights[key], 3)
                break
    return weights


def report(title: str, errors: Sequence[float]) -> Measured:
    measured = measure(errors)
    print(f"  {title:<34} n={measured.records:<4} median |error| {measured.median_pct:5.1f}%"
          f"   p90 {measured.p90_pct:5.1f}%")
    return measured


def fit_provider(items: Sequence[Loaded], specs: Sequence[RuleSpec]
                 ) -> dict[str, tuple[dict[str, float], Measured, str]]:
    free, prior = joint_parameters(specs)
    main = [item for item in items if item.fitted]
    records = [joint(item) for item in main]
    errors = cross_validated_errors(records, lambda rest: fit(rest, free, prior))
    by_record = dict(zip((id(item) for item in main), errors, strict=True))
    final = fit(records, free, prior)
    results = {}
    for generation in dict.fromkeys(spec.generation for spec in specs):
        members = [item for item in main if item.spec.generation == generation]
        print(f"{generation}: cross-validated, leaving out one recording session at a time")
        measured = report("all", [by_record[id(item)] for item in members])
        for kind in ("text", "thinking", "structured", "tools"):
            report(kind, [by_record[id(item)] for item in members if item.kind == kind])
        for model in sorted({item.record.label.split()[0] for item in members}):
            report(f"model {model}", [by_record[id(item)] for item in members
                                      if item.record.label.split()[0] == model])
        how = (f"cross-validated on {measured.records} real requests ({generation} models; "
               "text, thinking, structured output and custom tools), one recording session "
               "held out at a time")
        for spec in specs:
            if spec.generation == generation:
                results[spec.name] = (weights_of(spec, final), measured, how)
    print(f"{specs[0].provider}, all models: cross-validated")
    report("all", errors)
    extra = [item for item in items if not item.fitted]
    if extra:
        print("extra records, records with media (images, documents, audio, server tools...) "
              "and Vertex AI replays, never fitted:")

        def error(item: Loaded) -> float:
            weights = weights_of(item.spec, final)
            estimate = round(sum(v * weights.get(k, 0) for k, v in item.record.features.items()))
            return (estimate - item.record.billed) / item.record.billed

        report("all", [error(item) for item in extra])
        for kind in sorted({item.kind for item in extra}):
            report(kind, [error(item) for item in extra if item.kind == kind])
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("calibration", type=Path)
    parser.add_argument("--write", action="store_true", help="rewrite rules.json")
    args = parser.parse_args(argv)
    fitted = {}
    for name, fmt, specs in (("anthropic.jsonl", "anthropic", ANTHROPIC),
                             ("gemini.jsonl", "gemini", GEMINI)):
        items, skipped = load(args.calibration / name, fmt, specs)
        for line in skipped:
            print(f"skipped {line}", file=sys.stderr)
        fitted |= fit_provider(items, specs)
    print("weights fitted on all records:")
    for name, (weights, _, _) in fitted.items():
        print(f"  {name}: {json.dumps(weights)}")
    if args.write:
        write_rules(fitted)
        print(f"wrote {RULES_FILE}")
    return 0


def write_rules(fitted: Mapping[str, tuple[dict[str, float], Measured, str]]) -> None:
    rules: dict[str, Any] = {
        "openai": {"method": "openai", "about": "OpenAI's cookbook framing: exact with the "
                   "model's own encoding"},
    }
    specs = {spec.name: spec for spec in ANTHROPIC + GEMINI}
    for name, (weights, measured, how) in fitted.items():
        spec = specs[name]
        rules[name] = {
            "method": "weighted", "provider": spec.provider, "about": spec.about,
            "images": spec.images, "thinking_kept": spec.thinking_kept, "weights": weights,
            "measured": {"records": measured.records,
                         "median_pct": round(measured.median_pct, 1),
                         "p90_pct": round(measured.p90_pct, 1), "how": how},
        }
    book = {
        "about": "Counting rules, written by bench/fit_rules.py from the calibration records "
                 "(real requests and the input tokens their API reported). Do not edit by hand.",
        "defaults": {"openai": "openai", "anthropic": "claude-4-5", "google": "gemini-3"},
        "rules": rules,
    }
    RULES_FILE.write_text(json.dumps(book, indent=2) + "\n", "utf-8")


if __name__ == "__main__":
    sys.exit(main())
