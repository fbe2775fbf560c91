"""The methods of the builtin types: `str`, `array`, `map`, `tuple`, `range`.

Each is an entry of the library (`library.py`), implemented as
`func(engine, receiver, args)`; the caller has checked the number of
arguments already. Strings never change, so their methods return new
values; the array and map methods that change their receiver say so.
Sorting lives here too, since `sorted()` and `array.sort()` share it.
"""

from __future__ import annotations

from . import ops
from .arguments import check_size, expect, integer, items, string
from .errors import EskerError, error_kind, runtime_error
from .library import LIBRARY
from .printing import brief_repr, to_str

define = LIBRARY.define


# ------------------------------------------------------------------ shared helpers

def _slice(sequence, args, where: str):
    start = expect(args[0], int, where, "int indices")
    stop = expect(args[1], int, where, "int indices") if len(args) > 1 else len(sequence)
    return sequence[start:stop]


def _join(separator: str, values) -> str:
    return separator.join([to_str(value) for value in values])


def _position(array: list, index, where: str, inclusive_end: bool = False) -> int:
    """A non-negative position in `array` from an int that may count from the end."""
    expect(index, int, where, "an int index")
    position = index + len(array) if index < 0 else index
    if not 0 <= position < len(array) + inclusive_end:
        raise runtime_error("IndexError", f"index {brief_repr(index)} out of range for array of length {len(array)}")
    return position


def _index_of(array: list, value) -> int:
    for index, item in enumerate(array):
        if ops.equals(item, value):
            return index
    return -1


def _checked_key(key):
    ops.check_key(key)
    return key


# ------------------------------------------------------------------ sorting

def _natively_ordered(keys: list) -> bool:
    """Whether Python's own `<` orders these keys exactly as Esker's does:
    all numbers (no bools) or all strings."""
    kinds = {type(key) for key in keys}
    return kinds <= {int, float} or kinds == {str}


class _SortKey:
    """A key compared with Esker's `<`, for keys Python cannot order alike."""

    __slots__ = ("value", "where")

    def __init__(self, value, where: str):
        self.value = value
        self.where = where

    def __lt__(self, other: "_SortKey") -> bool:
        a, b = self.value, other.value
        try:
            return ops.less(a, b)
        except EskerError as error:
            if error_kind(error.value) != "TypeError" or (type(a) is tuple and type(b) is tuple):
                raise
            raise runtime_error("TypeError", f"{self.where} cannot order {ops.type_name(a)} and "
                                             f"{ops.type_name(b)}") from None


def sort_values(engine, values: list, key, reverse: bool, where: str) -> list:
    """`values` in ascending order of their keys (`key(value)`, or the values
    themselves when `key` is nil), stable, descending when `reverse`."""
    keys = values if key is None else [engine.call(key, [value]) for value in values]
    positions = range(len(values))
    if _natively_ordered(keys):
        order = sorted(positions, key=keys.__getitem__, reverse=reverse)
    else:
        wrapped = [_SortKey(value, where) for value in keys]
        order = sorted(positions, key=wrapped.__getitem__, reverse=reverse)
    return [values[index] for index in order]


# ------------------------------------------------------------------ str

@define("str.len()", "The number of code points.", "", """print("héllo".len())""", "5")
def _str_len(engine, text, args):
    return len(text)


@define("str.upper()", "The string in upper case.", "", """print("Straße".upper())""", "STRASSE")
def _upper(engine, text, args):
    return text.upper()


@define("str.lower()", "The string in lower case.", "", """print("HeLLo".lower())""", "hello")
def _lower(engine, text, args):
    return text.lower()


@define("str.trim()", "The string without leading and trailing whitespace.", "",
        """print("[" + "  a b \\n".trim() + "]")""", "[a b]")
def _trim(engine, text, args):
    return text.strip()


@define("str.lstrip()", "The string without leading whitespace.", "",
        """print("[" + "  a b  ".lstrip() + "]")""", "[a b  ]")
def _lstrip(engine, text, args):
    return text.lstrip()


@define("str.rstrip()", "The string without trailing whitespace.", "",
        """print("[" + "  a b  ".rstrip() + "]")""", "[  a b]")
def _rstrip(engine, text, args):
    return text.rstrip()


@define("str.split([sep])", "The pieces between occurrences of `sep`, or the words of the string.",
        """With `sep` (a non-empty string), every occurrence splits, so empty
        pieces are kept; without it, the string splits at runs of whitespace
        and no piece is empty.""",
        """print("a,,b".split(","), " two  words ".split())""",
        """["a", "", "b"] ["two", "words"]""")
def _split(engine, text, args):
    if not args:
        return text.split()
    separator = string(args[0], "str.split()")
    if not separator:
        raise runtime_error("ValueError", "str.split() separator is empty")
    return text.split(separator)


@define("str.lines()", "The lines of the string, without their line ends.",
        """Lines end at `\\n`, `\\r\\n`, `\\r` and the other Unicode line breaks;
        a final line end does not start another line.""",
        """print("one\\ntwo\\r\\nthree\\n".lines())""",
        """["one", "two", "three"]""")
def _lines(engine, text, args):
    return text.splitlines()


@define("str.contains(s)", "Whether `s` occurs in the string.", "",
        """print("hello".contains("ell"), "hello".contains("L"))""", "true false")
def _contains(engine, text, args):
    return string(args[0], "str.contains()") in text


@define("str.starts_with(s)", "Whether the string starts with `s`.", "",
        """print("hello".starts_with("he"))""", "true")
def _starts_with(engine, text, args):
    return text.startswith(string(args[0], "str.starts_with()"))


@define("str.ends_with(s)", "Whether the string ends with `s`.", "",
        """print("hello".ends_with("lo"))""", "true")
def _ends_with(engine, text, args):
    return text.endswith(string(args[0], "str.ends_with()"))


@define("str.find(s)", "The index of the first occurrence of `s`, or -1.", "",
        """print("hello".find("l"), "hello".find("z"))""", "2 -1")
def _find(engine, text, args):
    return text.find(string(args[0], "str.find()"))


@define("str.count(s)", "How many times `s` occurs, not overlapping.",
        """An empty `s` counts the positions between characters: one more than
        the length.""",
        """print("banana".count("an"), "aaaa".count("aa"))""", "2 2")
def _count(engine, text, args):
    return text.count(string(args[0], "str.count()"))


@define("str.replace(a, b)", "The string with every occurrence of `a` replaced by `b`.", "",
        """print("a-b-c".replace("-", "+"))""", "a+b+c")
def _replace(engine, text, args):
    old, new = string(args[0], "str.replace()"), string(args[1], "str.replace()")
    if len(new) > len(old):  # an empty `old` matches len(text) + 1 times
        check_size(len(text) + text.count(old) * (len(new) - len(old)), "str.replace()", "characters")
    return text.replace(old, new)


@define("str.repeat(n)", "The string repeated `n` times (empty for `n` <= 0).", "",
        """print("ab".repeat(3), "[" + "x".repeat(0) + "]")""", "ababab []")
def _repeat(engine, text, args):
    times = integer(args[0], "str.repeat()")
    if times > 0 and text:
        check_size(len(text) * times, "str.repeat()", "characters")
    return text * times if times > 0 else ""


def _padded(text: str, args, where: str, pad) -> str:
    width = integer(args[0], where)
    fill = string(args[1], where) if len(args) > 1 else " "
    if len(fill) != 1:
        raise runtime_error("ValueError", f"{where} fill must be one character, not {brief_repr(fill)}")
    if width <= len(text):
        return text
    return pad(check_size(width, where, "characters"), fill)


@define("str.pad_left(width[, fill])", "The string right-aligned in `width` characters, filled with `fill`.",
        """`fill` is one character, a space by default. A string already as
        wide is returned as it is.""",
        """print("[" + "7".pad_left(3, "0") + "]", "[" + "ab".pad_left(4) + "]")""",
        """[007] [  ab]""")
def _pad_left(engine, text, args):
    return _padded(text, args, "str.pad_left()", text.rjust)


@define("str.pad_right(width[, fill])", "The string left-aligned in `width` characters, filled with `fill`.",
        """`fill` is one character, a space by default.""",
        """print("[" + "ab".pad_right(4) + "]", "ab".pad_right(4, "."))""",
        """[ab  ] ab..""")
def _pad_right(engine, text, args):
    return _padded(text, args, "str.pad_right()", text.ljust)


@define("str.is_digit()", "Whether the string is not empty and all its characters are digits.",
        """Unicode digits count (as in Python's `isdigit`).""",
        """print("123".is_digit(), "12a".is_digit(), "".is_digit())""", "true false false")
def _is_digit(engine, text, args):
    return text.isdigit()


@define("str.is_alpha()", "Whether the string is not empty and all its characters are letters.",
        """Unicode letters count (as in Python's `isalpha`).""",
        """print("héllo".is_alpha(), "a1".is_alpha())""", "true false")
def _is_alpha(engine, text, args):
    return text.isalpha()


@define("str.is_space()", "Whether the string is not empty and all its characters are whitespace.", "",
        """print(" \\t\\n".is_space(), "".is_space())""", "true false")
def _is_space(engine, text, args):
    return text.isspace()


@define("str.chars()", "An array of the string's characters (one-character strings).", "",
        """print("héllo".chars())""", """["h", "é", "l", "l", "o"]""")
def _chars(engine, text, args):
    return list(text)


@define("str.slice(a[, b])", "The characters from index `a` up to, not including, `b` (or the end).",
        """Negative indices count from the end; indices out of range are clamped,
        so slicing never fails.""",
        """print("hello".slice(1, 3), "hello".slice(-3), "abc".slice(5).len())""", "el llo 0")
def _str_slice(engine, text, args):
    return _slice(text, args, "str.slice()")


@define("str.join(iterable)", "The iterable's values, each converted with `str`, separated by this string.", "",
        """print(", ".join(["a", 1, nil]), "".join(["x", "y"]))""", "a, 1, nil xy")
def _str_join(engine, text, args):
    return _join(text, items(engine, args[0], "str.join()"))


# ------------------------------------------------------------------ array

@define("array.len()", "The number of elements.", "", """print([1, 2, 3].len())""", "3")
def _array_len(engine, array, args):
    return len(array)


@define("array.push(x)", "Appends `x` at the end. Returns `nil`.", "",
        """let xs = [1]
           xs.push(2)
           print(xs)""", "[1, 2]")
def _push(engine, array, args):
    array.append(args[0])


@define("array.pop()", "Removes and returns the last element.",
        """An empty array is an `IndexError`.""",
        """let xs = [1, 2]
           print(xs.pop(), xs)""", "2 [1]")
def _pop(engine, array, args):
    if not array:
        raise runtime_error("IndexError", "pop from an empty array")
    return array.pop()


@define("array.insert(i, x)", "Inserts `x` before index `i`. Returns `nil`.",
        """`i` may be negative (from the end) or the length (append); anything
        else out of range is an `IndexError`.""",
        """let xs = [1, 3]
           xs.insert(1, 2)
           print(xs)""", "[1, 2, 3]")
def _insert(engine, array, args):
    array.insert(_position(array, args[0], "array.insert()", inclusive_end=True), args[1])


@define("array.remove_at(i)", "Removes and returns the element at index `i`.",
        """A negative index counts from the end; out of range is an `IndexError`.""",
        """let xs = ["a", "b", "c"]
           print(xs.remove_at(-1), xs)""", """c ["a", "b"]""")
def _remove_at(engine, array, args):
    return array.pop(_position(array, args[0], "array.remove_at()"))


@define("array.contains(x)", "Whether an element is `==` to `x`.", "",
        """print([1, 2].contains(2.0), [[1]].contains([1]))""", "true true")
def _array_contains(engine, array, args):
    return _index_of(array, args[0]) >= 0


@define("array.index_of(x)", "The index of the first element `==` to `x`, or -1.", "",
        """print(["a", "b"].index_of("b"), ["a"].index_of("z"))""", "1 -1")
def _array_index_of(engine, array, args):
    return _index_of(array, args[0])


@define("array.slice(a[, b])", "A new array of the elements from index `a` up to, not including, `b`.",
        """Negative indices count from the end; indices out of range are clamped.""",
        """print([1, 2, 3, 4].slice(1, 3), [1, 2, 3].slice(-2), [1].slice(5))""", "[2, 3] [2, 3] []")
def _array_slice(engine, array, args):
    return _slice(array, args, "array.slice()")


@define("array.join(sep)", "The elements, each converted with `str`, separated by the string `sep`.", "",
        """print([1, "a", 2.5].join("-"))""", "1-a-2.5")
def _array_join(engine, array, args):
    return _join(string(args[0], "array.join()"), array)


@define("array.reverse()", "Reverses the array in place. Returns `nil`.", "",
        """let xs = [1, 2, 3]
           xs.reverse()
           print(xs)""", "[3, 2, 1]")
def _reverse(engine, array, args):
    array.reverse()


@define("array.sort([key[, reverse]])", "Sorts the array in place, ascending. Returns `nil`.",
        """As `sorted`: stable; `key` (a function of one argument, or `nil`)
        gives what to compare; `reverse` true sorts descending. Values that
        cannot be ordered with `<` are a `TypeError`, and the array is left
        unchanged. A key function that changes the array is a `ValueError`.""",
        """let words = ["pear", "Fig", "apple"]
           words.sort()
           print(words)
           words.sort(fn (w) => w.len(), true)
           print(words)""",
        """["Fig", "apple", "pear"]
           ["apple", "pear", "Fig"]""")
def _sort(engine, array, args):
    key = args[0] if args else None
    reverse = ops.truthy(args[1]) if len(args) > 1 else False
    before = list(array)
    ordered = sort_values(engine, before, key, reverse, "array.sort()")
    # A key function that changes the array would have its changes silently lost.
    if len(array) != len(before) or any(now is not then for now, then in zip(array, before)):
        raise runtime_error("ValueError", "array.sort(): the array changed while it was being sorted "
                                          "(its key function must not change it)")
    array[:] = ordered


@define("array.map(f)", "A new array of `f(x)` for each element `x`.", "",
        """print([1, 2, 3].map(fn (x) => x * 10))""", "[10, 20, 30]")
def _map(engine, array, args):
    return [engine.call(args[0], [item]) for item in list(array)]


@define("array.filter(f)", "A new array of the elements `x` for which `f(x)` is truthy.", "",
        """print([1, 2, 3, 4].filter(fn (x) => x % 2 == 0))""", "[2, 4]")
def _filter(engine, array, args):
    return [item for item in list(array) if ops.truthy(engine.call(args[0], [item]))]


@define("array.reduce(f[, init])", "Folds the elements from the left: `f(f(init, x0), x1)` ...",
        """Without `init` the first element starts the fold; then an empty array
        is a `ValueError`.""",
        """print([1, 2, 3].reduce(fn (a, b) => a + b), [1, 2].reduce(fn (a, b) => a * b, 10))""", "6 20")
def _reduce(engine, array, args):
    values = list(array)
    if len(args) > 1:
        total = args[1]
    elif values:
        total = values.pop(0)
    else:
        raise runtime_error("ValueError", "array.reduce() of an empty array with no initial value")
    for value in values:
        total = engine.call(args[0], [total, value])
    return total


@define("array.copy()", "A shallow copy: a new array of the same elements.", "",
        """let xs = [1, [2]]
           let ys = xs.copy()
           ys.push(3)
           print(xs, ys)""", "[1, [2]] [1, [2], 3]")
def _array_copy(engine, array, args):
    return list(array)


# ------------------------------------------------------------------ map

@define("map.len()", "The number of entries.", "", """print({"a": 1, "b": 2}.len())""", "2")
def _map_len(engine, mapping, args):
    return len(mapping)


@define("map.keys()", "An array of the keys, in insertion order.", "",
        """print({"b": 1, "a": 2}.keys())""", """["b", "a"]""")
def _keys(engine, mapping, args):
    return list(mapping)


@define("map.values()", "An array of the values, in insertion order.", "",
        """print({"b": 1, "a": 2}.values())""", "[1, 2]")
def _values(engine, mapping, args):
    return list(mapping.values())


@define("map.items()", "An array of `(key, value)` tuples, in insertion order.", "",
        """print({"b": 1, "a": 2}.items())""", """[("b", 1), ("a", 2)]""")
def _items(engine, mapping, args):
    return list(mapping.items())


@define("map.has(k)", "Whether `k` is a key.", "", """print({"a": 1}.has("a"), {1: 0}.has(1.0))""", "true true")
def _has(engine, mapping, args):
    return _checked_key(args[0]) in mapping


@define("map.get(k[, default])", "The value for `k`, or `default` (`nil`) when `k` is not a key.", "",
        """let m = {"a": 1}
           print(m.get("a"), m.get("z"), m.get("z", 0))""", "1 nil 0")
def _get(engine, mapping, args):
    return mapping.get(_checked_key(args[0]), args[1] if len(args) > 1 else None)


@define("map.remove(k)", "Removes the entry of `k` and returns its value.",
        """A missing key is a `KeyError`; `pop(k, default)` does not fail.""",
        """let m = {"a": 1, "b": 2}
           print(m.remove("a"), m)""", """1 {"b": 2}""")
def _remove(engine, mapping, args):
    key = _checked_key(args[0])
    if key not in mapping:
        raise runtime_error("KeyError", f"key {brief_repr(key)} not found")
    return mapping.pop(key)


@define("map.pop(k[, default])", "Removes the entry of `k` and returns its value, or returns `default`.",
        """Without `default`, a missing key is a `KeyError`.""",
        """let m = {"a": 1}
           print(m.pop("a"), m.pop("a", -1), m)""", "1 -1 {}")
def _map_pop(engine, mapping, args):
    key = _checked_key(args[0])
    if key in mapping:
        return mapping.pop(key)
    if len(args) > 1:
        return args[1]
    raise runtime_error("KeyError", f"key {brief_repr(key)} not found")


@define("map.set_default(k, v)", "The value at `k`, after setting it to `v` if `k` was not a key.", "",
        """let counts = {}
           counts.set_default("a", []).push(1)
           counts.set_default("a", []).push(2)
           print(counts)""", """{"a": [1, 2]}""")
def _set_default(engine, mapping, args):
    return mapping.setdefault(_checked_key(args[0]), args[1])


@define("map.update(other)", "Sets every entry of the map `other` in this map. Returns `nil`.",
        """Existing keys keep their position and take the new value; new keys
        are added at the end, in `other`'s order.""",
        """let stock = {"apples": 3}
           stock.update({"kiwis": 5, "apples": 4})
           print(stock)""", """{"apples": 4, "kiwis": 5}""")
def _update(engine, mapping, args):
    other = expect(args[0], dict, "map.update()", "a map")
    mapping.update(dict(other))


@define("map.copy()", "A shallow copy: a new map of the same entries.", "",
        """let m = {"a": 1}
           let n = m.copy()
           n["b"] = 2
           print(m, n)""", """{"a": 1} {"a": 1, "b": 2}""")
def _map_copy(engine, mapping, args):
    return dict(mapping)


# ------------------------------------------------------------------ tuple and range

@define("tuple.len()", "The number of elements.", "", """print((1, 2).len(), ().len())""", "2 0")
def _tuple_len(engine, values, args):
    return len(values)


@define("range.len()", "The number of ints in the range (exact however large).", "",
        """print((0..10).len(), range(0, 10, 3).len(), (0..2 ** 64).len())""", "10 4 18446744073709551616")
def _range_len(engine, value, args):
    return ops.range_length(value)

