"""A cache of the code that attrs and cattrs generate while the server starts.

lsprotocol declares each of the protocol's types (some 550) as an attrs
class; attrs writes the methods of each class as Python source and compiles
it, which is about half the time that importing `lsprotocol.types` takes.
cattrs does the same for the converter of each message type it first meets
(`initialize`'s parameters and answer). That source depends only on the
libraries' versions, so, as Python keeps a module's compiled code in a
`.pyc` file, the server keeps the code compiled from it in a file in the
user's cache folder, keyed by each source's file name and a digest of the
source, mode and compiler flags: a later start loads the code instead of
compiling it again. Code is reused only for a source identical to the one it
was compiled from. A missing, damaged or outdated file costs only the
compiling it would have saved, and after a start that had to compile
much of it the file is written again (under a temporary name, then renamed)
with the code that start used.

Only the libraries' own calls of `compile` go through the cache (a
module-level `compile` in their modules shadows the built-in), and only from
the start of the process until the `initialize` answer has been sent.
"""

from __future__ import annotations

import __future__
import builtins
import hashlib
import importlib
import marshal
import os
import sys
from importlib.util import MAGIC_NUMBER
from types import CodeType

#: The modules whose calls of `compile` are cached: attrs' class builder and
#: cattrs' converter generator.
GENERATORS = ("attr._make", "cattrs.gen")
#: Starts the file; a file written by another Python or another format of
#: this cache is not read.
HEADER = MAGIC_NUMBER + b"esker-code-1\n"

_active: "CodeCache | None" = None


def user_cache_folder() -> str:
    """Where the user's programs keep their caches."""
    # `tempfile` is imported only where it is used: it brings `shutil`,
    # `random` and the compression modules, which start-up does not need.
    if sys.platform == "win32":
        import tempfile
        return os.environ.get("LOCALAPPDATA") or tempfile.gettempdir()
    return os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")


class CodeCache:
    """Compiled code by (file name, digest), read from and written to `path`."""

    def __init__(self, path: str):
        self.path = path
        self.stored = _read(path)
        #: The code this process asked for, to be written back.
        self.used: dict[tuple[str, bytes], CodeType] = {}
        #: How many sources were not in the file and had to be compiled.
        self.compiled = 0

    def compiler(self, inherited_flags: int):
        """A `compile` for a module whose `from __future__` imports set
        `inherited_flags` (what the built-in would inherit there)."""
        def cached_compile(source, filename, mode, flags=0, dont_inherit=False, optimize=-1):
            if not dont_inherit:
                flags |= inherited_flags
            if not isinstance(source, str):
                return builtins.compile(source, filename, mode, flags, True, optimize)
            digest = hashlib.blake2b(f"{mode}\0{flags}\0{optimize}\0{source}".encode("utf-8", "surrogatepass"),
                                     digest_size=16).digest()
            key = (filename, digest)
            code = self.stored.get(key)
            if code is None:
                code = builtins.compile(source, filename, mode, flags, True, optimize)
                self.compiled += 1
            self.used[key] = code
            return code
        return cached_compile

    def install(self) -> None:
        for name in GENERATORS:
            module = importlib.import_module(name)
            module.compile = self.compiler(_future_flags(module))

    def uninstall(self) -> None:
        for name in GENERATORS:
            vars(sys.modules[name]).pop("compile", None)

    def save(self) -> None:
        """Write the code used back when much of it was not in the file (the
        first start, or new versions of the libraries). A few sources differ
        at every start (attrs' `__hash__` of a frozen class holds the
        process's randomised string hash): those are compiled each time,
        and the file is not written again for them."""
        if self.compiled * 10 <= len(self.used):
            return
        import tempfile
        try:
            folder = os.path.dirname(self.path)
            os.makedirs(folder, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(HEADER)
                    marshal.dump(self.used, out)
                os.replace(temporary, self.path)
            except BaseException:
                os.unlink(temporary)
                raise
        except OSError:
            pass  # a read-only or full disk: the next start compiles again


def _read(path: str) -> dict[tuple[str, bytes], CodeType]:
    try:
        with open(path, "rb") as file:
            if file.read(len(HEADER)) != HEADER:
                return {}
            found = marshal.load(file)
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    return found if isinstance(found, dict) else {}


def _future_flags(module) -> int:
    """The compiler flags of the module's `from __future__` imports."""
    flags = 0
    for value in vars(module).values():
        if isinstance(value, type(__future__.annotations)):
            flags |= value.compiler_flag
    return flags


def start() -> None:
    """Cache the generated code from now on (before lsprotocol is imported)."""
    global _active
    if _active is None:
        _active = CodeCache(os.path.join(user_cache_folder(), "esker",
                                         f"lsp-startup-{sys.implementation.cache_tag}.code"))
        _active.install()


def finish() -> "CodeCache | None":
    """Stop caching; the cache that was active, if any, to be saved."""
    global _active
    cache, _active = _active, None
    if cache is not None:
        cache.uninstall()
    return cache
