/**
 * How the extension starts Esker's Python tools: the command line of the
 * language server or the debug adapter (from the settings, else `PATH`, else
 * a virtual environment in the workspace, as the Python extension looks for
 * one), and a check that it can run, so a missing install is reported with
 * its fix (and an interpreter picker) instead of a crash log.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';

export interface Tool {
  /** What people call it: "language server", "debug adapter". */
  label: string;
  /** The console script the `esker` Python package installs. */
  script: string;
  /** The module run as `python -m MODULE` when `esker.pythonPath` is set. */
  module: string;
  /** The setting (under `esker.`) that holds an explicit command line. */
  setting: string;
}

export const LANGUAGE_SERVER: Tool = {
  label: 'language server',
  script: 'esker-lsp',
  module: 'esker.server',
  setting: 'server.command',
};

export const DEBUG_ADAPTER: Tool = {
  label: 'debug adapter',
  script: 'esker-dap',
  module: 'esker.debugadapter',
  setting: 'debugAdapter.command',
};

export interface CommandLine {
  command: string;
  args: string[];
}

/** Folders of a workspace that hold a virtual environment, in the order they are tried. */
const VENV_FOLDERS = ['.venv', 'venv'];

/**
 * The tool's command line: its own setting, else `esker.pythonPath -m MODULE`,
 * else the script on PATH, else the script in a workspace folder's `.venv` or
 * `venv` (still the bare script name when there is none, for the message).
 */
export function commandLine(tool: Tool): CommandLine {
  const config = vscode.workspace.getConfiguration('esker');
  const explicit = config.get<string[]>(tool.setting, []).filter((part) => part.length > 0);
  if (explicit.length > 0) {
    return { command: expandHome(explicit[0]), args: explicit.slice(1) };
  }
  const python = config.get<string>('pythonPath', '').trim();
  if (python.length > 0) {
    return { command: expandHome(python), args: ['-m', tool.module] };
  }
  if (findProgram(tool.script) === undefined) {
    const inVenv = workspaceVenvs().map((venv) => venvProgram(venv, tool.script)).find(isExecutable);
    if (inVenv !== undefined) {
      return { command: inVenv, args: [] };
    }
  }
  return { command: tool.script, args: [] };
}

/** The virtual environments in the workspace's folders (`.venv`, `venv`) that exist. */
function workspaceVenvs(): string[] {
  return (vscode.workspace.workspaceFolders ?? [])
    .filter((folder) => folder.uri.scheme === 'file')
    .flatMap((folder) => VENV_FOLDERS.map((name) => path.join(folder.uri.fsPath, name)))
    .filter((venv) => fs.existsSync(venv));
}

/** Where a virtual environment keeps the program `name`. */
function venvProgram(venv: string, name: string): string {
  return process.platform === 'win32' ? path.join(venv, 'Scripts', `${name}.exe`) : path.join(venv, 'bin', name);
}

/** Whether a change of settings affects how `tool` is started. */
export function affects(event: vscode.ConfigurationChangeEvent, tool: Tool): boolean {
  return event.affectsConfiguration(`esker.${tool.setting}`) || event.affectsConfiguration('esker.pythonPath');
}

/**
 * Why `line` cannot start `tool`, with what to do about it; undefined when the
 * program exists (and, for `python -m`, the module imports).
 */
export async function startProblem(tool: Tool, line: CommandLine): Promise<string | undefined> {
  const program = findProgram(line.command);
  const install = 'install the `esker` Python package (`pip install -e .` in the Esker sources)';
  if (program === undefined) {
    const where = line.command.includes(path.sep)
      ? 'does not exist or cannot be run'
      : `was not found on PATH nor in a ${VENV_FOLDERS.join(' or ')} folder of the workspace`;
    return (
      `Esker: cannot start the ${tool.label}: \`${line.command}\` ${where}. ` +
      `To fix it, pick a Python interpreter that has Esker installed, or ${install}, ` +
      `or set \`esker.${tool.setting}\` to the full command.`
    );
  }
  if (line.args[0] === '-m' && line.args.length > 1) {
    const failure = await importFailure(program, line.args[1]);
    if (failure !== undefined) {
      return (
        `Esker: cannot start the ${tool.label}: \`${line.command}\` cannot import ${line.args[1]} (${failure}). ` +
        `To fix it, ${install} into that Python, or change \`esker.pythonPath\`.`
      );
    }
  }
  return undefined;
}

const PICK_INTERPRETER = 'Pick Interpreter…';

/** Shows a start problem with buttons that lead to the fix or try again. */
export async function reportStartProblem(message: string, retry: () => unknown): Promise<void> {
  const choice = await vscode.window.showErrorMessage(message, PICK_INTERPRETER, 'Open Settings', 'Retry');
  if (choice === PICK_INTERPRETER) {
    await pickInterpreter();
  } else if (choice === 'Open Settings') {
    await vscode.commands.executeCommand('workbench.action.openSettings', 'esker.');
  } else if (choice === 'Retry') {
    await retry();
  }
}

/**
 * Asks for the Python that has Esker installed (the workspace's virtual
 * environments, the `python3` on PATH, or any file) and saves it as
 * `esker.pythonPath`; the change of setting restarts the tools.
 */
async function pickInterpreter(): Promise<void> {
  const browse = 'Browse…';
  const found = [
    ...workspaceVenvs().map((venv) => venvProgram(venv, 'python')),
    findProgram('python3'),
    findProgram('python'),
  ].filter((file): file is string => file !== undefined && isExecutable(file));
  const items = [...new Set(found)].map((file) => ({ label: file }));
  const picked = await vscode.window.showQuickPick([...items, { label: browse }], {
    title: 'Esker: the Python interpreter that has Esker installed',
    placeHolder: 'It is saved as esker.pythonPath',
  });
  let file = picked?.label;
  if (file === browse) {
    const [chosen] = (await vscode.window.showOpenDialog({ canSelectMany: false, title: 'Python interpreter' })) ?? [];
    file = chosen?.fsPath;
  }
  if (file === undefined) {
    return;
  }
  const target = vscode.workspace.workspaceFolders?.length
    ? vscode.ConfigurationTarget.Workspace
    : vscode.ConfigurationTarget.Global;
  await vscode.workspace.getConfiguration('esker').update('pythonPath', file, target);
}

function expandHome(file: string): string {
  return file === '~' || file.startsWith('~/') ? path.join(os.homedir(), file.slice(1)) : file;
}

/** The executable `command` names: a path as given, or a bare name looked up on PATH. */
function findProgram(command: string): string | undefined {
  if (path.isAbsolute(command) || command.includes('/') || command.includes(path.sep)) {
    return isExecutable(command) ? command : undefined;
  }
  // Windows also accepts the name with any of PATHEXT's extensions.
  const windows = process.platform === 'win32';
  const extensions = windows ? ['', ...(process.env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';')] : [''];
  for (const folder of (process.env.PATH ?? '').split(path.delimiter).filter((entry) => entry.length > 0)) {
    for (const extension of extensions) {
      const candidate = path.join(folder, command + extension);
      if (isExecutable(candidate)) {
        return candidate;
      }
    }
  }
  return undefined;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** The last line of Python's complaint when `module` does not import, else undefined. */
function importFailure(python: string, module: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(python, ['-c', `import ${module}`], { timeout: 20000 }, (error, _stdout, stderr) => {
      if (!error) {
        resolve(undefined);
        return;
      }
      const lines = stderr.trim().split('\n');
      resolve(lines[lines.length - 1] || error.message);
    });
  });
}
