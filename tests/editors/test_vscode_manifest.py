"""The VS Code extension's manifest: what it contributes (language, grammar,
debugger, commands, settings) fits together and with the files it names."""

from __future__ import annotations

import json
import re

import pytest
from editor_support import VSCODE

from esker.debugadapter.capabilities import LAUNCH_ATTRIBUTES

COMMANDS = {"esker.showBytecode", "esker.switchBytecodeView", "esker.restartServer", "esker.run", "esker.debug",
            "esker.whoChangedThis"}


def load(name: str) -> dict:
    return json.loads((VSCODE / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def manifest() -> dict:
    return load("package.json")


@pytest.fixture(scope="module")
def contributes(manifest) -> dict:
    return manifest["contributes"]


def test_esk_files_are_the_esker_language_with_its_configuration(contributes):
    (language,) = [item for item in contributes["languages"] if item["id"] == "esker"]
    assert ".esk" in language["extensions"]
    configuration = load(language["configuration"])
    assert configuration["comments"]["lineComment"] == "#"
    assert ["{", "}"] in configuration["brackets"]
    assert {"open": "(", "close": ")"} in configuration["autoClosingPairs"]
    assert re.search(configuration["indentationRules"]["increaseIndentPattern"], "fn main() {")
    assert re.search(configuration["indentationRules"]["decreaseIndentPattern"], "    }")


@pytest.mark.parametrize("language, scope", [("esker", "source.esker"),
                                             ("esker-bytecode", "source.esker-bytecode")])
def test_grammars_are_contributed_and_their_includes_resolve(contributes, language, scope):
    (grammar,) = [item for item in contributes["grammars"] if item["language"] == language]
    document = load(grammar["path"])
    assert document["scopeName"] == grammar["scopeName"] == scope
    included = set(re.findall(r'"include": "#([\w-]+)"', json.dumps(document)))
    assert included, "the grammar includes no rules"
    assert included <= set(document["repository"])


def test_the_bytecode_views_documents_get_the_listing_language(contributes):
    (language,) = [item for item in contributes["languages"] if item["id"] == "esker-bytecode"]
    assert language["filenamePatterns"] == ["*.esk.bytecode"]
    sources = (VSCODE / "src" / "bytecode.ts").read_text(encoding="utf-8")
    assert "path: `${source.path}.bytecode`" in sources


def test_debugger_declares_the_adapters_launch_attributes(contributes):
    (debugger,) = contributes["debuggers"]
    assert debugger["type"] == "esker"
    assert "esker" in debugger["languages"]
    launch = debugger["configurationAttributes"]["launch"]
    assert launch["required"] == ["program"]
    assert set(launch["properties"]) == LAUNCH_ATTRIBUTES
    assert launch["properties"]["env"]["additionalProperties"]["type"] == ["string", "null"]
    configurations = debugger["initialConfigurations"] + [s["body"] for s in debugger["configurationSnippets"]]
    for configuration in configurations:
        assert configuration["type"] == "esker" and configuration["request"] == "launch"
        assert "program" in configuration
        assert set(configuration) - {"type", "request", "name"} <= LAUNCH_ATTRIBUTES
    assert {"language": "esker"} in contributes["breakpoints"]


def test_commands_are_contributed_registered_and_activate_the_extension(manifest, contributes):
    contributed = {command["command"] for command in contributes["commands"]}
    assert COMMANDS <= contributed
    for entries in contributes["menus"].values():
        assert {entry["command"] for entry in entries} <= contributed
    sources = "".join(path.read_text(encoding="utf-8") for path in (VSCODE / "src").glob("*.ts"))
    registered = set(re.findall(r"registerCommand\('([\w.]+)'", sources))
    assert registered == contributed
    events = manifest["activationEvents"]
    assert {"onLanguage:esker", "onDebugResolve:esker"} <= set(events)
    assert {event.split(":", 1)[1] for event in events if event.startswith("onCommand:")} <= contributed


def test_settings_choose_how_the_tools_start(contributes):
    properties = contributes["configuration"]["properties"]
    assert {"esker.server.command", "esker.debugAdapter.command", "esker.pythonPath"} <= set(properties)
    assert properties["esker.server.command"]["type"] == "array"
    sources = (VSCODE / "src" / "launch.ts").read_text(encoding="utf-8")
    for name in ("esker-lsp", "esker-dap", "esker.server", "esker.debugadapter"):
        assert f"'{name}'" in sources


def test_entry_point_is_the_bundle_and_dependencies_are_pinned(manifest):
    assert manifest["main"] == "./out/extension.js"
    assert "--outfile=out/extension.js" in manifest["scripts"]["bundle"]
    assert manifest["scripts"]["vscode:prepublish"] == "npm run bundle && npm run images"
    declared = {**manifest["dependencies"], **manifest["devDependencies"]}
    assert all(re.fullmatch(r"\d+\.\d+\.\d+", version) for version in declared.values()), declared
    lock = load("package-lock.json")
    assert lock["lockfileVersion"] >= 2
    root = lock["packages"][""]
    assert {**root["dependencies"], **root["devDependencies"]} == declared
    for name, version in declared.items():
        assert lock["packages"][f"node_modules/{name}"]["version"] == version


def test_who_changed_this_is_offered_on_the_variables_of_a_stopped_esker_program(contributes):
    (entry,) = contributes["menus"]["debug/variables/context"]
    assert entry["command"] == "esker.whoChangedThis"
    assert "debugType == esker" in entry["when"] and "debugState == stopped" in entry["when"]
    # It needs a variable: never from the command palette.
    assert {"command": "esker.whoChangedThis", "when": "false"} in contributes["menus"]["commandPalette"]
    sources = (VSCODE / "src" / "debug.ts").read_text(encoding="utf-8")
    assert "customRequest('whoChangedThis', args)" in sources


def test_esker_files_format_on_type_and_parameter_hints_have_a_setting(contributes):
    assert contributes["configurationDefaults"]["[esker]"]["editor.formatOnType"] is True
    setting = contributes["configuration"]["properties"]["esker.parameterHints"]
    assert setting["type"] == "boolean" and setting["default"] is True
