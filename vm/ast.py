"""The Esker syntax tree: plain dataclasses, each carrying its source span.

The parser builds these; the checker, the tree-walking interpreter, the
compiler, the formatter and the language server read them. Every node's first
field is `span` (see `source.Span`). Names that an editor can point at
(declared names, field names, the parts of an import) are `Ident` nodes so
they have spans of their own.

Design notes:
- `fn (x) => expr` is stored as a `FnExpr` whose body is a `Block` holding one
  `Return` (with the expression's span) and `arrow=True`, so every consumer
  sees one shape of function body.
- `a.m(x)` is a `MethodCall`, not a `Call` of a `Field`: method lookup differs
  from field reads (§6) and the compiler emits a dedicated instruction for it.
- `yield` is a statement (`Yield`); Esker has no value sent into a generator.
- Error nodes (`ErrorStmt`, `ErrorExpr`) stand where the parser recovered from
  a syntax error, so the rest of the file can still be analysed.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields

from .source import Span


#: Node classes whose __init__ `_make_inits` has yet to write.
_PENDING: list[type] = []


def _node(cls: type) -> type:
    """A syntax-tree dataclass: nodes compare by identity and share Node's
    repr; their __init__ methods, the ones a dataclass would have, are made
    together by `_make_inits` once every node class is defined."""
    cls = dataclass(cls, eq=False, repr=False, init=False)
    _PENDING.append(cls)
    return cls


@_node
class Node:
    """What every node has: the source it was parsed from. Nodes compare by
    identity; their repr is the one a dataclass would have."""

    span: Span

    def __repr__(self) -> str:
        # One method for all node classes: generating a __repr__ for each costs start-up time.
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__dataclass_fields__)
        return f"{type(self).__qualname__}({fields})"


@_node
class Ident(Node):
    """A name as written at a declaration or member position."""

    name: str


# ---------------------------------------------------------------- expressions

@_node
class Literal(Node):
    """`nil`, `true`, `false`, an int, a float or a string (escapes decoded)."""

    value: None | bool | int | float | str


@_node
class Name(Node):
    """A use of a variable, function, type or module by its name."""

    name: str


@_node
class Unary(Node):
    """`-x`, `~x` or `not x`."""

    op: str  # "-", "~", "not"
    operand: "Expr"


@_node
class Binary(Node):
    """Arithmetic, bitwise and comparison operators (not `and`/`or`, not ranges)."""

    op: str  # + - * / // % ** & | ^ << >> == != < <= > >= in, "not in"
    left: "Expr"
    right: "Expr"


@_node
class Logical(Node):
    """`a and b`, `a or b`: the right operand is evaluated only when needed."""

    op: str  # "and", "or"
    left: "Expr"
    right: "Expr"


@_node
class Conditional(Node):
    """`cond ? then : orelse`"""

    cond: "Expr"
    then: "Expr"
    orelse: "Expr"


@_node
class RangeExpr(Node):
    """`start..end` or `start..=end`."""

    start: "Expr"
    end: "Expr"
    inclusive: bool


@_node
class NamedArg(Node):
    """`name: value` in a call's argument list."""

    name: Ident
    value: "Expr"


@_node
class Call(Node):
    """`callee(args, name: value)`."""

    callee: "Expr"
    args: list["Expr"]
    kwargs: list[NamedArg] = field(default_factory=list)


@_node
class MethodCall(Node):
    """`receiver.name(args)`: a method, a static method or variant constructor
    on a type, a member function of a module, or a callable field."""

    receiver: "Expr"
    name: Ident
    args: list["Expr"]
    kwargs: list[NamedArg] = field(default_factory=list)


@_node
class Field(Node):
    """`obj.name`: a struct field, a module member, an enum variant or a static
    method of a type."""

    obj: "Expr"
    name: Ident


@_node
class Index(Node):
    """`obj[index]`."""

    obj: "Expr"
    index: "Expr"


@_node
class Slice(Node):
    """`obj[start:stop]`; a bound left out is None. Never an assignment target."""

    obj: "Expr"
    start: "Expr | None"
    stop: "Expr | None"


@_node
class TupleExpr(Node):
    """`()`, `(a,)`, `(a, b)`: a tuple."""

    items: list["Expr"]


@_node
class ArrayExpr(Node):
    """`[a, b]`."""

    items: list["Expr"]


@_node
class MapEntry(Node):
    """`key: value` in a map literal."""

    key: "Expr"
    value: "Expr"


@_node
class MapExpr(Node):
    """`{key: value, ...}`."""

    entries: list[MapEntry]


@_node
class Param(Node):
    """A parameter: `name`, `name = default` or `...name` (rest)."""

    name: Ident
    default: "Expr | None" = None
    rest: bool = False


@_node
class FnExpr(Node):
    """An anonymous function `fn (a, b) { ... }` or `fn (a) => expr`."""

    params: list[Param]
    body: "Block"
    arrow: bool = False


@_node
class MatchArm(Node):
    """`pattern if guard => body` in a `match`."""

    pattern: "Pattern"
    guard: "Expr | None"
    body: "Expr | Block"  # a Block arm evaluates to nil


@_node
class Match(Node):
    """`match subject { arms }`."""

    subject: "Expr"
    arms: list[MatchArm]


@_node
class FStringText(Node):
    """Literal text of an f-string, escapes decoded and `{{`/`}}` as braces."""

    value: str


@_node
class FormatSpec(Node):
    """The spec after the `:` of a replacement field, as written (the span
    leaves out the `:`)."""

    text: str


@_node
class FormatField(Node):
    """`{expr}` or `{expr:spec}` in an f-string: the value converted with
    `str`, or formatted by the spec. The span covers the braces."""

    expr: "Expr"
    spec: FormatSpec | None = None


@_node
class FString(Node):
    """`f"..."` (also raw `rf"..."` and triple-quoted): literal texts and
    replacement fields, in order."""

    parts: list[FStringText | FormatField]


@_node
class ErrorExpr(Node):
    """Placeholder where an expression failed to parse."""


Expr = (Literal | Name | Unary | Binary | Logical | Conditional | RangeExpr | Call | MethodCall |
        Field | Index | Slice | TupleExpr | ArrayExpr | MapExpr | FnExpr | Match | FString |
        ErrorExpr)


# ------------------------------------------------------------------ patterns

@_node
class PWildcard(Node):
    """`_`"""


@_node
class PBind(Node):
    """A plain name: matches anything and binds it."""

    name: str


@_node
class PLiteral(Node):
    """`0`, `-1`, `2.5`, `"s"`, `true`, `nil`: matches by `==`."""

    value: None | bool | int | float | str


@_node
class PRange(Node):
    """`1..=9` / `1..10`: matches ints in the range."""

    low: int
    high: int
    inclusive: bool


@_node
class POr(Node):
    """`p | q`: a pattern that matches when one of its alternatives does."""

    alternatives: list["Pattern"]


@_node
class PTuple(Node):
    """`()`, `(p,)`, `(p, q)`: a tuple pattern."""

    items: list["Pattern"]


@_node
class PArray(Node):
    """`[a, b]`, `[]`, `[first, ...rest]` (`rest` binds the remaining items as
    an array; `..._` or `...` ignores them)."""

    items: list["Pattern"]
    rest: "PBind | PWildcard | None" = None


@_node
class PVariant(Node):
    """`Shape.Rect(w, _)` or `Shape.Empty`; `path` is the enum's dotted name
    (e.g. [Shape] or [geometry, Shape]), `variant` the variant."""

    path: list[Ident]
    variant: Ident
    args: "list[Pattern] | None"  # None: written without parentheses


@_node
class PFieldPattern(Node):
    """`x: pattern` or plain `x` (binds the field to the name `x`)."""

    name: Ident
    pattern: "Pattern | None"


@_node
class PStruct(Node):
    """`Point(x: 0, y)`: `path` is the struct's dotted name."""

    path: list[Ident]
    fields: list[PFieldPattern]


Pattern = PWildcard | PBind | PLiteral | PRange | POr | PTuple | PArray | PVariant | PStruct


# --------------------------------------------------------------- statements

@_node
class BindName(Node):
    """A name bound by `let`, `const`, `for` or `catch`."""

    name: str


@_node
class BindTuple(Node):
    """`(a, b)` on the left of `let` or in `for`: destructures a tuple or array
    of exactly that length."""

    items: list["Binding"]


Binding = BindName | BindTuple


@_node
class Block(Node):
    """`{ statements }`."""

    body: list["Stmt"]


@_node
class Let(Node):
    """`let target = value`, `let x` (value None: nil) or `const NAME = value`."""

    target: Binding
    value: "Expr | None"
    const: bool = False
    doc: str | None = None


@_node
class Assign(Node):
    """`target = value` or `target op= value` (op is "+", "-", ... or None).

    `target` is a Name, Field, Index, or (for plain `=`) a TupleExpr of those.
    """

    target: Expr
    op: str | None
    value: Expr


@_node
class ExprStmt(Node):
    """An expression used as a statement."""

    expr: Expr


@_node
class If(Node):
    """`if cond { then } else ...`; `orelse` is a Block, an If (`else if`) or None."""

    cond: Expr
    then: Block
    orelse: "Block | If | None" = None


@_node
class While(Node):
    """`while cond { body }`."""

    cond: Expr
    body: Block


@_node
class For(Node):
    """`for x in it` (index None) or `for i, x in it`."""

    index: Binding | None
    var: Binding
    iterable: Expr
    body: Block


@_node
class Break(Node):
    """`break`."""


@_node
class Continue(Node):
    """`continue`."""


@_node
class Return(Node):
    """`return` or `return value`."""

    value: Expr | None


@_node
class Yield(Node):
    """`yield` or `yield value` (makes its function a generator)."""

    value: Expr | None


@_node
class Throw(Node):
    """`throw value`."""

    value: Expr


@_node
class Try(Node):
    """`try body catch name handler finally finalizer`: at least one of
    `handler` and `finalizer` is present."""

    body: Block
    name: BindName | None  # `catch e` binds e; `catch` alone binds nothing
    handler: Block | None
    finalizer: Block | None = None


@_node
class ImportPath(Node):
    """The string of `import "lib/text.esk"`, as written (escapes decoded)."""

    value: str

    @property
    def stem(self) -> str:
        """The file name without its folder and suffix: the name the import binds."""
        return path_stem(self.value)


def path_stem(path: str) -> str:
    """`lib/text.esk` -> `text`: the name `import "lib/text.esk"` binds."""
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    return name[:-4] if name.endswith(".esk") else name


@_node
class Import(Node):
    """`import a.b as c`: parts [a, b], alias c (None: binds the last part);
    or `import "path/file.esk" as c`: no parts, `path` set (None alias: binds
    the file's stem, with the string's span)."""

    parts: list[Ident]
    alias: Ident | None = None
    path: ImportPath | None = None

    @property
    def bound_name(self) -> Ident:
        if self.alias is not None:
            return self.alias
        if self.path is not None:
            return Ident(self.path.span, self.path.stem)
        return self.parts[-1]

    @property
    def label(self) -> str:
        """How messages name the module: `a.b` or `"path/file.esk"`."""
        return ".".join(part.name for part in self.parts) if self.path is None else f'"{self.path.value}"'


@_node
class FnDecl(Node):
    """`fn name(params) { body }`; `doc` is the comment block above it."""

    name: Ident
    params: list[Param]
    body: Block
    doc: str | None = None


@_node
class FieldDecl(Node):
    """A struct field: `name` or `name = default`."""

    name: Ident
    default: Expr | None = None


@_node
class StructDecl(Node):
    """`struct Name { fields and methods }`."""

    name: Ident
    fields: list[FieldDecl]
    methods: list[FnDecl]
    doc: str | None = None


@_node
class VariantDecl(Node):
    """An enum variant: `Name` or `Name(fields)`."""

    name: Ident
    fields: list[Ident] | None  # None: a variant without payload


@_node
class EnumDecl(Node):
    """`enum Name { variants and methods }`."""

    name: Ident
    variants: list[VariantDecl]
    methods: list[FnDecl]
    doc: str | None = None


@_node
class ErrorStmt(Node):
    """Placeholder for a statement the parser skipped after a syntax error."""


Stmt = (Let | Assign | ExprStmt | If | While | For | Break | Continue | Return | Yield | Throw |
        Try | Import | FnDecl | StructDecl | EnumDecl | Block | ErrorStmt)


@_node
class Comment(Node):
    """A `#` comment, kept for the formatter and for declaration docs."""

    text: str  # without the leading '#'


@_node
class Program(Node):
    """A whole file: its statements and its comments."""

    body: list[Stmt]
    comments: list[Comment] = field(default_factory=list)


Declaration = FnDecl | StructDecl | EnumDecl


def _make_inits(classes: list[type]) -> None:
    """Gives each class the __init__ a dataclass would have (fields in order,
    defaults, a fresh value from each default factory), all compiled as one
    piece of source: dataclasses compiles every method on its own, which for
    the tree's 60-odd classes was most of this module's import time. Node
    classes have no __post_init__, InitVar or init=False fields."""
    namespace: dict = {"FACTORY": _FACTORY}
    source = []
    for number, cls in enumerate(classes):
        params, body = ["self"], []
        for item in fields(cls):
            name = item.name
            if item.default_factory is not MISSING:
                namespace[f"make_{number}_{name}"] = item.default_factory
                params.append(f"{name}=FACTORY")
                body.append(f"self.{name} = make_{number}_{name}() if {name} is FACTORY else {name}")
                continue
            if item.default is not MISSING:
                namespace[f"default_{number}_{name}"] = item.default
                params.append(f"{name}=default_{number}_{name}")
            else:
                params.append(name)
            body.append(f"self.{name} = {name}")
        source.append(f"def init_{number}({', '.join(params)}):\n    " + "\n    ".join(body))
    exec("\n".join(source), namespace)
    for number, cls in enumerate(classes):
        init = namespace[f"init_{number}"]
        init.__name__, init.__qualname__ = "__init__", f"{cls.__qualname__}.__init__"
        cls.__init__ = init
    classes.clear()


#: The default of a parameter whose field has a default factory (shown as dataclasses shows it).
_FACTORY = type("Factory", (), {"__repr__": lambda self: "<factory>"})()
_make_inits(_PENDING)


def children(node: Node):
    """The direct child nodes of `node`, in source order (for generic walks)."""
    for name in node.__dataclass_fields__:
        if name == "span":
            continue
        value = getattr(node, name)
        if isinstance(value, Node):
            yield value
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, Node):
                    yield item


def binders(target: Binding) -> list[BindName]:
    """The name nodes a `let`/`for` target binds, left to right."""
    if type(target) is BindName:
        return [target]
    return [name for item in target.items for name in binders(item)]


def bound_names(target: Binding) -> list[str]:
    """The names a `let`/`for` target binds, left to right."""
    return [node.name for node in binders(target)]


def visible_from(body: list[Stmt], start: int) -> dict[str, int]:
    """Where each name that a block's statements declare becomes visible
    (§4, §13.1): fn, struct and enum declarations from `start`, the start of
    the block; let, const and import from the end of their statement. A use
    before that offset means an outer declaration, or the builtin."""
    found: dict[str, int] = {}
    for statement in body:
        if isinstance(statement, (FnDecl, StructDecl, EnumDecl)):
            found.setdefault(statement.name.name, start)
        elif type(statement) is Let:
            for name in bound_names(statement.target):
                found.setdefault(name, statement.span.end)
        elif type(statement) is Import:
            found.setdefault(statement.bound_name.name, statement.span.end)
    return found


def top_level_names(program: Program) -> list[str]:
    """A module's members: its top-level let, const, fn, struct and enum names."""
    names: list[str] = []
    for statement in program.body:
        if isinstance(statement, (FnDecl, StructDecl, EnumDecl)):
            names.append(statement.name.name)
        elif type(statement) is Let:
            names.extend(bound_names(statement.target))
    return names
