"""Digits as a person draws them with a mouse: pen strokes through a few points, written by hand
for this test (not taken from MNIST), smoothed into curves, jittered, and placed at a given size.

Coordinates are in a unit box, x to the right and y down; a digit is about 0.65 as wide as tall.
"""

import numpy as np

Stroke = list[tuple[float, float]]

DIGITS: dict[int, list[Stroke]] = {
    0: [
        [
            (0.5, 0.02),
            (0.2, 0.15),
            (0.08, 0.5),
            (0.2, 0.85),
            (0.5, 0.98),
            (0.8, 0.85),
            (0.92, 0.5),
            (0.8, 0.15),
            (0.52, 0.03),
        ]
    ],
    1: [[(0.55, 0.02), (0.53, 0.35), (0.5, 0.65), (0.48, 0.98)]],
    2: [
        [
            (0.12, 0.25),
            (0.3, 0.05),
            (0.62, 0.02),
            (0.85, 0.2),
            (0.78, 0.45),
            (0.45, 0.72),
            (0.1, 0.96),
            (0.5, 0.95),
            (0.92, 0.94),
        ]
    ],
    3: [
        [
            (0.15, 0.12),
            (0.5, 0.02),
            (0.82, 0.14),
            (0.8, 0.34),
            (0.45, 0.48),
            (0.82, 0.6),
            (0.88, 0.82),
            (0.55, 0.98),
            (0.12, 0.88),
        ]
    ],
    4: [[(0.25, 0.02), (0.15, 0.35), (0.1, 0.62), (0.5, 0.62), (0.92, 0.6)], [(0.72, 0.05), (0.71, 0.5), (0.7, 0.98)]],
    5: [
        [(0.85, 0.03), (0.25, 0.03)],
        [(0.25, 0.03), (0.2, 0.45), (0.55, 0.36), (0.85, 0.52), (0.85, 0.8), (0.55, 0.98), (0.12, 0.88)],
    ],
    6: [
        [
            (0.78, 0.04),
            (0.45, 0.2),
            (0.2, 0.5),
            (0.15, 0.8),
            (0.45, 0.98),
            (0.78, 0.85),
            (0.8, 0.6),
            (0.5, 0.48),
            (0.2, 0.65),
        ]
    ],
    7: [[(0.08, 0.05), (0.5, 0.04), (0.92, 0.05), (0.68, 0.45), (0.48, 0.98)]],
    8: [
        [
            (0.52, 0.5),
            (0.2, 0.3),
            (0.5, 0.03),
            (0.8, 0.25),
            (0.52, 0.5),
            (0.15, 0.75),
            (0.5, 0.98),
            (0.85, 0.75),
            (0.52, 0.5),
        ]
    ],
    9: [[(0.8, 0.25), (0.5, 0.05), (0.2, 0.2), (0.28, 0.45), (0.6, 0.46), (0.8, 0.25), (0.76, 0.6), (0.72, 0.98)]],
}


def _smooth(points: Stroke, rounds: int = 2) -> Stroke:
    """Chaikin's corner cutting: the stroke through the points as a hand would curve it."""
    if len(points) < 3:
        return points
    for _ in range(rounds):
        cut = [points[0]]
        for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
            cut += [(0.75 * x0 + 0.25 * x1, 0.75 * y0 + 0.25 * y1), (0.25 * x0 + 0.75 * x1, 0.25 * y0 + 0.75 * y1)]
        points = [*cut, points[-1]]
    return points


def drawn(digit: int, height: int, centre: tuple[int, int], rng: np.random.Generator) -> list[list[tuple[int, int]]]:
    """The strokes of `digit`, `height` pixels tall around `centre`, each point moved by up to 4%
    of the height and the whole slanted by up to 10 degrees, in whole canvas pixels."""
    slant = np.tan(np.radians(rng.uniform(-10, 10)))
    width = 0.65 * height * rng.uniform(0.85, 1.15)
    strokes = []
    for stroke in DIGITS[digit]:
        points = [(x + rng.uniform(-0.04, 0.04), y + rng.uniform(-0.04, 0.04)) for x, y in stroke]
        strokes.append(
            [
                (
                    round(centre[0] + (x - 0.5) * width - (y - 0.5) * height * slant),
                    round(centre[1] + (y - 0.5) * height),
                )
                for x, y in _smooth(points)
            ]
        )
    return strokes
