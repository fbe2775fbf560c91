"""§6: structs, enums, methods and pattern matching."""

from __future__ import annotations

import pytest

from interpreter_support import HELPERS, kind_of, lines

SHAPES = """
struct Point {
    x
    y = 0
    fn len(self) { return math.sqrt(self.x ** 2 + self.y ** 2) }
    fn shifted(self, dx) { return Point(self.x + dx, self.y) }
    fn origin() { return Point(0, 0) }
}
enum Shape {
    Circle(radius)
    Rect(w, h)
    Empty
    fn area(self) {
        return match self {
            Shape.Circle(r) => 3 * r * r
            Shape.Rect(w, h) => w * h
            Shape.Empty => 0
        }
    }
    fn unit() { return Shape.Rect(1, 1) }
}
"""


def test_struct_construction_fields_and_methods():
    assert lines(SHAPES + """
        let p = Point(3, 4)
        let q = Point(x: 1)
        let r = Point(y: 2, x: 5)
        p.x = 6
        p.y += 1
        print(p, q, r, Point(3, 4).len(), p.shifted(1), Point.origin())
        print(p == Point(6, 5), p == Point(6, 6), type(p), type(Point), Point)
    """) == ["Point(x: 6, y: 5) Point(x: 1, y: 0) Point(x: 5, y: 2) 5.0 Point(x: 7, y: 5) Point(x: 0, y: 0)",
             "true false Point type <struct Point>"]


def test_struct_defaults_are_evaluated_at_each_construction():
    assert lines(HELPERS + """
        struct Ticket { id = next_id(), tags = [] }
        let (a, b) = (Ticket(), Ticket())
        a.tags.push("x")
        print(a, b, Ticket(id: 0), calls)
    """) == ['Ticket(id: 1, tags: ["x"]) Ticket(id: 2, tags: []) Ticket(id: 0, tags: []) 2']


@pytest.mark.parametrize("program, kind", [
    ("Point(1).z", "AttributeError"), ("let p = Point(1)\np.z = 1", "AttributeError"),
    ("Point(1, 2, 3)", "ArityError"), ("Point(y: 2)", "ArityError"), ("Point(1, x: 2)", "ArityError"),
    ("Point(z: 1, x: 1)", "ArityError"), ("Point.len()", "ArityError"), ("Point(1).origin", "AttributeError"),
    ("Point(1).origin()", "AttributeError"), ("Point(1).nope()", "AttributeError"), ("Shape.Circle()", "ArityError"),
    ("Shape.Circle(radius: 1)", "ArityError"), ("Shape.Empty()", "TypeError"), ("Shape.Hexagon", "AttributeError"),
])
def test_struct_and_enum_misuse(program, kind):
    assert kind_of(SHAPES + program) == kind


def test_enum_values_constructors_and_methods():
    assert lines(SHAPES + """
        let shapes = [Shape.Circle(2), Shape.Rect(2, 5), Shape.Empty, Shape.unit()]
        print(shapes.map(fn (s) => s.area()), shapes[1], Shape.Empty, Shape.Circle, type(Shape.Empty))
        print(Shape.Circle(1) == Shape.Circle(1), Shape.Circle(1) == Shape.Circle(2), Shape.Empty == Shape.Empty)
        let make = Shape.Rect
        print(make(3, 4))
    """) == ["[12, 10, 0, 1] Shape.Rect(2, 5) Shape.Empty <fn Shape.Circle> Shape",
             "true false true", "Shape.Rect(3, 4)"]


def test_callable_fields_are_called_as_methods():
    assert lines("""
        struct Button { label, on_click }
        let b = Button("ok", fn (n) => n + 1)
        print(b.on_click(41))
    """) == ["42"]


def test_every_pattern_kind():
    assert lines("""
        fn describe(v) {
            return match v {
                0 => "zero"
                1 | 2 => "small"
                n if type(n) == "int" and n < 0 => "negative"
                3..=9 => "digit"
                10..20 => "teen"
                "hi" => "greeting"
                nil => "nothing"
                true => "yes"
                2.5 => "two and a half"
                (a, b) => "pair " + str(a + b)
                [] => "empty"
                [only] => "one " + str(only)
                [first, ...rest] => "first " + str(first) + " rest " + str(rest)
                _ => "other"
            }
        }
        for v in [0, 2, -5, 7, 15, 20, "hi", nil, true, false, 2.5, 1.0, (1, 2), [], [9], [1, 2, 3], (1,)] {
            print(describe(v))
        }
    """) == ["zero", "small", "negative", "digit", "teen", "other", "greeting", "nothing", "yes", "other",
             "two and a half", "small", "pair 3", "empty", "one 9", "first 1 rest [2, 3]", "other"]


def test_struct_variant_and_nested_patterns():
    assert lines(SHAPES + """
        fn where(p) {
            return match p {
                Point(x: 0, y: 0) => "origin"
                Point(x: 0, y) => "on y at " + str(y)
                Point(x, y: 0) => "on x at " + str(x)
                _ => "elsewhere"
            }
        }
        print(where(Point(0, 0)), where(Point(0, 5)), where(Point(3)), where(Point(1, 1)), where(5))
        let nested = Shape.Rect(Shape.Circle(1), [1, 2])
        match nested {
            Shape.Rect(Shape.Circle(r), [a, b]) if a < b => print("nested", r, a, b)
            _ => print("no")
        }
        match Shape.Circle(3) {
            Shape.Circle => print("any circle")
        }
        match [1, 2, 3] {
            [_, ..._] => print("rest ignored")
        }
        match Error("KeyError", "k") {
            Error(kind: "KeyError", message) => print("error pattern", message)
        }
    """) == ["origin on y at 5 on x at 3 elsewhere elsewhere", "nested 1 1 2", "any circle", "rest ignored",
             "error pattern k"]


def test_guards_and_block_arms():
    assert lines("""
        let r = match 5 {
            1 => "one"
            _ => { print("block arm") }
        }
        let g = match 5 {
            n if n > 10 => "big"
            n if n > 3 => "medium " + str(n)
            _ => "small"
        }
        print(r, g)
    """) == ["block arm", "nil medium 5"]


def test_return_break_and_continue_inside_block_arms():
    assert lines("""
        fn first_zero(xs) {
            for i, x in xs {
                match x {
                    0 => { return i }
                    _ => {}
                }
            }
            return -1
        }
        let seen = []
        for x in [1, 2, 3, 4, 5] {
            match x {
                2 => { continue }
                4 => { break }
                _ => { seen.push(x) }
            }
        }
        print(first_zero([3, 0, 1]), first_zero([1]), seen)
    """) == ["1 -1 [1, 3]"]


def test_no_matching_arm_is_a_match_error():
    assert kind_of("match 3 { 1 => print(1) }") == "MatchError"
    assert kind_of("match 3 { Point(x) => 1 }") == "RuntimeError"  # an unknown name, when not checked
    assert kind_of("let n = 5\nmatch 3 { n.Foo => 1 }") == "TypeError"
