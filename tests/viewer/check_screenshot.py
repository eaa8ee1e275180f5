"""Checks viewer screenshots: RGB PNGs of the window size, not blank (many distinct colours overall,
and the 3-D scene area in the upper middle not a flat colour). Reads them with Pillow."""
import sys

from PIL import Image


def main():
    width, height = int(sys.argv[1]), int(sys.argv[2])
    for path in sys.argv[3:]:
        image = Image.open(path)
        assert image.mode == "RGB", f"{path}: mode {image.mode}, expected RGB"
        assert image.size == (width, height), f"{path}: {image.size}, expected {(width, height)}"
        colours = image.getcolors(maxcolors=1 << 24)
        scene = image.crop((width // 3, 0, 2 * width // 3, height // 2)).getcolors(maxcolors=1 << 24)
        assert len(colours) > 500, f"{path}: only {len(colours)} distinct colours: blank?"
        assert len(scene) > 100, f"{path}: the scene area has only {len(scene)} colours: not rendered?"
        print(f"{path}: {width}x{height}, {len(colours)} colours ({len(scene)} in the scene area)")


if __name__ == "__main__":
    main()
