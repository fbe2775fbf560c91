"""Finding and reading modules (§9, §13.1), behind a loader the caller can replace.

`import a.b` looks for `a/b.esk` beside the importing file, then in each
folder of `ESKER_PATH`; `import "../lib/text.esk"` names a file relative to
the importing file's folder. A module is identified by its file's resolved
real path, so a file is one module however it is reached (through either
form of import, `..` or a symbolic link). The checker, both engines and the
language server all resolve imports through a `ModuleLoader`; the server
passes one whose `read` prefers unsaved editor buffers over the files on disk.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from .ast import path_stem
from .source import decode_source


def search_path(environ: dict[str, str] | None = None) -> list[str]:
    """The folders of `ESKER_PATH`, in order (empty entries are skipped)."""
    value = (os.environ if environ is None else environ).get("ESKER_PATH", "")
    return [folder for folder in value.split(os.pathsep) if folder]


@dataclass
class ModuleLoader:
    """Resolves import paths to files and reads their text.

    `overrides` maps absolute file paths to text that takes precedence over
    the file on disk (an editor's open buffers).
    """

    extra_path: list[str] | None = None
    overrides: dict[str, str] = field(default_factory=dict)

    def __post_init__(self):
        self.overrides = {module_identity(path): text for path, text in self.overrides.items()}

    def resolve(self, parts: list[str], importer: str | None) -> str | None:
        """The identity (real path) of module `parts` imported from file
        `importer` (None for code that has no file: it searches the working
        directory)."""
        relative = os.path.join(*parts) + ".esk"
        folders = [_folder_of(importer)] + (self.extra_path if self.extra_path is not None else search_path())
        for folder in folders:
            found = self._existing(os.path.join(folder, relative))
            if found is not None:
                return found
        return None

    def resolve_path(self, written: str, importer: str | None) -> str | None:
        """The identity of the module `import "written"` names in file
        `importer`: a path relative to that file's folder (`..` allowed)."""
        return self._existing(os.path.join(_folder_of(importer), written))

    def locate(self, spec: tuple[str, ...] | str, importer: str | None) -> str | None:
        """`resolve` for the parts of `import a.b`, `resolve_path` for the string of `import "f.esk"`."""
        if isinstance(spec, str):
            return self.resolve_path(spec, importer)
        return self.resolve(list(spec), importer)

    def _existing(self, candidate: str) -> str | None:
        if "\0" in candidate:  # no file name holds one (the system refuses it): no such module
            return None
        found = module_identity(candidate)
        return found if found in self.overrides or os.path.isfile(found) else None

    def read(self, path: str) -> str:
        """The source text of a resolved module.

        Raises `ModuleReadError` with a message for people when the file cannot
        be read or is not UTF-8.
        """
        path = module_identity(path)
        if path in self.overrides:
            return self.overrides[path]
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError as error:
            raise ModuleReadError(f"cannot read {path}: {error.strerror or error}") from None
        text, problem = decode_source(data)
        if text is None:
            raise ModuleReadError(f"{path}:{problem}")
        return text


def describe(spec: tuple[str, ...] | str) -> tuple[str, str]:
    """How messages name an import (`a.b` or `"lib/f.esk"`) and the name the
    module value goes by (`<module a.b>`, `<module f>`)."""
    if isinstance(spec, str):
        return f'"{spec}"', path_stem(spec)
    dotted = ".".join(spec)
    return dotted, dotted


def missing(spec: tuple[str, ...] | str) -> str:
    """The message of an ImportError for a module that is not there."""
    if isinstance(spec, str):
        return f'module "{spec}" not found (no such file relative to the importing file)'
    return f"module {'.'.join(spec)} not found (looked beside the importing file and in ESKER_PATH)"


def module_identity(path: str) -> str:
    """What makes two paths the same module: the file's absolute real path."""
    return os.path.realpath(path)


def _folder_of(importer: str | None) -> str:
    return os.path.dirname(os.path.abspath(importer)) if importer else os.getcwd()


class ModuleReadError(Exception):
    """A module file exists but cannot be read as Esker source."""
