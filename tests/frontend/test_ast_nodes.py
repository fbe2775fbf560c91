"""The syntax tree's node classes keep the dataclass interface their readers
use (constructor, fields, replace, repr, identity equality), although their
__init__ and __repr__ are not generated per class (to start up faster)."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from esker.vm import ast
from esker.vm.source import Span

NODE_CLASSES = [cls for cls in vars(ast).values() if isinstance(cls, type) and issubclass(cls, ast.Node)]
SPAN = Span(0, 1, 1, 1, 1, 2)


@pytest.mark.parametrize("cls", NODE_CLASSES, ids=lambda cls: cls.__name__)
def test_each_node_class_takes_its_fields_as_a_dataclass_would(cls):
    assert dataclasses.is_dataclass(cls)
    parameters = list(inspect.signature(cls).parameters.values())
    fields = dataclasses.fields(cls)
    assert [parameter.name for parameter in parameters] == [field.name for field in fields]
    for parameter, field in zip(parameters, fields):
        if field.default is not dataclasses.MISSING:
            assert parameter.default == field.default
        elif field.default_factory is dataclasses.MISSING:
            assert parameter.default is inspect.Parameter.empty
        else:
            assert repr(parameter.default) == "<factory>"


def test_nodes_are_built_by_position_or_keyword_with_fresh_defaults():
    first, second = ast.Call(SPAN, ast.Name(SPAN, "f"), []), ast.Call(SPAN, ast.Name(SPAN, "g"), args=[])
    assert first.kwargs == [] and second.kwargs == [] and first.kwargs is not second.kwargs
    given = [ast.NamedArg(SPAN, ast.Ident(SPAN, "k"), ast.Literal(SPAN, 1))]
    assert ast.Call(SPAN, ast.Name(SPAN, "f"), [], given).kwargs is given
    param = ast.Param(SPAN, ast.Ident(SPAN, "x"))
    assert (param.default, param.rest) == (None, False)
    with pytest.raises(TypeError):
        ast.Name(SPAN)


def test_nodes_compare_by_identity_and_show_every_field():
    one, other = ast.Name(SPAN, "x"), ast.Name(SPAN, "x")
    assert one == one and one != other
    assert repr(one) == f"Name(span={SPAN!r}, name='x')"
    changed = dataclasses.replace(ast.Param(SPAN, ast.Ident(SPAN, "x")), rest=True)
    assert repr(changed) == f"Param(span={SPAN!r}, name=Ident(span={SPAN!r}, name='x'), default=None, rest=True)"
