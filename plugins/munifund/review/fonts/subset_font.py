"""Writes the charts' CJK font: Noto Sans CJK SC (SIL OFL 1.1) cut to the characters of GB 2312
(its 6,763 hanzi and symbols), Latin-1 and the marks the charts use, renamed as a modified
version must be (OFL, condition 3), so that it is never mistaken for the full font.

Not run by the pipeline: the result is committed (1.6 MB; the full font is 16 MB and no package
on PyPI ships a maintained, openly licensed CJK font for matplotlib). To write it again, from
Debian's fonts-noto-cjk (or the same file from github.com/notofonts/noto-cjk):

    .venv/bin/python plugins/munifund/review/fonts/subset_font.py \\
        /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
"""

from __future__ import annotations

import sys
from pathlib import Path

FAMILY = "Munifund Sans SC"
OUT = Path(__file__).with_name("MunifundSansSC-Regular.otf")
#: the marks the charts and the labels use beyond GB 2312 and Latin-1
EXTRA = "元—–…·•→←≠✓✗％（）／：，。、；“”‘’《》【】−±×÷€"


def gb2312() -> set[str]:
    chars = set()
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                chars.add(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return chars


def main(source: str) -> None:
    from fontTools import subset
    from fontTools.ttLib import TTCollection, TTFont

    if source.endswith(".ttc"):
        font = next(
            f for f in TTCollection(source, lazy=False).fonts
            if f["name"].getDebugName(4) == "Noto Sans CJK SC"
        )  # fmt: skip
    else:
        font = TTFont(source, lazy=False)
    chars = gb2312() | {chr(c) for c in range(0x20, 0x7F)} | {chr(c) for c in range(0xA0, 0x100)}
    chars |= set(EXTRA)
    options = subset.Options()
    # no OpenType layout: its alternates pull in the Japanese, Korean and traditional glyphs
    options.layout_features = []
    options.hinting = False
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in chars])
    subsetter.subset(font)
    names = font["name"]
    for record in list(names.names):
        if record.nameID in (1, 3, 4, 6, 16, 17):
            names.removeNames(nameID=record.nameID)
    for name_id, text in (
        (1, FAMILY), (2, "Regular"), (3, f"{FAMILY} Regular; subset of Noto Sans CJK SC"),
        (4, f"{FAMILY} Regular"), (6, FAMILY.replace(" ", "") + "-Regular"),
    ):  # fmt: skip
        names.setName(text, name_id, 3, 1, 0x409)
        names.setName(text, name_id, 1, 0, 0)
    if "CFF " in font:
        cff = font["CFF "].cff
        cff.fontNames = [FAMILY.replace(" ", "") + "-Regular"]
        top = cff[cff.fontNames[0]]
        top.FullName, top.FamilyName = f"{FAMILY} Regular", FAMILY
    font.save(OUT)
    print(f"{OUT}: {len(chars):,} characters, {OUT.stat().st_size:,} bytes")


if __name__ == "__main__":
    main(
        sys.argv[1]
        if len(sys.argv) > 1
        else "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
    )
