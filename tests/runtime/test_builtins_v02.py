"""The builtins, methods and values added in 0.2 (LANGUAGE.md §13.4), as
programs run on both engines."""

from __future__ import annotations

import pytest

from runtime_support import both, output


def test_sorted_and_sort_take_a_key_and_reverse_and_are_stable():
    program = """
struct P { name, age }
let people = [P("Ada", 36), P("Linus", 28), P("Grace", 45), P("Alan", 28)]
print(sorted(people, fn (p) => p.age).map(fn (p) => p.name))
print(sorted(people, fn (p) => p.age, true).map(fn (p) => p.name))
print(sorted([3, 1, 2]), sorted("banana"), sorted([3, 1.5, 2], nil, true), sorted({"b": 1, "a": 2}))
let words = ["pear", "Fig", "apple"]
print(words.sort(fn (w) => w.lower()), words)
words.sort(nil, true)
print(words, sorted([]), sorted(0..3))
print(sorted([(2, "b"), (1, "z"), (2, "a")]), sorted(people, fn (p) => (p.age, p.name)).map(fn (p) => p.name))
"""
    assert output(program) == (
        '["Linus", "Alan", "Ada", "Grace"]\n'
        '["Grace", "Ada", "Linus", "Alan"]\n'
        '[1, 2, 3] ["a", "a", "a", "b", "n", "n"] [3, 2, 1.5] ["a", "b"]\n'
        'nil ["apple", "Fig", "pear"]\n'
        '["pear", "apple", "Fig"] [] [0, 1, 2]\n'
        '[(1, "z"), (2, "a"), (2, "b")] ["Alan", "Linus", "Ada", "Grace"]\n')


@pytest.mark.parametrize("call, message", [
    ('sorted([1, "a"])', "sorted() cannot order str and int"),
    ("sorted([nil, nil])", "sorted() cannot order nil and nil"),
    ("sorted([[1], [2]])", "sorted() cannot order array and array"),
    ('sorted([(1, "a"), (1, 2)])', "unsupported operand types for <: int and str"),
    ("sorted([1, 2], fn (x) => nil)", "sorted() cannot order nil and nil"),
    ("[true, false].sort()", "array.sort() cannot order bool and bool"),
])
def test_sorting_incomparable_values_is_a_type_error(call, message):
    program = f"try {{ {call} }} catch e {{ print(e.kind, e.message) }}"
    assert output(program) == f"TypeError {message}\n"


def test_a_failed_sort_leaves_the_array_unchanged_and_errors_in_the_key_propagate():
    program = """
let xs = [3, "a", 1]
try { xs.sort() } catch e { print(e.kind) }
print(xs)
try { sorted([1, 2], fn (x) => x // 0) } catch e { print(e.kind) }
"""
    assert output(program) == 'TypeError\n[3, "a", 1]\nZeroDivisionError\n'


def test_a_key_function_that_changes_the_array_being_sorted_is_a_value_error():
    program = """
let xs = [3, 1, 2]
try { xs.sort(fn (x) => { xs.push(x)
return x }) } catch e { print(e.kind, e.message) }
let ys = [3, 1, 2]
try { ys.sort(fn (y) => { ys[0] = 9
return y }) } catch e { print(e.kind) }
print(xs.len(), ys)
let zs = [3, 1, 2]
zs.sort(fn (z) => -z)
print(zs)
print(sorted(zs, fn (z) => { zs.push(z)
return z }))
"""
    assert output(program) == ("ValueError array.sort(): the array changed while it was being sorted "
                               "(its key function must not change it)\n"
                               "ValueError\n6 [9, 1, 2]\n[3, 2, 1]\n[1, 2, 3]\n")


def test_sum_any_all():
    program = """
print(sum([1, 2, 3]), sum([0.5, 0.25], 1), sum(0..101), sum([]), sum(range(10, 0, -3)), sum(0..=2 ** 70))
print(sum(["a", "b"], ""), sum([[1], [2]], []), sum(1..4, 0.5))
print(any([false, nil]), any([nil, 0]), all([0, "", []]), all([1, nil]), all([]), any(0..0), any(5..9))
fn noisy() {
    yield 1
    print("never resumed")
    yield 2
}
print(any(noisy()))
try { sum([1, "a"]) } catch e { print(e.kind, e.message) }
"""
    assert output(program) == (
        "6 1.75 5050 0 22 696898287454081973173581491830620002713600\n"
        'ab [1, 2] 6.5\n'
        "false true true false true false true\n"
        "true\n"
        "TypeError unsupported operand types for +: int and str\n")


def test_enumerate_and_zip_are_generators_of_tuples_on_both_engines():
    program = """
let e = enumerate(["a", "b"], 1)
print(type(e), e)
for pair in e { print(pair) }
print(array(e))
fn letters() { yield "x"; yield "y"; yield "z" }
print(array(zip([1, 2, 3], letters())), array(zip("ab")), array(zip([1], [])))
for i, t in zip("ab", 10..12) { print(i, t) }
print(array(enumerate({"k": 1})), array(zip(enumerate(0..2 ** 80, 2 ** 64), 0..1)))
"""
    assert output(program) == (
        "generator <generator enumerate>\n"
        '(1, "a")\n(2, "b")\n[]\n'
        '[(1, "x"), (2, "y"), (3, "z")] [("a",), ("b",)] []\n'
        "0 (\"a\", 10)\n1 (\"b\", 11)\n"
        '[(0, "k")] [((18446744073709551616, 0), 0)]\n')


def test_enumerate_and_zip_check_their_arguments_when_called():
    program = """
try { enumerate(5) } catch e { print(e.kind, e.message) }
try { zip([1], nil) } catch e { print(e.kind, e.message) }
try { enumerate([], 1.5) } catch e { print(e.kind, e.message) }
try { zip() } catch e { print(e.kind) }
"""
    assert output(program) == ("TypeError int is not iterable\nTypeError nil is not iterable\n"
                               "TypeError enumerate() expects an int, not float\nArityError\n")


def test_round_hex_bin_and_int_with_a_base():
    program = """
print(round(2.5), round(3.5), round(-0.5), round(2.675, 2), round(7), type(round(2.5)), round(1234, -2))
print(round(7, 3), round(15, -1), round(25, -1), round(10 ** 30 + 5, -1), round(123, -100000000), round(-2.5))
print(round(1.5, 400), round(-1.5, -400), round(1e300, -299), type(round(2.0, 0)))
print(hex(255), bin(5), hex(-1), hex(0), bin(-2), int("ff", 16), int("-z", 36), int("777", 8))
print(int("0x1F", 16), int(" 1_000 ", 10), int("0b101", 2), int("Z", 36))
"""
    assert output(program) == (
        "2 4 0 2.67 7 int 1200\n"
        "7 20 20 1000000000000000000000000000000 0 -2\n"
        "1.5 -0.0 1e+300 float\n"
        "0xff 0b101 -0x1 0x0 -0b10 255 -35 511\n"
        "31 1000 5 35\n")


@pytest.mark.parametrize("call, kind, message", [
    ("round(math.inf)", "ValueError", "cannot round inf to an int"),
    ("round(0.0 * math.inf)", "ValueError", "cannot round nan to an int"),
    ('round("1")', "TypeError", "round() expects a number, not str"),
    ("round(1.5, 1.0)", "TypeError", "round() expects an int, not float"),
    ("hex(1.0)", "TypeError", "hex() expects an int, not float"),
    ("bin(true)", "TypeError", "bin() expects an int, not bool"),
    ('int("12", 1)', "ValueError", "int() base must be 2 to 36, not 1"),
    ('int("12", 37)', "ValueError", "int() base must be 2 to 36, not 37"),
    ('int("19", 8)', "ValueError", 'invalid int in base 8: "19"'),
    ('int("٣", 10)', "ValueError", 'invalid int in base 10: "٣"'),
    ('int("", 16)', "ValueError", 'invalid int in base 16: ""'),
    ("int(12, 10)", "TypeError", "int() with a base expects a string, not int"),
])
def test_numeric_builtins_reject_what_they_cannot_do(call, kind, message):
    assert output(f"try {{ {call} }} catch e {{ print(e.kind, e.message) }}") == f"{kind} {message}\n"


def test_bound_methods_of_structs_enums_and_builtin_types():
    program = """
struct Person {
    name
    fn greet(self, greeting) { return greeting + ", " + self.name }
    fn make(name) { return Person(name) }
}
enum Coin {
    Heads
    Tails
    fn flip(self) { return match self { Coin.Heads => Coin.Tails, Coin.Tails => Coin.Heads } }
}
let ada = Person("Ada")
let hello = ada.greet
print(hello("Hello"), hello, type(hello), Person.greet, Person.greet(ada, "Hi"))
print(["Hi", "Yo"].map(ada.greet), [Coin.Heads, Coin.Tails].map(Coin.flip), Coin.Heads.flip)
let words = ["b"]
let push = words.push
push("a")
print(words, push, "abc".upper, (1, 2).len(), (0..3).len)
print(["x", "y"].map("-".join), [" a ", "b "].map(fn (s) => s.trim()))
print(ada.greet == ada.greet, ada.greet == Person("Ada").greet, words.push == words.push, hello == hello)
let make = Person.make
print(make("Grace"))
"""
    assert output(program) == (
        "Hello, Ada <fn Person.greet> fn <fn Person.greet> Hi, Ada\n"
        '["Hi, Ada", "Yo, Ada"] [Coin.Tails, Coin.Heads] <fn Coin.flip>\n'
        '["b", "a"] <fn array.push> <fn str.upper> 2 <fn range.len>\n'
        '["x", "y"] ["a", "b"]\n'
        "true false true true\n"
        'Person(name: "Grace")\n')


def test_bound_method_errors():
    program = """
struct P {
    x
    fn get(self) { return self.x }
    fn make() { return P(1) }
}
let get = P(1).get
try { get(2) } catch e { print(e.kind, e.message) }
try { P(1).make } catch e { print(e.kind, e.message) }
try { P(1).nope } catch e { print(e.kind, e.message) }
try { [].nope } catch e { print(e.kind, e.message) }
let push = [].push
try { push() } catch e { print(e.kind, e.message) }
try { push(1, x: 2) } catch e { print(e.kind, e.message) }
try { P.get() } catch e { print(e.kind, e.message) }
"""
    assert output(program) == (
        "ArityError P.get() takes 1 argument (2 given)\n"
        "AttributeError `make` of P takes no self: use it on the type, as P.make\n"
        "AttributeError P has no field or method `nope`\n"
        "AttributeError array has no field `nope`\n"
        "ArityError array.push() takes 1 argument (0 given)\n"
        "ArityError array.push() takes no named arguments; only struct constructors do\n"
        "ArityError P.get() takes 1 argument (0 given)\n")


def test_tuples_are_ordered_lexicographically_and_arrays_are_not():
    program = """
print((1, 2) < (1, 3), (1, "b") > (1, "a"), (1,) < (1, 0), () <= (), (2,) >= (1, 9), (1, (2, 3)) < (1, (2, 4)))
print((nil, 1) < (nil, 2), (1, 2.5) == (1, 2.5), (1.0, 2) <= (1, 2), max([(1, "a"), (1, "b"), (0, "z")]))
try { (1, 2) < (1, "a") } catch e { print(e.kind, e.message) }
try { [1] < [2] } catch e { print(e.kind, e.message) }
try { (1,) < [1] } catch e { print(e.kind, e.message) }
"""
    assert output(program) == (
        "true true true true true true\n"
        'true true true (1, "b")\n'
        "TypeError unsupported operand types for <: int and str\n"
        "TypeError unsupported operand types for <: array and array\n"
        "TypeError unsupported operand types for <: tuple and array\n")


def test_deeply_nested_tuples_compare_without_recursion():
    program = """
let a = (1,)
let b = (1,)
for i in 0..100000 {
    a = (a, i)
    b = (b, i)
}
print(a < b, a <= b, a == b, (a, 1) < (b, 2))
"""
    assert output(program) == "false true true true\n"


def test_map_methods_set_default_update_pop():
    program = """
let stock = {"apples": 3}
print(stock.set_default("pears", 0), stock.set_default("apples", 99))
stock.update({"kiwis": 5, "apples": 4})
print(stock, stock.update(stock), stock)
print(stock.pop("kiwis"), stock.pop("figs", -1), stock.pop(1.0, nil), stock)
try { stock.pop("figs") } catch e { print(e.kind, e.message) }
try { stock.update([("a", 1)]) } catch e { print(e.kind, e.message) }
try { stock.set_default([1], 0) } catch e { print(e.kind) }
"""
    assert output(program) == (
        "0 3\n"
        '{"apples": 4, "pears": 0, "kiwis": 5} nil {"apples": 4, "pears": 0, "kiwis": 5}\n'
        '5 -1 nil {"apples": 4, "pears": 0}\n'
        'KeyError key "figs" not found\n'
        "TypeError map.update() expects a map, not array\n"
        "TypeError\n")


def test_string_methods_added_in_0_2():
    program = """
print("ab".repeat(3), "x".repeat(0).len(), "x".repeat(-2).len(), "banana".count("an"), "aaa".count(""))
print("[" + "  a  ".lstrip() + "]", "[" + "  a  ".rstrip() + "]")
print("7".pad_left(3, "0"), "ab".pad_right(4, "."), "abc".pad_left(2), "[" + "é".pad_left(3) + "]")
print("123".is_digit(), "".is_digit(), "٣".is_digit(), "héllo".is_alpha(), "a1".is_alpha(), " \\t".is_space(),
      "".is_space())
print("one\\ntwo\\r\\nthree\\n".lines(), "".lines(), "a\\n\\nb".lines())
"""
    assert output(program) == (
        "ababab 0 0 2 4\n"
        "[a  ] [  a]\n"
        "007 ab.. abc [  é]\n"
        "true false true true false true false\n"
        '["one", "two", "three"] [] ["a", "", "b"]\n')


@pytest.mark.parametrize("call, kind, message", [
    ('"ab".pad_left(5, "xy")', "ValueError", 'str.pad_left() fill must be one character, not "xy"'),
    ('"ab".pad_right(5, "")', "ValueError", 'str.pad_right() fill must be one character, not ""'),
    ('"ab".pad_left("5")', "TypeError", "str.pad_left() expects an int, not str"),
    ('"ab".repeat(2.0)', "TypeError", "str.repeat() expects an int, not float"),
    ('"ab".count(nil)', "TypeError", "str.count() expects a string, not nil"),
    ('"ab".repeat(2 ** 62)', "ValueError",
     "str.repeat() would make 9,223,372,036,854,775,808 characters; the limit is 268,435,456"),
])
def test_string_method_errors(call, kind, message):
    assert output(f"try {{ {call} }} catch e {{ print(e.kind, e.message) }}") == f"{kind} {message}\n"


def test_math_added_in_0_2():
    program = """
print(math.e, math.tau, math.hypot(3, 4), math.log10(1000), math.log2(8), math.trunc(-2.7), math.trunc(5))
print(math.isnan(math.inf - math.inf), math.isinf(-math.inf), math.asin(1) == math.pi / 2, math.acos(1))
print(math.atan(0), math.isnan(3), math.isinf(10 ** 400), math.log10(10 ** 400), math.log2(2 ** 5000))
try { math.asin(2) } catch e { print(e.kind, e.message) }
try { math.trunc(math.inf) } catch e { print(e.kind, e.message) }
try { math.hypot(10 ** 400, 1) } catch e { print(e.kind, e.message) }
"""
    assert output(program) == (
        "2.718281828459045 6.283185307179586 5.0 3.0 3.0 -2 5\n"
        "true true true 0.0\n"
        "0.0 false false 400.0 5000.0\n"
        "ValueError math.asin() argument out of its domain\n"
        "ValueError math.trunc() cannot convert inf to int\n"
        "ValueError math.hypot(): int too large to convert to float\n")


def test_exit_ends_the_program_with_its_status_past_catch():
    program = """
fn leave() {
    try { exit(3) } catch e { print("never caught") }
}
print("before")
leave()
print("never printed")
"""
    result = both(program)
    assert (result.stdout, result.stderr, result.status) == ("before\n", "", 3)
    assert both("exit()").status == 0 and both("print(1)\nexit(0)\nprint(2)").stdout == "1\n"
    bad = both('try { exit(256) } catch e { print(e.message) }\ntry { exit("1") } catch e { print(e.message) }')
    assert bad.stdout == "exit() status must be 0 to 255, not 256\nexit() expects an int, not str\n"


def test_huge_int_results_of_operators_are_value_errors():
    program = """
try { print(1 << 2 ** 40) } catch e { print(e.kind, e.message) }
try { print(3 ** 2 ** 40) } catch e { print(e.kind, e.message) }
let a = 10
a <<= 2 ** 63
"""
    result = both(program)
    assert result.stdout == ("ValueError int result of << too large (more than 2147483648 bits)\n"
                             "ValueError int result of ** too large (more than 2147483648 bits)\n")
    assert result.status == 1 and result.stderr.startswith("error[ValueError]: int result of << too large")
    assert output("print(0 << 2 ** 40, 1 ** 2 ** 40, (-1) ** (2 ** 40 + 1), 5 >> 2 ** 70, 2 ** 64)") == \
        "0 1 -1 0 18446744073709551616\n"
