"""The tree-walking interpreter: the reference semantics of Esker.

It runs the syntax tree directly, sharing values, operators, printing and
builtins with the register VM (`esker.vm.runtime`), so the two engines can be
checked against each other.

- Scopes: every run of a block that declares names gets a fresh `Scope` (a dict
  and a parent link), as does every loop iteration, so closures capture
  variables by reference and each iteration's variables are its own. `fn`,
  `struct` and `enum` declarations are bound when their block starts.
- Control flow: statements return None or a signal (`BREAK`, `CONTINUE`, a
  `_Return`); a signal raised inside an expression (a `match` arm block that
  says `return`) travels as `_Escape` to the statement around it.
- Errors: an `EskerError` records the position of the innermost expression or
  statement it passes in each frame, and the frame's function name when it
  leaves the call, giving the §7 trace innermost first.
- Generators run their bodies as Python generators: statements that contain no
  `yield` run in the ordinary executor, the others in a generator-based twin.
  An expression can contain a `yield` only through a `match` arm block; such an
  expression has its operands evaluated first (left to right, resumably) and is
  then evaluated on a copy of its node that holds those values. This keeps each
  `yield` as cheap as a Python one, with no threads.
- Depth: Esker calls recurse in Python, so programs run on a thread with a
  large stack and a raised Python recursion limit. The call depth is capped
  as on the VM (`max_depth`, the module's top level counting as one call),
  with the VM's `StackOverflow`. Python's own recursion limit,
  met anywhere in Esker code, is the `StackOverflow` of the innermost
  expression or statement where it struck, caught by `catch` like any error.
"""

from __future__ import annotations

import os
import sys
import typing
from dataclasses import dataclass, field as dataclass_field, fields, replace
from typing import TextIO

from . import ast
from .deep import DEFAULT_MAX_DEPTH, call_with_deep_stack
from .diagnostics import Severity
from .modules import ModuleLoader, ModuleReadError, describe as describe_import, missing as missing_module, module_identity
from .parser import parse
from .runtime import builtins, ops
from .runtime.errors import (EskerError, ProgramExit, TraceEntry, arity_error, format_uncaught,
                             named_arguments_error, runtime_error, stack_overflow, too_many_calls)
from .runtime.formatting import format_text
from .runtime.host import Host
from .runtime.printing import brief_repr, to_str
from .runtime.values import (EnumType, EnumValue, Function, Generator, Module, ModuleMembers, StructInstance,
                             StructType)
from .source import SourceText, Span

#: Python frames one Esker call can take (an expression nested in a few blocks);
#: sizes the Python recursion limit while a program runs.
_PYTHON_FRAMES_PER_CALL = 25

_truthy = ops.truthy


def python_recursion_limit(max_depth: int = DEFAULT_MAX_DEPTH) -> int:
    """The Python recursion limit a program needs to reach `max_depth` nested
    Esker calls on the tree-walker (it raises the limit to this when it runs)."""
    return max_depth * _PYTHON_FRAMES_PER_CALL + 1_000

_BINARY = ops.BINARY
_DECLARATIONS = (ast.FnDecl, ast.StructDecl, ast.EnumDecl)
#: Nodes whose bodies belong to another function, so their yields are not ours.
_YIELD_BOUNDARIES = (ast.FnExpr, ast.FnDecl, ast.StructDecl, ast.EnumDecl)


class Scope:
    """The variables of one run of a block (or one call, or one loop iteration).

    `owner` is the Block (or Program) whose `let`s it holds, for names that a
    later `let` of that block must not capture (see `_late_names`)."""

    __slots__ = ("vars", "parent", "owner")

    def __init__(self, parent: Scope | None, owner: ast.Node | None = None):
        self.vars: dict[str, object] = {}
        self.parent = parent
        self.owner = owner


class _Return:
    __slots__ = ("value",)

    def __init__(self, value: object):
        self.value = value


class _TailCall:
    """A `return f(x)` in tail position, to be run in place of its caller."""

    __slots__ = ("function", "args")

    def __init__(self, function: "TreeFunction", args: list):
        self.function = function
        self.args = args


BREAK = object()
CONTINUE = object()


class _Escape(Exception):
    """Carries a signal out of an expression to the statement that contains it."""

    def __init__(self, signal: object):
        super().__init__()
        self.signal = signal


@dataclass(eq=False)
class _Value(ast.Node):
    """An operand evaluated already (see the generator notes in the module docstring)."""

    value: object


_EXPRESSIONS = typing.get_args(ast.Expr) + (_Value,)


@dataclass
class _FunctionInfo:
    """What a call needs to know about a function declaration or literal."""

    name: str | None
    params: list[ast.Param]  # without the rest parameter
    rest: str | None
    required: int  # parameters without a default
    body: ast.Block
    is_generator: bool
    path: str  # as shown in traces
    param_names: list[str] = dataclass_field(init=False)
    hoisted: tuple = dataclass_field(init=False)  # the body's fn/struct/enum declarations
    fixed: bool = dataclass_field(init=False)  # no defaults and no rest: takes exactly `required`

    def __post_init__(self):
        self.param_names = [param.name.name for param in self.params]
        self.hoisted = _block_info(self.body.body).hoisted
        self.fixed = self.rest is None and self.required == len(self.params)

    def accepts(self, given: int) -> bool:
        """Whether a call with `given` positional arguments fits the parameters."""
        return self.required <= given and (self.rest is not None or given <= len(self.params))

    def arity_error(self, given: int) -> EskerError:
        return arity_error(self.name, self.required, None if self.rest else len(self.params), given)


@dataclass
class _BlockInfo:
    needs_scope: bool  # declares names (so each run gets a Scope)
    hoisted: tuple  # fn/struct/enum declarations, bound when the block starts


class TreeFunction(Function):
    """A closure of the tree-walker: a function's info and the scope it was made in."""

    __slots__ = ("info", "env")

    def __init__(self, info: _FunctionInfo, env: Scope):
        super().__init__(info.name)
        self.info = info
        self.env = env


class TreeGenerator(Generator):
    """A suspended generator body: a Python generator over the body's statements,
    created at the first resume so that calling a generator function runs nothing."""

    __slots__ = ("_interpreter", "_function", "_scope", "_frames", "_running", "_done")

    def __init__(self, interpreter: Interpreter, function: TreeFunction, scope: Scope):
        super().__init__(function.name)
        self._interpreter = interpreter
        self._function = function
        self._scope = scope
        self._frames = None
        self._running = False
        self._done = False

    def resume(self, engine) -> tuple[bool, object]:
        if self._done:
            return True, None
        if self._running:
            raise runtime_error("RuntimeError", f"generator {self.name or '<fn>'} resumed while it is running")
        interpreter = self._interpreter
        info = self._function.info
        if self._frames is None:
            interpreter._hoist(info.hoisted, self._scope)
            self._frames = interpreter._gen_statements(info.body.body, self._scope)
        interpreter._enter_frame()
        self._running = True
        try:
            return False, next(self._frames)
        except StopIteration:
            self._done = True
            return True, None
        except _ERRORS as error:
            self._done = True
            raise _leaving_frame(error, self.name, info.path) from None
        finally:
            self._running = False
            interpreter.depth -= 1


#: What `catch` catches as an Esker error: Python's recursion limit, met
#: anywhere in Esker code, is the StackOverflow of that place (`_esker_error`).
_CATCHABLE = (EskerError, RecursionError)
#: What records the places it passes while it unwinds: those, and a ProgramExit
#: (a stop's trace is its report; `exit()`'s is never shown).
_ERRORS = (*_CATCHABLE, ProgramExit)


def _esker_error(error: BaseException) -> BaseException:
    """The error to go on with: Python's recursion limit is a StackOverflow,
    as on the register VM; any other exception stays itself."""
    return stack_overflow() if isinstance(error, RecursionError) else error


def _located(error: EskerError | RecursionError | ProgramExit, span: Span) -> EskerError | ProgramExit:
    """`_locate`, returning the error (for `raise _located(...)`); a recursion
    overflow becomes a StackOverflow located here. The error's Python traceback
    is dropped: it says nothing to a user, and on the way out of a deep
    recursion it would keep every Python frame alive until the end."""
    error = _esker_error(error)
    _locate(error, span)
    return error.with_traceback(None)


def _locate(error: EskerError | ProgramExit, span: Span) -> None:
    """Records where the error passed in the current frame, unless a more inner
    place of the same frame is recorded already. The entry's function and path
    are filled in when the error leaves the frame (`_leaving_frame`).
    `exit()` on its way out records nothing (only a stop's trace is shown)."""
    if type(error) is ProgramExit and not error.interrupted:
        return
    trace = error.trace
    if not trace or trace[-1].function is not None:
        trace.append(TraceEntry(None, None, span.line, span.col))


def _leaving_frame(error: EskerError | RecursionError | ProgramExit, name: str | None,
                   path: str) -> EskerError | ProgramExit:
    """The error as it leaves a frame of function `name`: a Python recursion
    overflow becomes StackOverflow, and the frame's trace entry is completed."""
    error = _esker_error(error)
    trace = error.trace
    if trace and trace[-1].function is None:
        trace[-1].function = name or "<fn>"
        trace[-1].path = path
    return error.with_traceback(None)


def _next_iteration_span(loop: ast.While | ast.For) -> Span:
    """Where a loop stopped between two iterations is, as the register VM
    says (at the instruction its back edge jumps to): a `while` loop's
    condition, unless it is a constant (compiled away); the first statement
    of a range loop's body; a loop over anything else binds its variable
    first, at the loop."""
    if type(loop) is ast.While and type(loop.cond) is not ast.Literal:
        return loop.cond.span
    starts_with_body = type(loop) is ast.While or (type(loop.iterable) is ast.RangeExpr and loop.index is None)
    if starts_with_body and loop.body.body:
        return loop.body.body[0].span
    return loop.span


def _unpack(value: object, count: int) -> list | tuple:
    """The items of a tuple or array destructured into exactly `count` names."""
    if type(value) is not tuple and type(value) is not list:
        raise runtime_error("TypeError", f"cannot destructure {ops.type_name(value)}: expected a tuple or array")
    if len(value) != count:
        raise runtime_error("ValueError", f"expected {count} values to destructure, got {len(value)}")
    return value


class Interpreter:
    """Runs Esker syntax trees. Implements the engine protocol the builtins use:
    `call(fn, args, kwargs)` and `host` (`runtime/host.py`; `stdout` alone is
    a shorthand for a host that writes standard output there)."""

    def __init__(self, loader: ModuleLoader | None = None, stdout: TextIO | None = None,
                 max_depth: int = DEFAULT_MAX_DEPTH, host: Host | None = None):
        self.loader = loader if loader is not None else ModuleLoader()
        self.max_depth = max_depth
        self.depth = 0
        self.host = host if host is not None else Host(stdout=stdout)
        self._globals = Scope(None)
        self._globals.vars.update(builtins.make_globals(self))
        self._modules: dict[str, object] = {}  # absolute path -> Module, or _LOADING
        self._functions: dict[ast.Node, _FunctionInfo] = {}
        self._blocks: dict[ast.Node, _BlockInfo] = {}
        self._import_origins: dict[ast.Import, str] = {}
        self._yielding: set[ast.Node] = set()
        self._tail_returns: set[ast.Return] = set()
        #: Names that must pass over some enclosing blocks' bindings (`_late_names`).
        self._late: dict[ast.Node, frozenset] = {}
        self._expr = self._expression_handlers()
        self._stmt = self._statement_handlers()
        self._gen_stmt_handlers = self._generator_statement_handlers()
        self._patterns = self._pattern_handlers()
        self._stop_requested = False

    # ------------------------------------------------------ engine protocol

    def call(self, fn, args: list, kwargs: dict | None = None):
        """Calls any Esker callable with evaluated arguments."""
        if type(fn) is TreeFunction:
            if kwargs:
                raise named_arguments_error(fn.name)
            return self._call_function(fn, args)
        return ops.call_native(self, fn, args, kwargs)

    def stop(self) -> None:
        """Asks the running program to stop soon (from any thread; Ctrl-C in
        `esker run`): at its next call or loop iteration it raises
        ProgramExit(130, interrupted=True), which runs the finally blocks on
        its way out and is never caught, as on the VM."""
        self._stop_requested = True

    def cancel_stop(self) -> None:
        self._stop_requested = False

    @property
    def stop_pending(self) -> bool:
        return self._stop_requested

    def _honour_stop(self, loop: ast.While | ast.For | None = None) -> None:
        """Raises the stop asked for; between two iterations of `loop`, its
        trace begins where the next iteration would (`_next_iteration_span`)."""
        if self._stop_requested:
            self._stop_requested = False
            stop = ProgramExit(130, interrupted=True)
            if loop is not None:
                _locate(stop, _next_iteration_span(loop))
            raise stop

    # ------------------------------------------------------------ programs

    def run_program(self, program: ast.Program, source: SourceText) -> None:
        """Runs a parsed main program; raises EskerError if an error is not caught.

        The program runs on a thread with a large stack (`deep.call_with_deep_stack`),
        with Python's recursion limit raised to match `max_depth`: Esker calls
        recurse in Python, and resuming nested generators uses the C stack.
        The limit is put back afterwards, since it is process-wide and the VM
        counts on its own (its deep comparisons end in StackOverflow there).
        """
        previous, needed = sys.getrecursionlimit(), python_recursion_limit(self.max_depth)
        if previous < needed:
            sys.setrecursionlimit(needed)
        self._modules[module_identity(source.path)] = _LOADING
        try:
            call_with_deep_stack(lambda: self._run_module(program, source.path, source.path))
        finally:
            if previous < needed and sys.getrecursionlimit() == needed:
                sys.setrecursionlimit(previous)

    def _run_module(self, program: ast.Program, path: str, shown_path: str) -> Scope:
        """Runs a module's top level in a fresh scope (returned) below the globals.
        `path` is where its imports are resolved from, `shown_path` how traces name it."""
        self._prepare(program, path, shown_path)
        scope = Scope(self._globals, program)
        self._enter_frame()  # a module's top level counts as a frame, as on the VM
        try:
            self._hoist(self._blocks[program].hoisted, scope)
            signal = self._run_statements(program.body, scope)
        except _ERRORS as error:
            raise _leaving_frame(error, "<module>", shown_path) from None
        finally:
            self.depth -= 1
        if signal is not None:
            raise runtime_error("RuntimeError", "break, continue or return outside a function")
        return scope

    def _load_module(self, node: ast.Import) -> Module:
        spec = node.path.value if node.path is not None else tuple(part.name for part in node.parts)
        dotted, name = describe_import(spec)
        path = self.loader.locate(spec, self._import_origins[node])
        if path is None:
            raise runtime_error("ImportError", missing_module(spec))
        known = self._modules.get(path)
        if known is _LOADING:
            raise runtime_error("ImportError", f"circular import of module {dotted}")
        if known is not None:
            return known
        try:
            parsed = parse(self.loader.read(path), path)
        except ModuleReadError as error:
            raise runtime_error("ImportError", str(error)) from None
        problems = [d for d in parsed.diagnostics if d.severity == Severity.ERROR]
        if problems:
            shown = os.path.relpath(path)  # as traces and `esker check` name an imported file
            raise runtime_error("ImportError", f"module {dotted} has errors: {problems[0].format(shown)}")
        self._modules[path] = _LOADING
        try:
            scope = self._run_module(parsed.program, path, os.path.relpath(path))
        finally:
            del self._modules[path]
        module = Module(name, path, ModuleMembers(scope.vars, ast.top_level_names(parsed.program)))
        self._modules[path] = module
        return module

    # ----------------------------------------------------------- preparing

    def _prepare(self, program: ast.Program, path: str, shown_path: str) -> None:
        """Indexes a program once before it runs: the info of every function and
        block, the file each import is resolved from, and which nodes of each
        generator body contain a `yield`."""
        self._blocks[program] = _block_info(program.body)
        self._late.update(_late_names(program))
        pending: list[tuple[ast.Node, str | None]] = [(child, None) for child in ast.children(program)]
        while pending:
            node, owner = pending.pop()
            kind = type(node)
            if kind is ast.Block:
                self._blocks[node] = _block_info(node.body)
            elif kind is ast.FnDecl or kind is ast.FnExpr:
                self._functions[node] = self._function_info(node, shown_path, owner)
            elif kind is ast.Import:
                self._import_origins[node] = path
            member_owner = node.name.name if kind is ast.StructDecl or kind is ast.EnumDecl else None
            pending.extend((child, member_owner) for child in ast.children(node))

    def _function_info(self, node: ast.FnDecl | ast.FnExpr, shown_path: str, owner: str | None) -> _FunctionInfo:
        name = node.name.name if type(node) is ast.FnDecl else None
        if owner is not None:
            name = f"{owner}.{name}"
        params = [param for param in node.params if not param.rest]
        rest = next((param.name.name for param in node.params if param.rest), None)
        required = sum(1 for param in params if param.default is None)
        is_generator = self._mark_yields(node.body)
        if not is_generator:
            self._tail_returns.update(_tail_returns(node.body))
        return _FunctionInfo(name, params, rest, required, node.body, is_generator, shown_path)

    def _mark_yields(self, node: ast.Node) -> bool:
        """Adds to `_yielding` every node under `node` (this function's own code)
        that contains a `yield`; True if `node` does."""
        found = type(node) is ast.Yield
        for child in ast.children(node):
            if not isinstance(child, _YIELD_BOUNDARIES) and self._mark_yields(child):
                found = True
        if found:
            self._yielding.add(node)
        return found

    # --------------------------------------------------------------- calls

    def _enter_frame(self) -> None:
        if self.depth >= self.max_depth:
            raise too_many_calls(self.max_depth)
        if self._stop_requested:
            self._honour_stop()
        self.depth += 1

    def _call_function(self, fn: TreeFunction, args: list):
        """Runs a call; a tail call its body ends with runs in the same frame
        (and Python frame), replacing it, so tail recursion takes no stack."""
        info = fn.info
        if not (info.fixed and len(args) == info.required) and not info.accepts(len(args)):
            raise info.arity_error(len(args))
        self._enter_frame()
        try:
            while True:
                scope = Scope(fn.env, info.body)
                try:
                    self._bind_params(info, args, scope)
                    if info.is_generator:
                        return TreeGenerator(self, fn, scope)
                    if info.hoisted:
                        self._hoist(info.hoisted, scope)
                    signal = self._run_statements(info.body.body, scope)
                except _ERRORS as error:
                    raise _leaving_frame(error, fn.name, info.path) from None
                if type(signal) is not _TailCall:
                    return signal.value if type(signal) is _Return else None
                fn, args = signal.function, signal.args
                info = fn.info
        finally:
            self.depth -= 1

    def _bind_params(self, info: _FunctionInfo, args: list, scope: Scope) -> None:
        """Binds arguments to parameters; defaults are evaluated now, in the
        callee's scope, so they can use the parameters before them."""
        names = scope.vars
        names.update(zip(info.param_names, args))
        for param in info.params[len(args):]:
            if param.default is None:  # a parameter without default after one with (a syntax error)
                raise info.arity_error(len(args))
            names[param.name.name] = self.eval(param.default, scope)
        if info.rest is not None:
            names[info.rest] = list(args[len(info.params):])

    def _named_args(self, named: list[ast.NamedArg], env: Scope) -> dict:
        values: dict[str, object] = {}
        for arg in named:
            if arg.name.name in values:
                raise runtime_error("ArityError", f"named argument `{arg.name.name}` is given twice")
            values[arg.name.name] = self.eval(arg.value, env)
        return values

    # ---------------------------------------------------------- statements

    def _run_statements(self, body: list, env: Scope):
        """Runs statements in order: None, or the first signal one returns (for
        the enclosing loop or function). An error records the statement's
        position, unless a more inner one of this frame is recorded already."""
        handlers = self._stmt
        for statement in body:
            try:
                signal = handlers[type(statement)](statement, env)
            except _ERRORS as error:
                raise _located(error, statement.span)
            except _Escape as escape:
                signal = escape.signal
            if signal is not None:
                return signal
        return None

    def _block_scope(self, block: ast.Block, env: Scope) -> Scope:
        """The scope a run of `block` executes in: a fresh one if it declares names."""
        info = self._blocks[block]
        if not info.needs_scope:
            return env
        scope = Scope(env, block)
        if info.hoisted:
            self._hoist(info.hoisted, scope)
        return scope

    def _run_block(self, block: ast.Block, env: Scope):
        return self._run_statements(block.body, self._block_scope(block, env))

    def _hoist(self, declarations: tuple, scope: Scope) -> None:
        for declaration in declarations:
            scope.vars[declaration.name.name] = self._declare(declaration, scope)

    def _declare(self, node, scope: Scope):
        """The value a fn, struct or enum declaration binds in `scope`."""
        if type(node) is ast.FnDecl:
            return TreeFunction(self._functions[node], scope)
        methods, static_methods = {}, {}
        for method in node.methods:
            takes_self = bool(method.params) and method.params[0].name.name == "self"
            (methods if takes_self else static_methods)[method.name.name] = TreeFunction(self._functions[method], scope)
        if type(node) is ast.StructDecl:
            defaults = [None if field.default is None else self._default_thunk(field.default, scope)
                        for field in node.fields]
            return StructType(node.name.name, [field.name.name for field in node.fields], defaults,
                              methods, static_methods)
        variants = [(variant.name.name, None if variant.fields is None else [f.name for f in variant.fields])
                    for variant in node.variants]
        return EnumType(node.name.name, variants, methods, static_methods)

    def _default_thunk(self, expression: ast.Node, scope: Scope):
        return lambda: self.eval(expression, scope)

    def _statement_handlers(self) -> dict:
        return {
            ast.ExprStmt: self._expression_statement,
            ast.Let: self._let,
            ast.Assign: self._assign,
            ast.If: self._if,
            ast.While: self._while,
            ast.For: self._for,
            ast.Break: lambda node, env: BREAK,
            ast.Continue: lambda node, env: CONTINUE,
            ast.Return: self._return,
            ast.Yield: self._yield_outside_generator,
            ast.Throw: self._throw,
            ast.Try: self._try,
            ast.Import: self._import,
            ast.Block: self._run_block,
            ast.FnDecl: _nothing,
            ast.StructDecl: _nothing,
            ast.EnumDecl: _nothing,
            ast.ErrorStmt: _unparsed,
        }

    def _expression_statement(self, node: ast.ExprStmt, env: Scope):
        self.eval(node.expr, env)

    def _return(self, node: ast.Return, env: Scope):
        value = node.value
        if node in self._tail_returns:
            return self._tail_call(value, env)
        return _Return(None if value is None else self._expr[type(value)](value, env))

    def _let(self, node: ast.Let, env: Scope):
        value = None if node.value is None else self.eval(node.value, env)
        target = node.target
        if type(target) is ast.BindName:
            env.vars[target.name] = value
        else:
            self._bind(target, value, env.vars)

    def _bind(self, target, value, names: dict) -> None:
        if type(target) is ast.BindName:
            names[target.name] = value
        else:
            for item, part in zip(target.items, _unpack(value, len(target.items))):
                self._bind(item, part, names)

    def _assign(self, node: ast.Assign, env: Scope):
        """`target = value` and `target op= value`. Left to right: the target's
        object and index first, then (for `op=`) its old value, then the value."""
        target = node.target
        if type(target) is ast.Name:  # the common case, without building a place
            names = self._scope_of(target, env).vars
            if node.op is None:
                names[target.name] = self.eval(node.value, env)
            else:
                old = names[target.name]
                names[target.name] = _BINARY[node.op](old, self.eval(node.value, env))
            return None
        place = self._place(target, env)
        if node.op is None:
            value = self.eval(node.value, env)
        else:
            value = _BINARY[node.op](self._load(place), self.eval(node.value, env))
        self._store(place, value)

    def _place(self, target, env: Scope) -> tuple:
        """Where an assignment stores: (names dict, name), (object, field name),
        (container, index) or a list of places for a tuple target, tagged."""
        kind = type(target)
        if kind is ast.Name:
            return _VARIABLE, self._scope_of(target, env).vars, target.name
        if kind is ast.Field:
            return _FIELD, self.eval(target.obj, env), target.name.name
        if kind is ast.Index:
            return _ELEMENT, self.eval(target.obj, env), self.eval(target.index, env)
        if kind is ast.TupleExpr:
            return _TUPLE, [self._place(item, env) for item in target.items], None
        raise runtime_error("TypeError", "cannot assign to this expression")

    def _load(self, place: tuple):
        tag, container, key = place
        if tag is _VARIABLE:
            return container[key]
        if tag is _FIELD:
            return ops.get_field(container, key)
        if tag is _ELEMENT:
            return ops.get_index(container, key)
        raise runtime_error("TypeError", "a tuple of targets takes only plain assignment")

    def _store(self, place: tuple, value) -> None:
        tag, container, key = place
        if tag is _VARIABLE:
            container[key] = value
        elif tag is _FIELD:
            ops.set_field(container, key, value)
        elif tag is _ELEMENT:
            ops.set_index(container, key, value)
        else:
            for item, part in zip(container, _unpack(value, len(container))):
                self._store(item, part)

    def _scope_of(self, target: ast.Name, env: Scope) -> Scope:
        """The scope holding the variable an assignment to `target` changes."""
        name = target.name
        skipped = self._late.get(target, ()) if self._late else ()
        scope = env
        while scope is not self._globals:
            if name in scope.vars and scope.owner not in skipped:
                return scope
            scope = scope.parent
        if name in scope.vars:
            raise runtime_error("TypeError", f"cannot assign to the builtin `{name}`; declare it with let first")
        raise _undefined(name)

    def _if(self, node: ast.If, env: Scope):
        evaluate = self._expr
        while True:  # an `else if` chain is walked here rather than recursively
            cond = node.cond
            if _truthy(evaluate[type(cond)](cond, env)):
                return self._run_block(node.then, env)
            node = node.orelse
            if node is None:
                return None
            if type(node) is not ast.If:
                return self._run_block(node, env)

    def _while(self, node: ast.While, env: Scope):
        while _truthy(self.eval(node.cond, env)):
            signal = self._run_block(node.body, env)
            if signal is not None and signal is not CONTINUE:
                return None if signal is BREAK else signal
            if self._stop_requested:
                self._honour_stop(node)
        return None

    def _for(self, node: ast.For, env: Scope):
        for item in self._loop_items(node, env):
            signal = self._run_block(node.body, self._iteration_scope(node, item, env))
            if signal is not None and signal is not CONTINUE:
                return None if signal is BREAK else signal
            if self._stop_requested:
                self._honour_stop(node)
        return None

    def _loop_items(self, node: ast.For, env: Scope):
        iterable = self.eval(node.iterable, env)
        if node.index is None:
            return ops.iterate(self, iterable)
        return ops.iterate_pairs(self, iterable)

    def _iteration_scope(self, node: ast.For, item, env: Scope) -> Scope:
        """A fresh scope per iteration, so closures keep that iteration's values."""
        scope = Scope(env)
        if node.index is None:
            self._bind(node.var, item, scope.vars)
        else:
            self._bind(node.index, item[0], scope.vars)
            self._bind(node.var, item[1], scope.vars)
        return scope

    def _yield_outside_generator(self, node: ast.Yield, env: Scope):
        raise runtime_error("RuntimeError", "yield outside a generator function's body")

    def _throw(self, node: ast.Throw, env: Scope):
        raise EskerError(self.eval(node.value, env))

    def _try(self, node: ast.Try, env: Scope):
        """`try`/`catch`/`finally`. The `finally` block runs however the rest is
        left (an error, `exit()`, or a signal passing through); a signal of its
        own replaces whatever was leaving, an error included.

        Handlers run after the Python `except` clause, so that what they throw
        does not chain to what they caught: each level of a deep recursion
        that catches and throws again costs the same, not more each time."""
        if node.finalizer is None:
            return self._try_catch(node, env)
        try:
            signal = self._try_catch(node, env)
        except _ERRORS as error:
            leaving = _esker_error(error)
        else:
            final = self._run_block(node.finalizer, env)
            return signal if final is None else final
        final = self._run_block(node.finalizer, env)
        if final is not None:
            return final
        raise leaving

    def _try_catch(self, node: ast.Try, env: Scope):
        if node.handler is None:
            return self._run_block(node.body, env)
        try:
            return self._run_block(node.body, env)
        except _CATCHABLE as error:
            caught = _esker_error(error)
        return self._run_block(node.handler, _catch_scope(node, caught, env))

    def _import(self, node: ast.Import, env: Scope):
        env.vars[node.bound_name.name] = self._load_module(node)

    # --------------------------------------------------------- expressions

    # `eval` only dispatches. A handler whose own operation can fail records its
    # node's position on the error; errors from operands were recorded by the
    # operand already, and `_locate` keeps the innermost place of each frame.
    # Hot handlers dispatch on their operands' types directly rather than
    # through `eval`, which saves a Python call per node.

    def eval(self, node: ast.Node, env: Scope):
        """The value of an expression."""
        return self._expr[type(node)](node, env)

    def _expression_handlers(self) -> dict:
        return {
            ast.Literal: _constant,
            _Value: _constant,
            ast.Name: self._name,
            ast.Binary: self._binary,
            ast.Unary: self._unary,
            ast.Logical: self._logical,
            ast.Conditional: lambda node, env: self.eval(
                node.then if _truthy(self.eval(node.cond, env)) else node.orelse, env),
            ast.RangeExpr: self._range,
            ast.Call: self._call_expr,
            ast.MethodCall: self._method_call,
            ast.Field: self._field,
            ast.Index: self._index,
            ast.Slice: self._slice,
            ast.TupleExpr: lambda node, env: tuple([self.eval(item, env) for item in node.items]),
            ast.ArrayExpr: lambda node, env: [self.eval(item, env) for item in node.items],
            ast.MapExpr: self._map,
            ast.FnExpr: lambda node, env: TreeFunction(self._functions[node], env),
            ast.Match: self._match,
            ast.FString: self._fstring,
            ast.ErrorExpr: _unparsed,
        }

    def _fstring(self, node: ast.FString, env: Scope):
        """Each field is converted as soon as its value is known, as Python does."""
        return "".join([part.value if type(part) is ast.FStringText else self._format_field(part, env)
                        for part in node.parts])

    def _format_field(self, field: ast.FormatField, env: Scope) -> str:
        value = self.eval(field.expr, env)
        if field.spec is None:
            return to_str(value)
        try:
            return format_text(value, field.spec.text)
        except _ERRORS as error:
            raise _located(error, field.expr.span.merge(field.spec.span))

    def _name(self, node: ast.Name, env: Scope):
        late = self._late
        if late and node in late:
            return self._late_name(node, env)
        name = node.name
        scope = env
        while scope is not None:
            names = scope.vars
            if name in names:
                return names[name]
            scope = scope.parent
        raise _located(_undefined(name), node.span)

    def _late_name(self, node: ast.Name, env: Scope):
        """A name used where a `let` of an enclosing block, declared after the
        use, is not visible yet; a closure made there may run after the `let`,
        so that block's binding is passed over, as the checker resolves it."""
        skipped = self._late[node]
        scope = env
        while scope is not None:
            if node.name in scope.vars and scope.owner not in skipped:
                return scope.vars[node.name]
            scope = scope.parent
        raise _located(_undefined(node.name), node.span)

    def _binary(self, node: ast.Binary, env: Scope):
        evaluate = self._expr
        left, right = node.left, node.right
        left_value = evaluate[type(left)](left, env)
        right_value = evaluate[type(right)](right, env)
        try:
            return _BINARY[node.op](left_value, right_value)
        except _ERRORS as error:
            raise _located(error, node.span)

    def _unary(self, node: ast.Unary, env: Scope):
        value = self.eval(node.operand, env)
        if node.op == "not":
            return not _truthy(value)
        try:
            return ops.UNARY[node.op](value)
        except _ERRORS as error:
            raise _located(error, node.span)

    def _logical(self, node: ast.Logical, env: Scope):
        left = self.eval(node.left, env)
        if _truthy(left) == (node.op == "and"):
            return self.eval(node.right, env)
        return left

    def _range(self, node: ast.RangeExpr, env: Scope):
        start, end = self.eval(node.start, env), self.eval(node.end, env)
        try:
            return ops.make_range(start, end, node.inclusive)
        except _ERRORS as error:
            raise _located(error, node.span)

    def _call_expr(self, node: ast.Call, env: Scope):
        evaluate = self._expr
        callee = node.callee
        function = evaluate[type(callee)](callee, env)
        return self._invoke(node, function, [evaluate[type(arg)](arg, env) for arg in node.args], env)

    def _invoke(self, node: ast.Call, function, args: list, env: Scope):
        """Calls the evaluated callee of `node`; an error records the call's position."""
        try:
            if node.kwargs:
                return self.call(function, args, self._named_args(node.kwargs, env))
            if type(function) is TreeFunction:
                return self._call_function(function, args)
            return ops.call_native(self, function, args)
        except _ERRORS as error:
            raise _located(error, node.span)

    def _method_call(self, node: ast.MethodCall, env: Scope):
        receiver = self.eval(node.receiver, env)
        return self._invoke_method(node, receiver, [self.eval(arg, env) for arg in node.args], env)

    def _invoke_method(self, node: ast.MethodCall, receiver, args: list, env: Scope):
        try:
            kwargs = self._named_args(node.kwargs, env) if node.kwargs else None
            return builtins.call_method(self, receiver, node.name.name, args, kwargs)
        except _ERRORS as error:
            raise _located(error, node.span)

    def _tail_call(self, node: ast.Call | ast.MethodCall, env: Scope):
        """`return f(x)` or `return o.m(x)` in tail position: a `_TailCall` for
        `_call_function` to run in place of the caller when the callee is an
        Esker function that takes these arguments (as the VM's TAILCALL and
        TAILMETHOD do), else the call's value."""
        if type(node) is ast.Call:
            function = self.eval(node.callee, env)
            args = [self.eval(arg, env) for arg in node.args]
            if type(function) is TreeFunction and function.info.accepts(len(args)):
                return _TailCall(function, args)
            return _Return(self._invoke(node, function, args, env))
        receiver = self.eval(node.receiver, env)
        args = [self.eval(arg, env) for arg in node.args]
        function, arguments = _method_target(receiver, node.name.name, args)
        if type(function) is TreeFunction and function.info.accepts(len(arguments)):
            return _TailCall(function, arguments)
        return _Return(self._invoke_method(node, receiver, args, env))

    def _field(self, node: ast.Field, env: Scope):
        obj = self.eval(node.obj, env)
        try:
            return ops.get_field(obj, node.name.name)
        except _ERRORS as error:
            raise _located(error, node.span)

    def _index(self, node: ast.Index, env: Scope):
        obj, index = self.eval(node.obj, env), self.eval(node.index, env)
        try:
            return ops.get_index(obj, index)
        except _ERRORS as error:
            raise _located(error, node.span)

    def _slice(self, node: ast.Slice, env: Scope):
        obj = self.eval(node.obj, env)
        start = None if node.start is None else self.eval(node.start, env)
        stop = None if node.stop is None else self.eval(node.stop, env)
        try:
            return ops.get_slice(obj, start, stop)
        except _ERRORS as error:
            raise _located(error, node.span)

    def _map(self, node: ast.MapExpr, env: Scope) -> dict:
        result = {}
        for entry in node.entries:
            key = self.eval(entry.key, env)
            value = self.eval(entry.value, env)
            try:
                ops.check_key(key)
            except _ERRORS as error:
                raise _located(error, entry.key.span)
            result[key] = value
        return result

    def _match(self, node: ast.Match, env: Scope):
        subject = self.eval(node.subject, env)
        try:
            for arm in node.arms:
                scope = self._arm_scope(arm, subject, env)
                if scope is None or (arm.guard is not None and not _truthy(self.eval(arm.guard, scope))):
                    continue
                if type(arm.body) is not ast.Block:
                    return self.eval(arm.body, scope)
                return _arm_block_value(self._run_block(arm.body, scope))
            raise _no_arm(subject)
        except _ERRORS as error:
            raise _located(error, node.span)

    def _arm_scope(self, arm: ast.MatchArm, subject, env: Scope) -> Scope | None:
        """The scope of an arm whose pattern matches `subject` (holding what the
        pattern binds), or None when it does not match."""
        scope = Scope(env)
        return scope if self._matches(arm.pattern, subject, scope.vars, env) else None

    # ------------------------------------------------------------ patterns

    def _matches(self, pattern: ast.Node, value, names: dict, env: Scope) -> bool:
        """Whether `value` matches `pattern`; what the pattern binds goes into `names`."""
        return self._patterns[type(pattern)](pattern, value, names, env)

    def _pattern_handlers(self) -> dict:
        return {
            ast.PWildcard: lambda pattern, value, names, env: True,
            ast.PBind: _bind_pattern,
            ast.PLiteral: lambda pattern, value, names, env: ops.equals(value, pattern.value),
            ast.PRange: _range_pattern,
            ast.POr: lambda pattern, value, names, env: any(
                self._matches(alternative, value, names, env) for alternative in pattern.alternatives),
            ast.PTuple: lambda pattern, value, names, env: type(value) is tuple and self._all_match(
                pattern.items, value, names, env),
            ast.PArray: self._array_pattern,
            ast.PVariant: self._variant_pattern,
            ast.PStruct: self._struct_pattern,
        }

    def _all_match(self, patterns: list, values, names: dict, env: Scope) -> bool:
        if len(patterns) != len(values):
            return False
        for pattern, value in zip(patterns, values):
            if not self._matches(pattern, value, names, env):
                return False
        return True

    def _array_pattern(self, pattern: ast.PArray, value, names: dict, env: Scope) -> bool:
        if type(value) is not list:
            return False
        count = len(pattern.items)
        if pattern.rest is None:
            return self._all_match(pattern.items, value, names, env)
        if len(value) < count or not self._all_match(pattern.items, value[:count], names, env):
            return False
        if type(pattern.rest) is ast.PBind:
            names[pattern.rest.name] = value[count:]
        return True

    def _pattern_type(self, path: list[ast.Ident], env: Scope):
        """The struct or enum a pattern names (`Shape`, `geometry.Shape`)."""
        owner = self._name(path[0], env)  # an Ident has the name and span _name needs
        for part in path[1:]:
            owner = ops.get_field(owner, part.name)
        return owner

    def _variant_pattern(self, pattern: ast.PVariant, value, names: dict, env: Scope) -> bool:
        enum = self._pattern_type(pattern.path, env)
        if type(enum) is not EnumType:
            raise runtime_error("TypeError", f"{ops.type_name(enum)} is not an enum")
        variant = enum.variants.get(pattern.variant.name)
        if variant is None:
            raise runtime_error("AttributeError", f"enum {enum.name} has no variant `{pattern.variant.name}`")
        if type(value) is not EnumValue or value.variant is not variant:
            return False
        if pattern.args is None:
            return True
        return value.payload is not None and self._all_match(pattern.args, value.payload, names, env)

    def _struct_pattern(self, pattern: ast.PStruct, value, names: dict, env: Scope) -> bool:
        struct = self._pattern_type(pattern.path, env)
        if type(struct) is not StructType:
            raise runtime_error("TypeError", f"{ops.type_name(struct)} is not a struct")
        for field in pattern.fields:
            if field.name.name not in struct.field_index:
                raise runtime_error("AttributeError", f"{struct.name} has no field `{field.name.name}`")
        if type(value) is not StructInstance or value.type is not struct:
            return False
        for field in pattern.fields:
            item = value.values[struct.field_index[field.name.name]]
            if field.pattern is None:
                names[field.name.name] = item
            elif not self._matches(field.pattern, item, names, env):
                return False
        return True

    # ---------------------------------------------------------- generators

    def _gen_statements(self, body: list, env: Scope):
        """`_run_statements` for generator code (a Python generator): statements
        that contain a `yield` run resumably, the others as usual. Kept flat,
        since every `yield from` level is passed again at each resume."""
        yielding = self._yielding
        plain, resumable = self._stmt, self._gen_stmt_handlers
        for statement in body:
            try:
                if statement not in yielding:
                    signal = plain[type(statement)](statement, env)
                elif type(statement) is ast.Yield:
                    value = statement.value
                    yield None if value is None else (yield from self._gen_value(value, env))
                    signal = None
                else:
                    signal = yield from resumable[type(statement)](statement, env)
            except _ERRORS as error:
                raise _located(error, statement.span)
            except _Escape as escape:
                signal = escape.signal
            if signal is not None:
                return signal
        return None

    def _gen_block(self, block: ast.Block, env: Scope):
        """The generator that runs a block's statements (no extra level of its own)."""
        return self._gen_statements(block.body, self._block_scope(block, env))

    def _generator_statement_handlers(self) -> dict:
        return {
            ast.Block: self._gen_block,
            ast.If: self._gen_if,
            ast.While: self._gen_while,
            ast.For: self._gen_for,
            ast.Try: self._gen_try,
            ast.Assign: self._gen_assign,
            ast.ExprStmt: self._gen_operands_first,
            ast.Let: self._gen_operands_first,
            ast.Return: self._gen_operands_first,
            ast.Throw: self._gen_operands_first,
        }

    def _gen_value(self, node: ast.Node, env: Scope):
        """`eval` from generator code: resumable when the expression contains a `yield`."""
        if node not in self._yielding:
            return self.eval(node, env)
        try:
            kind = type(node)
            if kind is ast.Match:
                return (yield from self._gen_match(node, env))
            if kind is ast.Logical:
                left = yield from self._gen_value(node.left, env)
                if _truthy(left) == (node.op == "and"):
                    return (yield from self._gen_value(node.right, env))
                return left
            if kind is ast.Conditional:
                cond = yield from self._gen_value(node.cond, env)
                return (yield from self._gen_value(node.then if _truthy(cond) else node.orelse, env))
            evaluated = yield from self._with_operands(node, env)
            return self._expr[kind](evaluated, env)
        except _ERRORS as error:
            raise _located(error, node.span)

    def _with_operands(self, node: ast.Node, env: Scope):
        """A copy of `node` whose operands are evaluated (left to right) into `_Value`s."""
        changes = {}
        for field in fields(node):
            old = getattr(node, field.name)
            if isinstance(old, list):
                new = []
                for part in old:
                    new.append((yield from self._evaluated_part(part, env)))
                changes[field.name] = new
            elif isinstance(old, ast.Node):
                changes[field.name] = yield from self._evaluated_part(old, env)
        return replace(node, **changes)

    def _evaluated_part(self, part: ast.Node, env: Scope):
        if isinstance(part, (ast.NamedArg, ast.MapEntry, ast.FormatField)):
            return (yield from self._with_operands(part, env))
        if isinstance(part, _EXPRESSIONS):
            return _Value(part.span, (yield from self._gen_value(part, env)))
        return part

    def _gen_operands_first(self, node: ast.Node, env: Scope):
        """Let, Return, Throw and expression statements whose expression yields."""
        evaluated = yield from self._with_operands(node, env)
        return self._stmt[type(node)](evaluated, env)

    def _gen_assign(self, node: ast.Assign, env: Scope):
        target = yield from self._gen_target(node.target, env)
        value = yield from self._gen_value(node.value, env)
        return self._assign(replace(node, target=target, value=_Value(node.value.span, value)), env)

    def _gen_target(self, target: ast.Node, env: Scope):
        """An assignment target with its object and index operands evaluated."""
        if type(target) is ast.Name:
            return target
        if type(target) is ast.TupleExpr:
            items = []
            for item in target.items:
                items.append((yield from self._gen_target(item, env)))
            return replace(target, items=items)
        return (yield from self._with_operands(target, env))

    def _gen_if(self, node: ast.If, env: Scope):
        while True:
            if _truthy((yield from self._gen_value(node.cond, env))):
                return (yield from self._gen_block(node.then, env))
            node = node.orelse
            if node is None:
                return None
            if type(node) is not ast.If:
                return (yield from self._gen_block(node, env))

    def _gen_while(self, node: ast.While, env: Scope):
        while _truthy((yield from self._gen_value(node.cond, env))):
            signal = yield from self._gen_block(node.body, env)
            if signal is not None and signal is not CONTINUE:
                return None if signal is BREAK else signal
            if self._stop_requested:
                self._honour_stop(node)
        return None

    def _gen_for(self, node: ast.For, env: Scope):
        if node.iterable in self._yielding:
            node = replace(node, iterable=_Value(node.iterable.span, (yield from self._gen_value(node.iterable, env))))
        for item in self._loop_items(node, env):
            signal = yield from self._gen_block(node.body, self._iteration_scope(node, item, env))
            if signal is not None and signal is not CONTINUE:
                return None if signal is BREAK else signal
            if self._stop_requested:
                self._honour_stop(node)
        return None

    def _gen_try(self, node: ast.Try, env: Scope):
        """`_try` for generator code (no Python `finally`: a generator dropped
        while suspended does not run its Esker `finally`, on either engine)."""
        if node.finalizer is None:
            return (yield from self._gen_try_catch(node, env))
        try:
            signal = yield from self._gen_try_catch(node, env)
        except _ERRORS as error:
            leaving = _esker_error(error)
        else:
            final = yield from self._gen_block(node.finalizer, env)
            return signal if final is None else final
        final = yield from self._gen_block(node.finalizer, env)
        if final is not None:
            return final
        raise leaving

    def _gen_try_catch(self, node: ast.Try, env: Scope):
        if node.handler is None:
            return (yield from self._gen_block(node.body, env))
        try:
            return (yield from self._gen_block(node.body, env))
        except _CATCHABLE as error:
            caught = _esker_error(error)
        return (yield from self._gen_block(node.handler, _catch_scope(node, caught, env)))

    def _gen_match(self, node: ast.Match, env: Scope):
        subject = yield from self._gen_value(node.subject, env)
        for arm in node.arms:
            scope = self._arm_scope(arm, subject, env)
            if scope is None or (arm.guard is not None and not _truthy((yield from self._gen_value(arm.guard, scope)))):
                continue
            if type(arm.body) is not ast.Block:
                return (yield from self._gen_value(arm.body, scope))
            return _arm_block_value((yield from self._gen_block(arm.body, scope)))
        raise _no_arm(subject)


# ------------------------------------------------------------------ helpers

_LOADING = object()  # a module whose top level is running (to detect circular imports)
_VARIABLE, _FIELD, _ELEMENT, _TUPLE = "variable", "field", "element", "tuple"


def _nothing(node, env):
    return None


def _constant(node, env):
    return node.value


def _unparsed(node, env):
    error = runtime_error("RuntimeError", "this code did not parse; fix the syntax error first")
    raise _located(error, node.span)


def _undefined(name: str) -> EskerError:
    return runtime_error("RuntimeError", f"undefined name `{name}`")


def _no_arm(subject) -> EskerError:
    return runtime_error("MatchError", f"no match arm matches {brief_repr(subject)}")


def _arm_block_value(signal) -> None:
    """A block arm's value is nil; a `return`, `break` or `continue` inside it
    leaves the match for the statement around it."""
    if signal is not None:
        raise _Escape(signal)
    return None


def _catch_scope(node: ast.Try, error: EskerError, env: Scope) -> Scope:
    scope = Scope(env)
    if node.name is not None:
        scope.vars[node.name.name] = error.value
    return scope


def _bind_pattern(pattern: ast.PBind, value, names: dict, env: Scope) -> bool:
    names[pattern.name] = value
    return True


def _range_pattern(pattern: ast.PRange, value, names: dict, env: Scope) -> bool:
    if type(value) is not int:
        return False
    return pattern.low <= value <= pattern.high if pattern.inclusive else pattern.low <= value < pattern.high


def _late_names(program: ast.Program) -> dict[ast.Node, frozenset]:
    """Names whose dynamic lookup would find a binding that the checker (and
    the compiler) do not resolve them to, with the blocks (Scope owners)
    whose bindings they must pass over.

    A use of `x` means the innermost declaration of `x` visible at that point
    of the source (§13.1). Run-time scopes see a block's `let x` from the
    moment it runs, so a closure created before it (`fn biggest(xs) { return
    max(xs) }` above `let max = 100`) would see it when called later; such a
    use passes over that block's binding. (Variables of a scope that is not
    a block's — parameters, loop, catch and pattern variables — are visible
    in all of it.)"""
    late: dict[ast.Node, frozenset] = {}
    frames: list[tuple[ast.Node | None, dict[str, int]]] = []

    def refer(node: ast.Node, name: str) -> None:
        passed_over = []
        for owner, visible in reversed(frames):
            since = visible.get(name)
            if since is not None:
                if since <= node.span.start:
                    break
                passed_over.append(owner)
        if passed_over:
            late[node] = frozenset(passed_over)

    def scoped(owner: ast.Node | None, visible: dict[str, int], nodes) -> None:
        frames.append((owner, visible))
        for node in nodes:
            if node is not None:
                visit(node)
        frames.pop()

    def visit(node: ast.Node) -> None:
        kind = type(node)
        if kind is ast.Name:
            refer(node, node.name)
        elif kind is ast.Block:
            scoped(node, ast.visible_from(node.body, node.span.start), node.body)
        elif kind is ast.FnDecl or kind is ast.FnExpr:
            visible = ast.visible_from(node.body.body, node.span.start)
            visible.update((param.name.name, 0) for param in node.params)
            scoped(node.body, visible, [param.default for param in node.params] + node.body.body)
        elif kind is ast.For:
            visit(node.iterable)
            names = [name for binding in (node.index, node.var) if binding is not None
                     for name in ast.bound_names(binding)]
            scoped(None, dict.fromkeys(names, 0), [node.body])
        elif kind is ast.Try:
            visit(node.body)
            if node.handler is not None:
                scoped(None, {node.name.name: 0} if node.name else {}, [node.handler])
            if node.finalizer is not None:
                visit(node.finalizer)
        elif kind is ast.MatchArm:
            visit(node.pattern)
            scoped(None, dict.fromkeys(_bound_by_pattern(node.pattern), 0), [node.guard, node.body])
        else:
            if (kind is ast.PVariant or kind is ast.PStruct) and node.path:
                refer(node.path[0], node.path[0].name)
            for child in ast.children(node):
                visit(child)

    scoped(program, ast.visible_from(program.body, 0), program.body)
    return late


def _bound_by_pattern(pattern: ast.Node) -> list[str]:
    if type(pattern) is ast.PBind:
        return [pattern.name]
    if type(pattern) is ast.PFieldPattern and pattern.pattern is None:
        return [pattern.name.name]
    return [name for child in ast.children(pattern) for name in _bound_by_pattern(child)]


def _tail_returns(body: ast.Block) -> list[ast.Return]:
    """The returns of a function body that are tail calls, by the compiler's
    rule: `return f(x)` or `return o.m(x)` without named arguments, outside
    any `try` body (and outside the `catch` block of a `try` with `finally`)."""
    found: list[ast.Return] = []
    pending: list[tuple[ast.Node, bool]] = [(body, False)]
    while pending:
        node, guarded = pending.pop()
        kind = type(node)
        if kind is ast.Return:
            value = node.value
            if not guarded and type(value) in (ast.Call, ast.MethodCall) and not value.kwargs:
                found.append(node)
        elif kind is ast.Try:
            pending.append((node.body, True))
            if node.handler is not None:
                pending.append((node.handler, guarded or node.finalizer is not None))
            if node.finalizer is not None:
                pending.append((node.finalizer, guarded))
        elif not isinstance(node, _YIELD_BOUNDARIES):
            pending.extend((child, guarded) for child in ast.children(node))
    return found


def _method_target(receiver, name: str, args: list) -> tuple[object, list]:
    """What `receiver.name(args)` calls when that is a function of the program
    (a method with the receiver as `self`, a function in a field, a module
    member, a static method), with its arguments; (None, args) otherwise."""
    kind = type(receiver)
    if kind is StructInstance or kind is EnumValue:
        method = receiver.type.methods.get(name)
        if method is not None:
            return method, [receiver, *args]
        index = receiver.type.field_index.get(name) if kind is StructInstance else None
        return (None if index is None else receiver.values[index]), args
    if kind is Module:
        return receiver.members.get(name), args
    if kind is StructType or kind is EnumType:
        return receiver.static_methods.get(name), args
    return None, args


def _block_info(body: list) -> _BlockInfo:
    hoisted = tuple(statement for statement in body if isinstance(statement, _DECLARATIONS))
    declares = bool(hoisted) or any(type(statement) in (ast.Let, ast.Import) for statement in body)
    return _BlockInfo(declares, hoisted)




# ---------------------------------------------------------------- running

def run_source(text: str, path: str, stdout: TextIO | None = None) -> int:
    """Parses and runs a program on the tree-walker; the exit status.

    Syntax errors are printed to stderr (status 2, nothing runs); an uncaught
    error is reported as in §7 (status 1).
    """
    parsed = parse(text, path)
    errors = [d for d in parsed.diagnostics if d.severity == Severity.ERROR]
    if errors:
        for problem in errors:
            print(problem.format(path), file=sys.stderr)
        return 2
    interpreter = Interpreter(stdout=stdout)
    try:
        interpreter.run_program(parsed.program, parsed.source)
    except EskerError as error:
        (stdout or sys.stdout).flush()
        print(format_uncaught(error), file=sys.stderr)
        return 1
    return 0

