"""Draws the tsunagu app icons (run once; the PNGs are committed).

Two linked rings — つなぐ means "to connect" — on the brand teal. Drawn at 4x and downsampled
for smooth edges. The maskable icon keeps the rings inside the central 80 % safe zone and fills
the whole square, as Android crops it to a circle or squircle.

    python3 -m venv /tmp/iconvenv && /tmp/iconvenv/bin/pip install pillow
    /tmp/iconvenv/bin/python public/icons/make_icons.py
"""

from pathlib import Path

from PIL import Image, ImageDraw

TEAL = (31, 92, 87, 255)
CREAM = (246, 244, 239, 255)
ACCENT = (232, 162, 76, 255)
HERE = Path(__file__).resolve().parent
SCALE = 4


def rings(draw: ImageDraw.ImageDraw, size: int, extent: float) -> None:
    """Two interlocking rings centred in a square of `size`, spanning `extent` of it."""
    c = size / 2
    r = size * extent * 0.27
    width = max(2, int(size * extent * 0.085))
    dx = r * 0.62
    left = (c - dx - r, c - r, c - dx + r, c + r)
    right = (c + dx - r, c - r, c + dx + r, c + r)
    draw.ellipse(left, outline=CREAM, width=width)
    draw.ellipse(right, outline=ACCENT, width=width)
    # Re-draw the upper crossing of the left ring over the right one, so they interlock.
    draw.arc(left, start=-50, end=10, fill=CREAM, width=width)


def icon(size: int, maskable: bool) -> Image.Image:
    big = size * SCALE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if maskable:
        draw.rectangle((0, 0, big, big), fill=TEAL)
        rings(draw, big, 0.78)
    else:
        radius = int(big * 0.22)
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=radius, fill=TEAL)
        rings(draw, big, 1.0)
    return image.resize((size, size), Image.LANCZOS)


def main() -> None:
    icon(192, maskable=False).save(HERE / "icon-192.png", optimize=True)
    icon(512, maskable=False).save(HERE / "icon-512.png", optimize=True)
    icon(512, maskable=True).save(HERE / "icon-maskable-512.png", optimize=True)
    # iOS ignores transparency and rounds corners itself: use the full-bleed variant.
    icon(180, maskable=True).convert("RGB").save(HERE / "apple-touch-icon.png", optimize=True)


if __name__ == "__main__":
    main()
