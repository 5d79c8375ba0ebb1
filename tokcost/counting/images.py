"""How many input tokens an image in an OpenAI chat message costs.

Two parts, both offline and standard library only:

- reading an image's width and height from the first bytes of a PNG, JPEG, GIF or WEBP file
  (or of a base64 data URL) without decoding the picture;
- OpenAI's published rule that turns width, height and `detail` into input tokens, kept as a
  table of model families (`IMAGE_RULES`) rather than as branches in code.

Where a constant comes from, the comment says so. "Images and vision guide" is OpenAI's API guide
(platform.openai.com/docs/guides/images-vision, section "Calculating costs"); its two revisions
seen agree on every constant here, the later one adds the gpt-5 family.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from fractions import Fraction

from tokcost.wording import number_of

__all__ = [
    "IMAGE_RULES",
    "ImageCount",
    "ModelFamily",
    "PUBLISHED_IMAGE_RULES",
    "PatchRule",
    "TileRule",
    "anthropic_image_tokens",
    "document_tokens",
    "find_family",
    "gemini_image_tokens",
    "image_size",
    "image_size_from_data_url",
    "image_tokens",
    "patch_count",
    "pdf_page_count",
    "provider_image_tokens",
    "tile_count",
]

Size = tuple[int, int]


# --------------------------------------------------------------------------------------------
# Image size from header bytes
# --------------------------------------------------------------------------------------------


class _Need(Enum):
    """A header that stops before the size: more bytes might still answer."""

    MORE_BYTES = "more bytes"


def image_size(data: bytes) -> Size | None:
    """(width, height) of a PNG, JPEG, GIF or WEBP image, read from its header only.

    None when the bytes are not one of those formats, are damaged, or stop before the size.
    Never raises on arbitrary input.
    """
    found = _probe(data)
    return found if isinstance(found, tuple) else None


def _probe(data: bytes) -> Size | _Need | None:
    for matches, read_size in _FORMATS:
        if matches(data):
            return read_size(data)
    return None


def _u16_be(data: bytes, at: int) -> int:
    return (data[at] << 8) | data[at + 1]


def _u16_le(data: bytes, at: int) -> int:
    return data[at] | (data[at + 1] << 8)


def _u24_le(data: bytes, at: int) -> int:
    return data[at] | (data[at + 1] << 8) | (data[at + 2] << 16)


def _u32_be(data: bytes, at: int) -> int:
    return int.from_bytes(data[at : at + 4], "big")


def _positive(width: int, height: int) -> Size | None:
    return (width, height) if width > 0 and height > 0 else None


# PNG: the IHDR chunk must come first (PNG spec, 5.6), so the size sits at bytes 16-23.
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _is_png(data: bytes) -> bool:
    return data.startswith(_PNG_SIGNATURE)


def _png_size(data: bytes) -> Size | _Need | None:
    if len(data) < 24:
        return _Need.MORE_BYTES
    if data[12:16] != b"IHDR":
        return None
    return _positive(_u32_be(data, 16), _u32_be(data, 20))


# GIF: the logical screen descriptor follows the 6-byte signature (GIF89a spec, section 18).
def _is_gif(data: bytes) -> bool:
    return data[:6] in (b"GIF87a", b"GIF89a")


def _gif_size(data: bytes) -> Size | _Need | None:
    if len(data) < 10:
        return _Need.MORE_BYTES
    return _positive(_u16_le(data, 6), _u16_le(data, 8))


# JPEG: walk the marker segments (ITU T.81, B.1.1) until a start-of-frame. Metadata segments
# (APPn: EXIF, XMP, ICC profiles) come first and each may be up to 64 KB, several in a row, so
# the walk skips segments by their length instead of looking in a fixed window.
_JPEG_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}  # not DHT, JPG, DAC
_JPEG_MARKERS_WITHOUT_LENGTH = frozenset({0x01, *range(0xD0, 0xD9)})  # TEM, RSTn, SOI
_JPEG_END_OF_IMAGE = 0xD9
_JPEG_START_OF_SCAN = 0xDA


def _is_jpeg(data: bytes) -> bool:
    return data.startswith(b"\xff\xd8\xff")


def _jpeg_size(data: bytes) -> Size | _Need | None:
    at = 2  # after SOI
    while True:
        if at >= len(data):
            return _Need.MORE_BYTES
        if data[at] != 0xFF:
            return None  # not a marker where one must be: damaged
        while at < len(data) and data[at] == 0xFF:  # a marker may be preceded by fill bytes
            at += 1
        if at >= len(data):
            return _Need.MORE_BYTES
        marker = data[at]
        at += 1
        if marker in _JPEG_MARKERS_WITHOUT_LENGTH:
            continue
        if marker in (_JPEG_END_OF_IMAGE, _JPEG_START_OF_SCAN, 0x00):
            return None  # image data or the end came before any frame header
        if at + 2 > len(data):
            return _Need.MORE_BYTES
        length = _u16_be(data, at)  # counts its own two bytes
        if length < 2:
            return None
        if marker in _JPEG_SOF_MARKERS:
            # SOFn: length, sample precision (1 byte), height, width (T.81, B.2.2)
            if at + 7 > len(data):
                return _Need.MORE_BYTES
            return _positive(_u16_be(data, at + 5), _u16_be(data, at + 3))
        at += length


# WEBP: a RIFF container whose first chunk is VP8 (lossy), VP8L (lossless) or VP8X (extended,
# which carries the canvas size). Layouts from Google's "WebP Container Specification" and
# "Specification for WebP Lossless Bitstream"; the VP8 frame header from RFC 6386, 9.1.
def _is_webp(data: bytes) -> bool:
    return data[:4] == b"RIFF" and data[8:12] == b"WEBP"


def _webp_size(data: bytes) -> Size | _Need | None:
    if len(data) < 16:
        return _Need.MORE_BYTES
    reader = _WEBP_CHUNK_READERS.get(data[12:16])
    return reader(data) if reader else None


def _webp_lossy_size(data: bytes) -> Size | _Need | None:
    if len(data) < 30:
        return _Need.MORE_BYTES
    if data[23:26] != b"\x9d\x01\x2a":  # key frame start code
        return None
    # 14 bits of size, 2 bits of upscaling hint that does not change the stored size
    return _positive(_u16_le(data, 26) & 0x3FFF, _u16_le(data, 28) & 0x3FFF)


def _webp_lossless_size(data: bytes) -> Size | _Need | None:
    if len(data) < 25:
        return _Need.MORE_BYTES
    if data[20] != 0x2F:  # VP8L signature byte
        return None
    bits = int.from_bytes(data[21:25], "little")
    return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1


def _webp_extended_size(data: bytes) -> Size | _Need | None:
    if len(data) < 30:
        return _Need.MORE_BYTES
    # 4 bytes of flags and reserved bits, then canvas width - 1 and height - 1, 24 bits each
    return _u24_le(data, 24) + 1, _u24_le(data, 27) + 1


_WEBP_CHUNK_READERS: dict[bytes, Callable[[bytes], Size | _Need | None]] = {
    b"VP8 ": _webp_lossy_size,
    b"VP8L": _webp_lossless_size,
    b"VP8X": _webp_extended_size,
}

_FORMATS: tuple[tuple[Callable[[bytes], bool], Callable[[bytes], Size | _Need | None]], ...] = (
    (_is_png, _png_size),
    (_is_jpeg, _jpeg_size),
    (_is_gif, _gif_size),
    (_is_webp, _webp_size),
)


# --------------------------------------------------------------------------------------------
# Image size from a data URL
# --------------------------------------------------------------------------------------------

# Base64 characters decoded first (3 KB of image): enough for PNG, GIF, WEBP and most JPEGs.
# A JPEG whose frame header follows large EXIF/XMP/ICC segments needs more, so the prefix
# doubles until the header is reached; a 20 MB image is never decoded whole for its size.
_FIRST_PREFIX_CHARS = 4096


def image_size_from_data_url(url: str) -> Size | None:
    """(width, height) of the image in a `data:<type>;base64,<data>` URL.

    Decodes only as long a prefix of the base64 text as the header needs. None for http(s)
    URLs, URLs that are not base64 data URLs, bad base64 in that prefix, or an unreadable image.
    """
    start = _base64_payload_start(url)
    if start is None:
        return None
    chars = _FIRST_PREFIX_CHARS
    while True:
        whole = start + chars >= len(url)
        data = _decode_base64(url[start : start + chars], whole)
        if data is None:
            return None
        found = _probe(data)
        if not isinstance(found, _Need):
            return found
        if whole:
            return None  # the whole image was read and stops before its size
        chars *= 2


_DATA_URL_START = re.compile(r"\s*data:", re.IGNORECASE)


def _base64_payload_start(url: str) -> int | None:
    """Where the base64 text of a data URL begins (RFC 2397), or None when `url` is not a
    base64 data URL. Found without copying the payload, which may be 27 MB of text."""
    scheme = _DATA_URL_START.match(url)
    if scheme is None:
        return None
    comma = url.find(",", scheme.end())
    if comma < 0:
        return None
    parameters = url[scheme.end() : comma].split(";")
    if parameters[-1].strip().lower() != "base64":
        return None
    # The media type is not checked: the bytes say what the image is, and a PNG labelled
    # image/jpeg is common.
    return comma + 1


def _decode_base64(text: str, whole: bool) -> bytes | None:
    """Decode base64 text, or the longest whole-quantum part of a prefix of it. Line breaks
    and spaces (MIME-style wrapping, a trailing newline) are skipped, as decoders do."""
    compact = "".join(text.split())
    if not whole:
        compact = compact[: len(compact) - len(compact) % 4]
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return None


# --------------------------------------------------------------------------------------------
# Tokens for an image: the rules as data
# --------------------------------------------------------------------------------------------

# Tile rule geometry, the same for every tile-rule model (Images and vision guide, "GPT 4o,
# GPT-4.1, GPT-4o-mini, CUA, and o-series (except o4-mini)"): fit in a 2048 px square, then
# shrink so the shortest side is 768 px, then count 512 px tiles.
TILE_FIT_SQUARE = 2048
TILE_SHORTEST_SIDE = 768
TILE_SIZE = 512

# Patch rule geometry (Images and vision guide, "GPT-4.1-mini, GPT-4.1-nano, o4-mini"):
# 32 px patches, at most 1536 of them.
PATCH_SIZE = 32
PATCH_BUDGET = 1536

# The docs do not say how scaled sides are rounded. Rounding to the nearest pixel is the one
# choice that agrees with the API's billing for both 2049x513 (8 tiles) and 2050x513 (4 tiles),
# measured in the OpenAI community thread "Vision Pricing calculator: inaccurate
# resizing/rounding vs API costs"; truncating or not rounding gets one of them wrong.

# Float slack for the patch rule's square root: a side that is a whole number of patches in
# exact arithmetic must not become one patch more (or less) through rounding error.
_FLOAT_SLACK = 1e-9

# What an image of unknown size (an http URL) is assumed to be.
ASSUMED_SIZE: Size = (1024, 1024)

DETAIL_LEVELS = ("low", "high", "auto")


@dataclass(frozen=True)
class TileRule:
    """detail low: base_tokens; high or auto: base_tokens + tokens_per_tile * 512 px tiles."""

    base_tokens: int
    tokens_per_tile: int

    def __str__(self) -> str:
        return f"{self.base_tokens} + {self.tokens_per_tile} per {TILE_SIZE}-px tile"


@dataclass(frozen=True)
class PatchRule:
    """32 px patches (at most 1536) times a multiplier, rounded up; `detail` changes nothing."""

    multiplier: Fraction


@dataclass(frozen=True)
class ModelFamily:
    """Model ids equal to `prefix` or starting with `prefix-` (dated ids, -pro, -preview ...).

    `caveat` marks a family whose published constant is in doubt: its counts are not exact.
    """

    prefix: str
    rule: TileRule | PatchRule
    caveat: str | None = None


_GPT_4O_TILES = TileRule(base_tokens=85, tokens_per_tile=170)

IMAGE_RULES: tuple[ModelFamily, ...] = (
    # Images and vision guide, base/tile table row "4o, 4.1, 4.5": 85 + 170 per tile.
    ModelFamily("gpt-4o", _GPT_4O_TILES),
    ModelFamily("gpt-4.1", _GPT_4O_TILES),
    ModelFamily("gpt-4.5", _GPT_4O_TILES),
    # The guide's 2024 revision (then titled "Vision"), written for gpt-4-turbo: 85 + 170.
    ModelFamily("gpt-4-turbo", _GPT_4O_TILES),
    # Images and vision guide, row "4o-mini": 2833 + 5667 per tile (its low price per token is
    # offset by ~33x more tokens per image).
    ModelFamily("gpt-4o-mini", TileRule(base_tokens=2833, tokens_per_tile=5667)),
    # Images and vision guide, row "o1, o1-pro, o3": 75 + 150 per tile. o3 matches it in
    # community measurements; one measurement of o1-2024-12-17 (thread "Vision: more than one
    # way to send a request") came out far lower, unconfirmed, so the docs' figures stand.
    ModelFamily("o1", TileRule(base_tokens=75, tokens_per_tile=150)),
    ModelFamily("o3", TileRule(base_tokens=75, tokens_per_tile=150)),
    # Images and vision guide, row "computer-use-preview": 65 + 129 per tile.
    ModelFamily("computer-use-preview", TileRule(base_tokens=65, tokens_per_tile=129)),
    # Images and vision guide (later revision), row "gpt-5, gpt-5-chat-latest": 70 + 140.
    ModelFamily("gpt-5", TileRule(base_tokens=70, tokens_per_tile=140)),
    # Images and vision guide, patch multipliers: gpt-4.1-mini 1.62, gpt-4.1-nano 2.46,
    # o4-mini 1.72.
    ModelFamily("gpt-4.1-mini", PatchRule(Fraction("1.62"))),
    ModelFamily("gpt-4.1-nano", PatchRule(Fraction("2.46"))),
    ModelFamily("o4-mini", PatchRule(Fraction("1.72"))),
    # Images and vision guide (later revision): gpt-5-mini 1.62, gpt-5-nano 2.46. OpenAI's own
    # calculator on its pricing page and community measurements ("GPT-5-mini image input token
    # calculation discrepancy with official FAQ formula") use 1.2 and 1.5 instead, so the
    # docs' figure is kept (it errs high) but not called exact.
    ModelFamily(
        "gpt-5-mini",
        PatchRule(Fraction("1.62")),
        caveat="gpt-5-mini: docs say 1.62 tokens per patch, API measured ~1.2",
    ),
    ModelFamily(
        "gpt-5-nano",
        PatchRule(Fraction("2.46")),
        caveat="gpt-5-nano: docs say 2.46 tokens per patch, API measured ~1.5",
    ),
)

# The rule for models the table does not know; every count made with it is marked inexact.
FALLBACK_PREFIX = "gpt-4o"


@dataclass(frozen=True)
class ImageCount:
    """Input tokens for one image. exact: the model's rule and the image size were both known.
    note: one line saying what was assumed, when something was."""

    tokens: int
    exact: bool
    note: str | None = None


def image_tokens(
    model_id: str, width: int | None, height: int | None, detail: str = "auto"
) -> ImageCount:
    """Input tokens an image costs on an OpenAI model, by OpenAI's published rule."""
    notes: list[str] = []
    family = find_family(model_id)
    if family is None:
        family = _family_by_prefix(FALLBACK_PREFIX)
        notes.append(f"no image rule for {model_id!r}: used {FALLBACK_PREFIX}'s ({family.rule})")
    elif family.caveat:
        notes.append(family.caveat)

    level = detail.strip().lower()
    if level not in DETAIL_LEVELS:
        notes.append(f"unknown detail {detail!r}: counted as high")
    low_detail = level == "low"

    size = _known_size(width, height)
    size_matters = not (low_detail and isinstance(family.rule, TileRule))
    if size is None and size_matters:
        size = ASSUMED_SIZE
        at_high = " at high detail" if isinstance(family.rule, TileRule) else ""
        notes.append(
            "image size unknown (not a readable data URL): "
            f"assumed {ASSUMED_SIZE[0]}x{ASSUMED_SIZE[1]}{at_high}"
        )

    tokens = _apply(family.rule, size or ASSUMED_SIZE, low_detail)
    return ImageCount(tokens=tokens, exact=not notes, note="; ".join(notes) or None)


def find_family(model_id: str) -> ModelFamily | None:
    """The table's family for a model id: the longest matching prefix wins, so gpt-4o-mini is
    not read as gpt-4o. A provider prefix (openai/, azure/) is ignored."""
    name = model_id.strip().lower().rsplit("/", 1)[-1]
    matching = [
        family
        for family in IMAGE_RULES
        if name == family.prefix or name.startswith(family.prefix + "-")
    ]
    return max(matching, key=lambda family: len(family.prefix), default=None)


def _family_by_prefix(prefix: str) -> ModelFamily:
    return next(family for family in IMAGE_RULES if family.prefix == prefix)


def _known_size(width: int | None, height: int | None) -> Size | None:
    if width is None or height is None or width <= 0 or height <= 0:
        return None
    return width, height


def _apply(rule: TileRule | PatchRule, size: Size, low_detail: bool) -> int:
    if isinstance(rule, TileRule):
        if low_detail:
            return rule.base_tokens
        return rule.base_tokens + rule.tokens_per_tile * tile_count(*size)
    # The patch rule has no low-detail budget: the guide's patch section does not mention
    # detail, and low and high cost the same when measured (community thread "Vision: more
    # than one way to send a request"). The guide does not say how the multiplied count is
    # rounded; measured counts are rounded up (thread "GPT-5-mini image input token calculation
    # discrepancy ...": 256 patches x 1.2 = 307.2 was billed 308). Fraction keeps 1.62 exact.
    return math.ceil(patch_count(*size) * rule.multiplier)


def tile_count(width: int, height: int) -> int:
    """512 px tiles after fitting in 2048x2048 and shrinking the shortest side to 768."""
    width, height = _scale_down(width, height, max(width, height), TILE_FIT_SQUARE)
    width, height = _scale_down(width, height, min(width, height), TILE_SHORTEST_SIDE)
    return _ceil_div(width, TILE_SIZE) * _ceil_div(height, TILE_SIZE)


def _scale_down(width: int, height: int, side: int, limit: int) -> Size:
    """Scale so that `side` becomes `limit`, keeping the aspect ratio; never enlarge."""
    if side <= limit:
        return width, height
    return _round_side(width * limit, side), _round_side(height * limit, side)


def _round_side(numerator: int, denominator: int) -> int:
    return max(1, round(Fraction(numerator, denominator)))


def _ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


def patch_count(width: int, height: int) -> int:
    """32 px patches covering the image, shrunk to at most 1536 as the guide's formula does."""
    patches = _ceil_div(width, PATCH_SIZE) * _ceil_div(height, PATCH_SIZE)
    if patches <= PATCH_BUDGET:
        return patches
    # The guide: r = sqrt(32^2 * 1536 / (w * h)), then shrink r further so that the tighter
    # side fits a whole number of patches. This reproduces the guide's 1800x2400 example; one
    # community measurement (4000x1474 on gpt-4.1-mini) was billed the full 1536 instead.
    ratio = math.sqrt(PATCH_SIZE**2 * PATCH_BUDGET / (width * height))
    across = width * ratio / PATCH_SIZE
    down = height * ratio / PATCH_SIZE
    whole_across = max(1, math.floor(across + _FLOAT_SLACK))
    whole_down = max(1, math.floor(down + _FLOAT_SLACK))
    shrink = min(whole_across / across, whole_down / down)
    covered_across = max(1, math.ceil(across * shrink - _FLOAT_SLACK))
    covered_down = max(1, math.ceil(down * shrink - _FLOAT_SLACK))
    return min(covered_across * covered_down, PATCH_BUDGET)


# --------------------------------------------------------------------------------------------
# Other providers' published image rules
# --------------------------------------------------------------------------------------------

# Anthropic's vision guide (docs.anthropic.com, "Vision", "Evaluate image size" and "Calculate
# image costs"): tokens = width * height / 750, after an image whose long edge is over 1568 px,
# or that would cost over about 1,600 tokens, is scaled down keeping its aspect ratio.
ANTHROPIC_LONG_EDGE = 1568
ANTHROPIC_MAX_TOKENS = 1600
ANTHROPIC_PIXELS_PER_TOKEN = 750
# Gemini's token guide (ai.google.dev, "Understand and count tokens", images): an image with
# both sides at most 384 px costs 258 tokens; a larger one is cut into 768x768 tiles of 258.
GEMINI_SMALL_SIDE = 384
GEMINI_TILE = 768
GEMINI_TOKENS_PER_TILE = 258


def anthropic_image_tokens(width: int | None, height: int | None) -> ImageCount:
    """Input tokens of an image on Claude, by Anthropic's published rule."""
    size = _known_size(width, height)
    if size is None:
        return ImageCount(ANTHROPIC_MAX_TOKENS, False, "image size unknown (not a readable data "
                          f"URL): assumed the largest Claude keeps, {ANTHROPIC_MAX_TOKENS} tokens")
    w, h = size
    long_edge = max(w, h)
    scale = min(1.0, ANTHROPIC_LONG_EDGE / long_edge,
                math.sqrt(ANTHROPIC_MAX_TOKENS * ANTHROPIC_PIXELS_PER_TOKEN / (w * h)))
    w, h = max(1, round(w * scale)), max(1, round(h * scale))
    tokens = min(ANTHROPIC_MAX_TOKENS, math.ceil(w * h / ANTHROPIC_PIXELS_PER_TOKEN))
    return ImageCount(tokens, False, "image tokens by Anthropic's published rule "
                      "(width x height / 750): an estimate")


def gemini_image_tokens(width: int | None, height: int | None) -> ImageCount:
    """Input tokens of an image on Gemini, by Google's published rule."""
    size = _known_size(width, height)
    if size is None:
        return ImageCount(GEMINI_TOKENS_PER_TILE, False, "image size unknown (not a readable "
                          f"data URL): assumed one {GEMINI_TOKENS_PER_TILE}-token tile")
    w, h = size
    if w <= GEMINI_SMALL_SIDE and h <= GEMINI_SMALL_SIDE:
        tiles = 1
    else:
        tiles = _ceil_div(w, GEMINI_TILE) * _ceil_div(h, GEMINI_TILE)
    return ImageCount(tiles * GEMINI_TOKENS_PER_TILE, False, "image tokens by Google's published "
                      "rule (258 a 768-pixel tile): an estimate; media_resolution changes it")


# --------------------------------------------------------------------------------------------
# PDF documents
# --------------------------------------------------------------------------------------------

# Anthropic's PDF support guide ("Estimate your costs"): each page costs its text, "typically
# 1,500-3,000 tokens per page depending on content density", plus the page as an image (at most
# about 1,600 tokens, the vision rule above). A nearly empty page was billed 1,595 in the
# calibration records, so the image is most of a sparse page; the low end of the text range is
# assumed on top. A dense page can cost half as much again.
ANTHROPIC_PDF_TOKENS_PER_PAGE = 1500 + ANTHROPIC_MAX_TOKENS
# Gemini's document guide: each PDF page is counted as one image, 258 tokens.
GEMINI_PDF_TOKENS_PER_PAGE = GEMINI_TOKENS_PER_TILE
_PDF_PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")
_PDF_PAGE_TREE_COUNT = re.compile(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)|"
                                  rb"/Count\s+(\d+)[^>]*?/Type\s*/Pages\b")


def pdf_page_count(base64_data: str) -> int | None:
    """The pages of a base64-encoded PDF: the root page tree's /Count (the largest, as the root
    holds every page), else its page objects counted; None if neither can be read (pages kept
    in compressed object streams)."""
    try:
        data = base64.b64decode(base64_data.translate(str.maketrans("-_", "+/")) + "==")
    except (binascii.Error, ValueError):
        return None
    if not data.startswith(b"%PDF"):
        return None
    counts = [int(a or b) for a, b in _PDF_PAGE_TREE_COUNT.findall(data)]
    if counts:
        return max(counts) or None
    return len(_PDF_PAGE.findall(data)) or None


def document_tokens(rule: str, pages: int | None) -> ImageCount:
    """Input tokens of a PDF of ``pages`` pages by the provider's published guide."""
    per_page = {"anthropic": ANTHROPIC_PDF_TOKENS_PER_PAGE,
                "gemini": GEMINI_PDF_TOKENS_PER_PAGE}.get(rule)
    if per_page is None or pages is None:
        return ImageCount(0, False, "application/pdf content is not counted: its pages "
                          "could not be read or the provider publishes no rule")
    return ImageCount(pages * per_page, False, f"a PDF counted as {per_page:,} tokens a page "
                      f"({number_of(pages, 'page')}): an estimate")


# The published image rules of providers other than OpenAI, by the name a counting rule gives.
PUBLISHED_IMAGE_RULES: dict[str, Callable[[int | None, int | None], ImageCount]] = {
    "anthropic": anthropic_image_tokens,
    "gemini": gemini_image_tokens,
}


def provider_image_tokens(rule: str, part: Mapping[str, str]) -> ImageCount:
    """An image (``{"url"}``) or PDF (``{"pdf": base64}``) by a provider's published rule; a
    PDF under a rule with no PDF guide is not counted, and says so."""
    if "pdf" in part:
        return document_tokens(rule, pdf_page_count(part["pdf"]))
    size = image_size_from_data_url(part["url"])
    return PUBLISHED_IMAGE_RULES[rule](*(size or (None, None)))
