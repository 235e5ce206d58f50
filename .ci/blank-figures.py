#!/usr/bin/env python3
"""Fails when a figure's area of a report's screenshot is blank (one colour) or off the shot.

Usage: blank-figures.py SHOT.png RECTS
  RECTS: the page's data-rects, "x,y,w,h;..." in CSS pixels (the shot taken at scale 1).
Needs Pillow (matplotlib's dependency, in the notebooks' environment).
"""
import sys

from PIL import Image


def main():
    shot, rects = sys.argv[1], sys.argv[2]
    image = Image.open(shot).convert("RGB")
    width, height = image.size
    figures = [tuple(int(v) for v in r.split(",")) for r in rects.split(";") if r]
    if not figures:
        print(f"blank-figures: no figure in {shot}")
        return 1
    bad = []
    for k, (x, y, w, h) in enumerate(figures):
        # inside the figure's 1-pixel border
        box = (x + 2, y + 2, x + w - 2, y + h - 2)
        if box[0] < 0 or box[1] < 0 or box[2] > width or box[3] > height or w < 5 or h < 5:
            bad.append(f"figure {k + 1} at {x},{y} {w}x{h} is off the {width}x{height} shot")
        elif image.crop(box).getcolors(maxcolors=1) is not None:
            bad.append(f"figure {k + 1} at {x},{y} {w}x{h} is blank (one colour)")
    for b in bad:
        print(f"blank-figures: {shot}: {b}")
    if bad:
        return 1
    print(f"blank-figures: {len(figures)} figures, none blank, in {shot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
