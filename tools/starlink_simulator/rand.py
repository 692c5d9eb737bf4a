"""Deterministic, stateless pseudo-random numbers.

Every value of the simulator is a pure function of the seed and of integer
coordinates (entity index, day, 15-second slot, ...), so data can be generated
lazily for any entity and any time without keeping anything in memory, and the
same seed always gives the same data.
"""

import math

_MASK = (1 << 64) - 1
_INV_2_64 = 1.0 / (1 << 64)
_INV_2_16 = 1.0 / (1 << 16)
_TWO_PI = 2.0 * math.pi


def mix64(value):
    """Return the splitmix64 finaliser of ``value`` (a 64-bit integer hash)."""
    value = (value + 0x9E3779B97F4A7C15) & _MASK
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK
    return value ^ (value >> 31)


def hash_ints(*values):
    """Hash a sequence of integers into one 64-bit integer.

    The coordinates are folded FNV-style and finished with one splitmix64
    round: cheap, and good enough for simulated noise.
    """
    result = 0xCBF29CE484222325
    for value in values:
        result = ((result ^ (value & _MASK)) * 0x100000001B3 + 0x9E37) & _MASK
    return mix64(result)


def unit(*values):
    """Uniform float in [0, 1) for the given coordinates."""
    return hash_ints(*values) * _INV_2_64


class Draws:
    """A small stream of uniform draws derived from one hash.

    Each 64-bit hash gives four 16-bit uniforms, which is plenty for noise and
    much cheaper than hashing all coordinates again for every value of a row.
    """

    __slots__ = ("_base", "_count", "_bits", "_left")

    def __init__(self, *values):
        self._base = hash_ints(*values)
        self._count = 0
        self._bits = 0
        self._left = 0

    def _next16(self):
        """Next 16 random bits."""
        if not self._left:
            self._count += 1
            self._bits = mix64(self._base + self._count)
            self._left = 4
        self._left -= 1
        value = self._bits & 0xFFFF
        self._bits >>= 16
        return value

    def take(self, count):
        """``count`` uniforms in (0, 1) at once (fast path for whole rows)."""
        values = []
        base = self._base + 0x5BD1E995
        for block in range((count + 3) // 4):
            bits = mix64(base + block)
            for _ in range(4):
                values.append(((bits & 0xFFFF) + 0.5) * _INV_2_16)
                bits >>= 16
        return values

    def uniform(self, low=0.0, high=1.0):
        """Uniform float in [low, high)."""
        return low + (high - low) * (self._next16() + 0.5) * _INV_2_16

    def normal(self, mean=0.0, sigma=1.0):
        """Gaussian float (Box-Muller)."""
        first = self.uniform()
        second = self.uniform()
        return mean + sigma * math.sqrt(-2.0 * math.log(first)) * math.cos(_TWO_PI * second)

    def lognormal(self, sigma):
        """Multiplicative noise with median 1."""
        return math.exp(self.normal(0.0, sigma))

    def choice(self, items):
        """One element of a non-empty sequence."""
        return items[int(self.uniform() * len(items))]

    def integer(self, low, high):
        """Integer in [low, high]."""
        return min(high, low + int(self.uniform() * (high - low + 1)))


def gauss(first, second):
    """Standard normal value from two uniforms in (0, 1) (Box-Muller)."""
    return math.sqrt(-2.0 * math.log(first)) * math.cos(_TWO_PI * second)


def text_seed(text):
    """Stable integer for a string (``hash()`` is salted per process)."""
    result = 0
    for char in text.encode("utf-8"):
        result = mix64(result ^ char)
    return result
