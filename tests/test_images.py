"""Image sizes from header bytes and data URLs, and OpenAI's image-token rule.

The images are built here, byte by byte, small but complete: each one was checked to decode
with ImageMagick, libjpeg's djpeg, libwebp's dwebp and giflib when these tests were written.
Expected token counts are literals: OpenAI's worked examples from the Images and vision guide
("Calculating costs"), or arithmetic from its tables spelled out beside them.
"""

from __future__ import annotations

import base64
import math
import random
import struct
import zlib
from collections.abc import Iterable

import pytest

from tokcost.counting.images import (
    IMAGE_RULES,
    ImageCount,
    find_family,
    image_size,
    image_size_from_data_url,
    image_tokens,
    patch_count,
    tile_count,
)

# --------------------------------------------------------------------------------------------
# Tiny real images
# --------------------------------------------------------------------------------------------


def _png(width: int, height: int) -> bytes:
    """A grey 8-bit greyscale PNG: signature, IHDR, IDAT, IEND, with real CRCs."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))  # filter byte + pixels
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def _bits_lsb_first(fields: Iterable[tuple[int, int]]) -> bytes:
    """Pack (value, bit width) fields least significant bit first, as GIF and VP8L do."""
    value = count = 0
    for field, width in fields:
        value |= field << count
        count += width
    return value.to_bytes((count + 7) // 8, "little")


def _gif(width: int, height: int) -> bytes:
    """A black GIF89a with a 4-colour table. Its LZW data sends a clear code before every
    pixel, so the code width stays at 3 bits and no string table is needed."""
    clear, end = 4, 5
    codes = [code for _ in range(width * height) for code in (clear, 0)] + [end]
    data = _bits_lsb_first((code, 3) for code in codes)
    blocks = b"".join(bytes([len(data[i:i + 255])]) + data[i:i + 255]
                      for i in range(0, len(data), 255))
    screen = struct.pack("<HHBBB", width, height, 0x81, 0, 0)  # global table of 4 colours
    image = b"\x2c" + struct.pack("<HHHHB", 0, 0, width, height, 0)
    return b"GIF89a" + screen + bytes(12) + image + b"\x02" + blocks + b"\x00;"


def _segment(marker: int, body: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body


def _jpeg(width: int, height: int, metadata: bytes = b"", frame_marker: int = 0xC0) -> bytes:
    """A grey baseline greyscale JPEG: one quantisation table, one-code Huffman tables, and a
    scan in which every 8x8 block is 'DC unchanged, end of block' (2 bits)."""
    one_code_of_length_1 = bytes([1] + [0] * 15)
    blocks = math.ceil(width / 8) * math.ceil(height / 8)
    bits = "00" * blocks + "1" * (-2 * blocks % 8)  # padded with 1s to a whole byte
    scan = int(bits, 2).to_bytes(len(bits) // 8, "big")
    frame = struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00"
    return (b"\xff\xd8" + metadata
            + _segment(0xDB, b"\x00" + b"\x01" * 64)
            + _segment(frame_marker, frame)
            + _segment(0xC4, b"\x00" + one_code_of_length_1 + b"\x00")
            + _segment(0xC4, b"\x10" + one_code_of_length_1 + b"\x00")
            + _segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
            + scan + b"\xff\xd9")


def _camera_metadata() -> bytes:
    """100 KB of metadata before the frame header, as cameras write it. A JPEG segment holds at
    most 65,533 bytes, so this is two APP1 segments: EXIF, then an XMP packet padded with
    whitespace (as XMP packets are, to be edited in place)."""
    exif = _segment(0xE1, b"Exif\x00\x00" + bytes(65_527))
    xmp_packet = (b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
                  b'<x:xmpmeta xmlns:x="adobe:ns:meta/"/>' + b" " * 40_000
                  + b'<?xpacket end="w"?>')
    xmp = _segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + xmp_packet)
    return exif + xmp


def _riff_webp(*chunks: tuple[bytes, bytes]) -> bytes:
    body = b"WEBP" + b"".join(kind + struct.pack("<I", len(data)) + data + bytes(len(data) % 2)
                              for kind, data in chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _vp8l(width: int, height: int) -> bytes:
    """A lossless bitstream: size, no transforms, no colour cache, and five one-symbol prefix
    codes, so every pixel (transparent black) takes zero bits."""
    one_symbol_code = [(1, 1), (0, 1), (0, 1), (0, 1)]  # simple, 1 symbol, 1-bit symbol, 0
    header = [(width - 1, 14), (height - 1, 14), (0, 1), (0, 3)]
    no_transform_cache_or_meta = [(0, 1), (0, 1), (0, 1)]
    return b"\x2f" + _bits_lsb_first(header + no_transform_cache_or_meta + one_symbol_code * 5)


def _webp_lossless(width: int, height: int) -> bytes:
    return _riff_webp((b"VP8L", _vp8l(width, height)))


def _webp_extended(width: int, height: int) -> bytes:
    canvas = bytes(4) + (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    return _riff_webp((b"VP8X", canvas), (b"VP8L", _vp8l(width, height)))


# A 5x3 lossy WEBP made by libwebp's `cwebp -q 50` from _png(5, 3): a lossy bitstream is not
# practical to write by hand.
WEBP_LOSSY_5X3 = bytes.fromhex(
    "52494646240000005745425056503820180000005001009d012a0500030002c04c25a40004740000e4400000"
)


def _data_url(data: bytes, media_type: str = "image/png") -> str:
    return f"data:{media_type};base64,{base64.b64encode(data).decode()}"


# --------------------------------------------------------------------------------------------
# Image size from bytes
# --------------------------------------------------------------------------------------------

# (name, image, bytes of header that hold the size, size)
SAMPLES = [
    ("png", _png(5, 3), 24, (5, 3)),
    ("gif", _gif(5, 3), 10, (5, 3)),
    ("jpeg", _jpeg(17, 9), 2 + 69 + 9, (17, 9)),  # SOI, DQT, SOF0 up to its width
    ("webp-lossy", WEBP_LOSSY_5X3, 30, (5, 3)),
    ("webp-lossless", _webp_lossless(5, 3), 25, (5, 3)),
    ("webp-extended", _webp_extended(5, 3), 30, (5, 3)),
]


@pytest.mark.parametrize(("image", "size"), [(s[1], s[3]) for s in SAMPLES],
                         ids=[s[0] for s in SAMPLES])
def test_image_size_of_each_format(image: bytes, size: tuple[int, int]) -> None:
    assert image_size(image) == size


@pytest.mark.parametrize(("image", "header_length", "size"), [s[1:] for s in SAMPLES],
                         ids=[s[0] for s in SAMPLES])
def test_the_header_alone_is_enough_and_anything_shorter_is_none(
    image: bytes, header_length: int, size: tuple[int, int]
) -> None:
    assert image_size(image[:header_length]) == size
    assert [n for n in range(header_length) if image_size(image[:n]) is not None] == []


def test_large_and_wide_sizes() -> None:
    assert image_size(_png(4000, 1)[:24]) == (4000, 1)
    assert image_size(b"GIF87a" + struct.pack("<HH", 65535, 1)) == (65535, 1)
    assert image_size(_webp_extended(16_777_216, 3)[:30]) == (16_777_216, 3)
    assert image_size(_webp_lossless(16384, 16384)) == (16384, 16384)


def test_jpeg_frame_header_after_100_kb_of_metadata() -> None:
    image = _jpeg(17, 9, metadata=_camera_metadata())
    assert image.index(b"\xff\xc0") > 100_000
    assert image_size(image) == (17, 9)


@pytest.mark.parametrize("frame_marker", [0xC1, 0xC2, 0xC3, 0xC9, 0xCA])
def test_jpeg_extended_progressive_lossless_and_arithmetic_frames(frame_marker: int) -> None:
    image = _jpeg(17, 9, frame_marker=frame_marker)
    assert image_size(image) == (17, 9)


def test_jpeg_fill_bytes_before_a_marker_are_skipped() -> None:
    image = _jpeg(17, 9)
    assert image_size(image[:2] + b"\xff\xff\xff" + image[2:]) == (17, 9)


GARBAGE = {
    "empty": b"",
    "text": b"hello, this is not an image",
    "png signature only": b"\x89PNG\r\n\x1a\n",
    "png without IHDR first": b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x0dIDAT" + bytes(13),
    "png of zero width": _png(1, 1)[:16] + bytes(4) + b"\x00\x00\x00\x01",
    "gif of zero height": b"GIF89a\x05\x00\x00\x00",
    "gif87 truncated": b"GIF87a\x05",
    "jpeg scan before frame": b"\xff\xd8" + _segment(0xDA, b"\x01\x01\x00\x00\x3f\x00"),
    "jpeg end before frame": b"\xff\xd8\xff\xd9",
    "jpeg segment length 1": b"\xff\xd8\xff\xe0\x00\x01" + bytes(20),
    "jpeg junk between segments": b"\xff\xd8" + _segment(0xE0, b"JFIF\x00") + b"junk",
    "jpeg all fill bytes": b"\xff\xd8" + b"\xff" * 200,
    "jpeg frame of zero height": _jpeg(17, 9).replace(b"\x08\x00\x09\x00\x11", b"\x08" + bytes(2)
                                                      + b"\x00\x11"),
    "riff but not webp": b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(30),
    "webp unknown chunk": b"RIFF\x24\x00\x00\x00WEBPALPH" + bytes(30),
    "webp lossy without start code": WEBP_LOSSY_5X3[:23] + b"\x00\x00\x00" + WEBP_LOSSY_5X3[26:],
    "webp lossless bad signature": _webp_lossless(5, 3)[:20] + b"\x00" + _webp_lossless(5, 3)[21:],
    "bmp": b"BM" + bytes(60),
}


@pytest.mark.parametrize("data", GARBAGE.values(), ids=GARBAGE.keys())
def test_unrecognised_or_damaged_bytes_are_none(data: bytes) -> None:
    assert image_size(data) is None


def test_random_bytes_never_raise() -> None:
    chance = random.Random(20261122)
    starts = [b"", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF89a", b"RIFF\x00\x00\x00\x00WEBP"]
    for _ in range(3000):
        noise = bytes(chance.getrandbits(8) for _ in range(chance.randrange(0, 64)))
        found = image_size(chance.choice(starts) + noise)
        assert found is None or (found[0] > 0 and found[1] > 0)


# --------------------------------------------------------------------------------------------
# Image size from data URLs
# --------------------------------------------------------------------------------------------


def test_data_url_of_a_png() -> None:
    assert image_size_from_data_url(_data_url(_png(5, 3))) == (5, 3)


def test_data_url_parameters_case_and_line_breaks() -> None:
    encoded = base64.encodebytes(_gif(64, 48)).decode()  # MIME style: a newline every 76
    url = f" DATA:image/gif;name=cat.gif;BASE64,{encoded} "
    assert image_size_from_data_url(url) == (64, 48)


def test_data_url_media_type_is_not_trusted_the_bytes_are() -> None:
    assert image_size_from_data_url(_data_url(_png(5, 3), "image/jpeg")) == (5, 3)


def test_data_url_of_a_jpeg_with_100_kb_of_metadata_reads_on_to_the_frame() -> None:
    url = _data_url(_jpeg(17, 9, metadata=_camera_metadata()), "image/jpeg")
    assert image_size_from_data_url(url) == (17, 9)


def test_data_url_decodes_only_the_prefix_it_needs() -> None:
    # Bytes past the header are never decoded: a tail that is not base64 at all goes unseen,
    # as the pixels of a 20 MB photo do.
    url = _data_url(_png(5, 3) + bytes(30_000_000 // 4 * 3)) + "*not base64*"
    assert image_size_from_data_url(url) == (5, 3)


NOT_SIZED = {
    "https url": "https://example.com/cat.png",
    "http url": "http://example.com/cat.png",
    "not base64 encoded": "data:image/png,%89PNG",
    "no comma": "data:image/png;base64",
    "bad base64 in header": "data:image/png;base64,iVBO!!!!AAAA",
    "empty payload": "data:image/png;base64,",
    "not an image": "data:text/plain;base64," + base64.b64encode(b"hello").decode(),
    "truncated png": _data_url(_png(5, 3)[:20]),
    "empty string": "",
}


@pytest.mark.parametrize("url", NOT_SIZED.values(), ids=NOT_SIZED.keys())
def test_urls_without_a_readable_size_are_none(url: str) -> None:
    assert image_size_from_data_url(url) is None


# --------------------------------------------------------------------------------------------
# Tokens: OpenAI's worked examples (Images and vision guide, "Calculating costs")
# --------------------------------------------------------------------------------------------


def test_docs_1024_square_at_high_detail_on_gpt_4o_is_765() -> None:
    # no fit needed; shortest side 1024 -> 768x768; 4 tiles: 85 + 4 * 170
    assert image_tokens("gpt-4o", 1024, 1024, "high") == ImageCount(765, True, None)


def test_docs_2048x4096_at_high_detail_on_gpt_4o_is_1105() -> None:
    # fit -> 1024x2048; shortest side -> 768x1536; 6 tiles: 85 + 6 * 170
    assert image_tokens("gpt-4o", 2048, 4096, "high") == ImageCount(1105, True, None)


def test_docs_4096x8192_at_low_detail_on_gpt_4o_is_85() -> None:
    assert image_tokens("gpt-4o", 4096, 8192, "low") == ImageCount(85, True, None)


def test_768x1024_at_high_detail_needs_no_scaling_and_is_765() -> None:
    # shortest side already 768; 2 x 2 tiles
    assert image_tokens("gpt-4o", 768, 1024, "high").tokens == 765


def test_auto_detail_counts_as_high() -> None:
    assert image_tokens("gpt-4o", 2048, 4096, "auto").tokens == 1105
    assert image_tokens("gpt-4o", 2048, 4096).tokens == 1105


def test_small_images_are_not_scaled_up() -> None:
    assert tile_count(100, 100) == 1
    assert tile_count(513, 100) == 2
    assert image_tokens("gpt-4o", 100, 100, "high").tokens == 255  # 85 + 170


def test_docs_patch_examples_1024_square_is_1024_and_1800x2400_is_1452() -> None:
    assert patch_count(1024, 1024) == 1024  # 32 x 32 patches, under the 1536 cap
    assert patch_count(1800, 2400) == 1452  # shrunk: 57 x 75 = 4275 -> 33 x 44


def test_patch_count_is_capped_at_1536() -> None:
    assert patch_count(2048, 768) == 1536  # 64 x 24, exactly the cap, no shrink
    assert patch_count(4096, 4096) == 1521  # shrunk to 39 x 39


@pytest.mark.parametrize(
    ("model", "tokens_1024_square", "tokens_1800x2400"),
    [
        ("gpt-4.1-mini", 1659, 2353),  # 1024 * 1.62 = 1658.88 -> 1659; 1452 * 1.62 = 2352.24
        ("gpt-4.1-nano", 2520, 3572),  # 1024 * 2.46 = 2519.04; 1452 * 2.46 = 3571.92
        ("o4-mini", 1762, 2498),  # 1024 * 1.72 = 1761.28; 1452 * 1.72 = 2497.44
    ],
)
def test_patch_rule_multipliers_round_up(
    model: str, tokens_1024_square: int, tokens_1800x2400: int
) -> None:
    assert image_tokens(model, 1024, 1024) == ImageCount(tokens_1024_square, True, None)
    assert image_tokens(model, 1800, 2400).tokens == tokens_1800x2400


def test_patch_multiplier_is_exact_decimal_arithmetic() -> None:
    # 100 patches * 1.62 is 162, not 163 from binary floating point's 162.00000000000003
    assert image_tokens("gpt-4.1-mini", 320, 320).tokens == 162


def test_patch_rule_ignores_detail() -> None:
    assert image_tokens("gpt-4.1-mini", 1024, 1024, "low").tokens == 1659


@pytest.mark.parametrize(
    ("model", "low", "high_1024_square"),
    [
        ("gpt-4o", 85, 765),
        ("gpt-4.1", 85, 765),
        ("gpt-4.5-preview", 85, 765),
        ("gpt-4-turbo", 85, 765),
        ("gpt-4o-mini", 2833, 25_501),  # 2833 + 4 * 5667
        ("o1", 75, 675),  # 75 + 4 * 150
        ("o3", 75, 675),
        ("computer-use-preview", 65, 581),  # 65 + 4 * 129
        ("gpt-5", 70, 630),  # 70 + 4 * 140
    ],
)
def test_tile_rule_constants_per_family(model: str, low: int, high_1024_square: int) -> None:
    assert image_tokens(model, 1024, 1024, "low") == ImageCount(low, True, None)
    assert image_tokens(model, 1024, 1024, "high") == ImageCount(high_1024_square, True, None)


def test_scaled_sides_round_to_the_nearest_pixel() -> None:
    # Billed by the API (OpenAI community thread "Vision Pricing calculator: inaccurate
    # resizing/rounding vs API costs"): 2049x513 fits to 2048x512.75 -> 513 high, 8 tiles;
    # 2050x513 fits to 2048x512.4995 -> 512 high, 4 tiles.
    assert image_tokens("gpt-4.1", 2049, 513, "high").tokens == 1445
    assert image_tokens("gpt-4.1", 2050, 513, "high").tokens == 765


# --------------------------------------------------------------------------------------------
# Tokens: which rule, and what is assumed
# --------------------------------------------------------------------------------------------


def _family_prefix(model: str) -> str | None:
    family = find_family(model)
    return family.prefix if family else None


def test_longest_prefix_wins() -> None:
    assert _family_prefix("gpt-4o-mini-2024-07-18") == "gpt-4o-mini"
    assert _family_prefix("gpt-4o-2024-11-20") == "gpt-4o"
    assert image_tokens("gpt-4o-mini", 1024, 1024, "low").tokens == 2833
    assert image_tokens("gpt-4o", 1024, 1024, "low").tokens == 85
    # gpt-4.1 counts tiles, gpt-4.1-mini counts patches
    assert image_tokens("gpt-4.1", 1024, 1024).tokens == 765
    assert image_tokens("gpt-4.1-mini", 1024, 1024).tokens == 1659


def test_prefixes_match_whole_parts_of_a_name() -> None:
    assert _family_prefix("o1-pro") == "o1"
    assert _family_prefix("gpt-5-chat-latest") == "gpt-5"
    # gpt-5.4 is a later model, not a gpt-5 variant: the table does not claim it
    assert _family_prefix("gpt-5.4-mini") is None
    assert _family_prefix("o10") is None


def test_provider_prefix_and_case_are_ignored() -> None:
    assert image_tokens("openai/GPT-4o-Mini", 1024, 1024, "low") == ImageCount(2833, True, None)
    assert image_tokens("azure/gpt-4o", 1024, 1024, "high").tokens == 765


def test_unknown_size_assumes_a_1024_square_at_high_detail() -> None:
    count = image_tokens("gpt-4o", None, None, "auto")
    assert count == ImageCount(
        765, False, "image size unknown (not a readable data URL): assumed 1024x1024 at high detail"
    )


def test_unknown_size_does_not_matter_at_low_detail_on_the_tile_rule() -> None:
    assert image_tokens("gpt-4o", None, None, "low") == ImageCount(85, True, None)


def test_unknown_size_on_the_patch_rule_is_an_estimate_at_any_detail() -> None:
    count = image_tokens("o4-mini", None, None, "low")
    assert count == ImageCount(
        1762, False, "image size unknown (not a readable data URL): assumed 1024x1024"
    )


def test_one_unknown_side_is_an_unknown_size() -> None:
    assert image_tokens("gpt-4o", 2048, None).exact is False
    assert image_tokens("gpt-4o", 0, 100).exact is False


def test_unknown_model_uses_the_gpt_4o_rule_and_says_so() -> None:
    count = image_tokens("gpt-6-sol", 2048, 4096, "high")
    assert count == ImageCount(
        1105, False, "no image rule for 'gpt-6-sol': used gpt-4o's (85 + 170 per 512-px tile)"
    )


def test_unknown_model_and_unknown_size_are_both_noted_on_one_line() -> None:
    count = image_tokens("mystery-vision", None, None)
    assert count.tokens == 765
    assert count.exact is False
    assert count.note == (
        "no image rule for 'mystery-vision': used gpt-4o's (85 + 170 per 512-px tile); "
        "image size unknown (not a readable data URL): assumed 1024x1024 at high detail"
    )


def test_a_family_with_doubtful_published_constants_is_not_exact() -> None:
    count = image_tokens("gpt-5-mini", 1024, 1024)
    assert count == ImageCount(
        1659, False, "gpt-5-mini: docs say 1.62 tokens per patch, API measured ~1.2"
    )


def test_unknown_detail_counts_as_high_and_says_so() -> None:
    count = image_tokens("gpt-4o", 1024, 1024, "ultra")
    assert count == ImageCount(765, False, "unknown detail 'ultra': counted as high")
    assert image_tokens("gpt-4o", 1024, 1024, " LOW ").tokens == 85


def test_rule_table_is_well_formed() -> None:
    prefixes = [family.prefix for family in IMAGE_RULES]
    assert len(prefixes) == len(set(prefixes))
    assert all(prefix == prefix.strip().lower() for prefix in prefixes)
    assert "gpt-4o" in prefixes  # the fallback rule
