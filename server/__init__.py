"""The Esker language server (LSP), started as `esker-lsp` or `python -m esker.server`.

It translates between the protocol and `esker.vm`: documents are analysed
with the same analysis API as `esker check`, and every editor feature is a
query of `esker.vm.ide`; this package only schedules work, converts positions
and shapes answers.
"""
