"""Numbers formatted as Odoo's ``res.lang.format(..., grouping=True)`` formats them, with the
language's grouping and separators read once: a table of 13 months of days shows two
thousand figures, and ``res.lang.format`` reads the language and parses its grouping again
for each one."""

import ast
import re

# odoo.addons.base.models.res_lang.intersperse_pat
_INTERSPERSE = re.compile(r"([^0-9]*)([^ ]*)(.*)")
_STANDARD = [3, 0]  # groups of three: Python's own "," grouping


def split_counts(text, counts):
    """``text`` cut in pieces of ``counts`` characters, as ``res_lang.split``: 0 repeats the
    last count to the end, -1 stops."""
    pieces, saved = [], len(text)
    for count in counts:
        if not text or count == -1:
            break
        if count == 0:
            while text:
                pieces.append(text[:saved])
                text = text[saved:]
            break
        pieces.append(text[:count])
        text = text[count:]
        saved = count
    if text:
        pieces.append(text)
    return pieces


def intersperse(text, counts, separator=""):
    """The digits of ``text`` grouped from the right by ``counts``, as
    ``res_lang.intersperse`` (the sign and anything after a space left alone)."""
    left, rest, right = _INTERSPERSE.match(text).groups()
    pieces = split_counts(rest[::-1], counts)
    return left + separator.join(piece[::-1] for piece in reversed(pieces)) + right


def number_formatter(digits, grouping="[3,0]", thousands_sep=",", decimal_point="."):
    """A function formatting a number with ``digits`` decimals, grouped and separated as a
    language (``res.lang`` ``grouping``, ``thousands_sep``, ``decimal_point``); ``None`` or
    False is 0."""
    counts = ast.literal_eval(grouping) if isinstance(grouping, str) else list(grouping)
    thousands_sep = thousands_sep or ""
    pattern = f"%.{digits}f"
    if counts == _STANDARD:
        swap = str.maketrans({",": thousands_sep, ".": decimal_point})
        spec = f",.{digits}f"
        return lambda value: format(value or 0.0, spec).translate(swap)

    def number(value):
        parts = (pattern % (value or 0.0)).split(".")
        parts[0] = intersperse(parts[0], counts, thousands_sep)
        return decimal_point.join(parts)

    return number
