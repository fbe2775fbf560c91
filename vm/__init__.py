"""The Esker language core: front-end, checker, engines and the `esker` command.

Everything that knows the language lives here; `esker.server` and
`esker.debugadapter` only translate between their protocols and this package.
"""

#: The version of the language and its toolchain (the package's version is read from here).
__version__ = "0.2.0"
