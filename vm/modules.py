"""Finding and reading modules (§9), behind a loader the caller can replace.

`import a.b` looks for `a/b.esk` beside the importing file, then in each
folder of `ESKER_PATH`. The checker, both engines and the language server all
resolve imports through a `ModuleLoader`; the server passes one whose `read`
prefers unsaved editor buffers over the files on disk.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

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

    def resolve(self, parts: list[str], importer: str | None) -> str | None:
        """The absolute path of module `parts` imported from file `importer`
        (None for code that has no file: it searches the working directory)."""
        relative = os.path.join(*parts) + ".esk"
        base = os.path.dirname(os.path.abspath(importer)) if importer else os.getcwd()
        folders = [base] + (self.extra_path if self.extra_path is not None else search_path())
        for folder in folders:
            candidate = os.path.abspath(os.path.join(folder, relative))
            if candidate in self.overrides or os.path.isfile(candidate):
                return candidate
        return None

    def read(self, path: str) -> str:
        """The source text of a resolved module.

        Raises `ModuleReadError` with a message for people when the file cannot
        be read or is not UTF-8.
        """
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


class ModuleReadError(Exception):
    """A module file exists but cannot be read as Esker source."""
