"""The `sys` and `io` namespaces (§13.5): the program's arguments and
environment, standard input, and files.

Everything here goes through the engine's host (`host.py`), never to the
operating system directly. A failure the host reports (`HostError`) leaves
the builtin and becomes the Esker error `IOError` with the reason and the
path (`IOError: no such file: data.txt`), as every builtin's call does.
"""

from __future__ import annotations

from . import ops
from .arguments import string
from .library import LIBRARY, NAMESPACE

define = LIBRARY.define


# ------------------------------------------------------------------ sys

LIBRARY.constant("sys", None, "The program's arguments, its environment and the platform it runs on.",
                 "", """print(type(sys.args), ["linux", "darwin", "windows"].contains(sys.platform))""",
                 """array true""", kind=NAMESPACE)

LIBRARY.constant("sys.args", lambda engine: list(engine.host.args),
                 "The program's arguments: an array of strings.",
                 """`esker run prog.esk a "b c"` gives `["a", "b c"]`: the arguments after
                 the file are the program's, never `esker`'s.""",
                 """if sys.args.len() > 0 {
                        print("first argument:", sys.args[0])
                    }""")

LIBRARY.constant("sys.platform", lambda engine: engine.host.platform,
                 "The operating system: `\"linux\"`, `\"darwin\"` or `\"windows\"`.", "",
                 """if sys.platform == "windows" { print("paths use \\\\") }""")


@define("sys.env(name[, default])", "The value of an environment variable, or `default` (`nil`) if it is not set.",
        "",
        """print(sys.env("ESKER_SURELY_UNSET"), sys.env("ESKER_SURELY_UNSET", "fallback"))""",
        """nil fallback""")
def _env(engine, args):
    value = engine.host.env(string(args[0], "sys.env()"))
    return value if value is not None else (args[1] if len(args) > 1 else None)


# ------------------------------------------------------------------ io

LIBRARY.constant("io", None, "Files and standard input, as UTF-8 text.",
                 """Paths are relative to the current directory. A failure is an
                 `IOError` whose message gives the reason and the path.""",
                 """try {
                        io.read("no-such-file.txt")
                    } catch e {
                        print(e)
                    }""",
                 """Error(kind: "IOError", message: "no such file: no-such-file.txt")""", kind=NAMESPACE)


@define("io.read(path)", "The whole content of a file, as a string.",
        """The text is read exactly as stored (no line-end translation).""",
        """io.write("io-read-example.txt", "one\\ntwo\\n")
           print(repr(io.read("io-read-example.txt")))
           io.remove("io-read-example.txt")""",
        '"one\\ntwo\\n"')
def _read(engine, args):
    return engine.host.read_file(string(args[0], "io.read()"))


@define("io.write(path, text)", "Writes `text` to a file, replacing what it held. Returns `nil`.",
        """The file is created if needed; `text` must be a string.""",
        """io.write("io-write-example.txt", "hello\\n")
           print(io.read("io-write-example.txt").trim())
           io.remove("io-write-example.txt")""",
        """hello""")
def _write(engine, args):
    path, text = string(args[0], "io.write()"), string(args[1], "io.write()")
    engine.host.write_file(path, text)


@define("io.append(path, text)", "Adds `text` at the end of a file (created if needed). Returns `nil`.", "",
        """io.write("io-append-example.txt", "a\\n")
           io.append("io-append-example.txt", "b\\n")
           print(io.read("io-append-example.txt").lines())
           io.remove("io-append-example.txt")""",
        """["a", "b"]""")
def _append(engine, args):
    path, text = string(args[0], "io.append()"), string(args[1], "io.append()")
    engine.host.append_file(path, text)


@define("io.lines(path)", "A generator of the file's lines, without their line ends.",
        """The file is opened at once (so a missing file fails here) and read a
        line at a time as the generator is resumed.""",
        """io.write("io-lines-example.txt", "one\\ntwo\\n")
           for (number, line) in enumerate(io.lines("io-lines-example.txt"), 1) {
               print(f"{number}: {line}")
           }
           io.remove("io-lines-example.txt")""",
        """1: one
           2: two""")
def _lines(engine, args):
    return ops.NativeGenerator("io.lines", engine.host.read_lines(string(args[0], "io.lines()")))


@define("io.exists(path)", "Whether a file or directory exists at `path`.", "",
        """print(io.exists("surely-no-such-file.txt"))""", "false")
def _exists(engine, args):
    return engine.host.exists(string(args[0], "io.exists()"))


@define("io.remove(path)", "Deletes a file. Returns `nil`.", "A missing file is an `IOError`.",
        """io.write("io-remove-example.txt", "")
           io.remove("io-remove-example.txt")
           print(io.exists("io-remove-example.txt"))""",
        """false""")
def _remove(engine, args):
    engine.host.remove(string(args[0], "io.remove()"))


@define("io.read_stdin()", "All of the rest of standard input, as a string.",
        """After it, `input()` returns `nil`.""",
        """let text = io.read_stdin()
           print(text.lines().len(), "lines")""")
def _read_stdin(engine, args):
    return engine.host.read_all()
