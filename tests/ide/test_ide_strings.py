"""Editor queries inside the string forms of §13.3, through `esker.vm.ide`:
f-string fields are code (completion, hover, definition, rename, bytecode),
their literal text is a string, and multi-line strings fold."""

from __future__ import annotations

import re

from esker.vm import ide
from esker.vm.deep import call_with_deep_stack
from esker.vm.incremental import analyze_file
from esker.vm.modules import ModuleLoader

PROGRAM = '''\
fn describe(items, width) {
    let count = items.len()
    return f"""
{count} items:
  {items.join(", "):>{0}}
""".replace("{0}", "") + f"{count:>{0}}"
}
let total = 3
let label = f"total {total + 1:>5} of {describe([1], 4)}"
let doc = """
first
second
"""
# done
'''

SIMPLE = '''\
let total = 3
let names = ["a"]
print(f"sum {total} and {names.len()} of {"x"}")
let block = f"""
  {total * 2}
  end
"""
'''


def index(text: str) -> ide.FileIndex:
    loader = ModuleLoader(extra_path=[])
    return ide.FileIndex(call_with_deep_stack(lambda: analyze_file(text, "/project/main.esk", loader)), loader)


def at(text: str, needle: str, occurrence: int = 0) -> int:
    return [match.start() for match in re.finditer(re.escape(needle), text)][occurrence]


def names(completions) -> list[str]:
    return [item.label for item in completions]


def test_completion_inside_a_field_offers_the_names_in_scope():
    text = 'let total = 3\nprint(f"sum {to'
    assert "total" in names(ide.completions(index(text), len(text)))


def test_completion_after_a_dot_inside_a_field_offers_members():
    text = 'let names = ["a"]\nprint(f"{names.'
    assert "push" in names(ide.completions(index(text), len(text)))


def test_no_completion_in_the_literal_text_of_strings():
    for text in ['let total = 3\nprint(f"sum to', 'let total = 3\nlet s = """\nto',
                 'let total = 3\nprint(f"{total} to', 'let x = 1  # to']:
        assert ide.completions(index(text), len(text)) == [], text


def test_completion_works_again_after_a_string_closed():
    text = 'let total = 3\nlet s = """\nabc\n"""\nprint(to'
    assert "total" in names(ide.completions(index(text), len(text)))


def test_definition_and_rename_reach_names_inside_fields():
    idx = index(SIMPLE)
    (target,) = ide.definition(idx, at(SIMPLE, "total}"))
    assert (target.span.line, target.span.col) == (1, 5)
    edits = ide.rename(idx, at(SIMPLE, "total"), "sum_")
    changed = sorted((edit.span.line, edit.span.col) for change in edits for edit in change.edits)
    assert changed == [(1, 5), (3, 14), (5, 4)]


def test_hover_inside_a_field_describes_the_name_and_its_code():
    idx = index(SIMPLE)
    hover = ide.hover(idx, at(SIMPLE, "names.len") + 1)
    assert hover is not None and "names" in hover.markdown


def test_semantic_tokens_mark_the_text_around_fields_as_strings():
    idx = index(SIMPLE)
    tokens = [(token.span.line, token.span.col, token.span.end_col, token.kind)
              for token in ide.semantic_tokens(idx) if token.span.line in (3, 4, 5, 6, 7)]
    assert (3, 7, 13, "string") in tokens          # `f"sum `
    assert (3, 14, 19, "variable") in tokens       # total, inside its field
    assert (3, 20, 25, "string") in tokens         # ` and `
    assert (3, 38, 42, "string") in tokens         # ` of `
    assert (3, 47, 48, "string") in tokens         # the closing quote
    assert (4, 13, 17, "string") in tokens         # `f"""` (the rest of the line is empty)
    assert (5, 1, 3, "string") in tokens and (5, 4, 9, "variable") in tokens
    assert (6, 1, 6, "string") in tokens and (7, 1, 4, "string") in tokens
    assert all(line == end_line for line, _, _, _ in tokens for end_line in [line])


def test_multi_line_strings_fold():
    folds = {(fold.start_line, fold.end_line) for fold in ide.folding_ranges(index(PROGRAM))}
    assert (3, 5) in folds    # the f-string in `describe`
    assert (10, 12) in folds  # the plain triple-quoted string


def test_signature_help_inside_a_field():
    text = 'fn pair(a, b) { return a }\nprint(f"{pair(1, '
    help = ide.signature_help(index(text), len(text))
    assert help is not None and help.active_parameter == 1


def test_the_bytecode_of_a_field_is_shown_on_hover():
    idx = index(SIMPLE)
    hover = ide.hover(idx, at(SIMPLE, "* 2") + 1)
    assert hover is not None and "MULK" in hover.markdown
