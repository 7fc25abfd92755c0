"""Decode one uploaded image, in a process of its own, under CPU, memory and pixel limits.

Run by ``practitioners.evidence.decode_image`` as
``python -I image_probe.py PATH FORMAT MAX_PIXELS SECONDS`` — never imported by the site.
Decoding is where a hostile image costs: a 230 KB PNG can unpack to 240 MB of pixels.
Here it can cost at most ``SECONDS`` of CPU at a low priority and a bounded amount of
memory, and a crash takes only this process with it. The answer is the exit status and one
word on standard output: ``ok``, ``format``, ``pixels`` or ``damaged``.
"""

import os
import resource
import sys

# Memory on top of the decoded pixels for the interpreter, Pillow and decoder buffers.
BASELINE_BYTES = 512 * 1024 * 1024
# Decoded bytes per pixel in the worst mode Pillow keeps (RGBA, or 32-bit integer/float).
BYTES_PER_PIXEL = 4


def main(path: str, expected_format: str, max_pixels: int, seconds: int) -> int:
    os.nice(10)  # the web processes come first
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    memory = BASELINE_BYTES + 2 * BYTES_PER_PIXEL * max_pixels
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    from PIL import Image, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with Image.open(path) as image:
            if image.format != expected_format:
                return answer("format")
            width, height = image.size
            if width * height > max_pixels:
                return answer("pixels")
            image.verify()
        # verify() checks the structure; load() decodes every pixel, which catches the rest.
        with Image.open(path) as image:
            image.load()
    except Image.DecompressionBombError:
        return answer("pixels")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, MemoryError):
        return answer("damaged")
    return answer("ok")


def answer(word: str) -> int:
    print(word)
    return 0 if word == "ok" else 3


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit("usage: image_probe.py PATH FORMAT MAX_PIXELS SECONDS")
    sys.exit(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))
