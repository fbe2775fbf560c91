/**
 * Debugging support: the factory that starts `esker-dap` for sessions of type
 * `esker`, the provider that fills in a launch configuration when there is no
 * launch.json, the Run and Debug commands (also used by code lenses), and
 * "Who Changed This?" on a variable of a stopped program.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { DEBUG_ADAPTER, commandLine, startProblem } from './launch';

export const DEBUG_TYPE = 'esker';

export class AdapterFactory implements vscode.DebugAdapterDescriptorFactory {
  async createDebugAdapterDescriptor(): Promise<vscode.DebugAdapterDescriptor> {
    const line = commandLine(DEBUG_ADAPTER);
    const problem = await startProblem(DEBUG_ADAPTER, line);
    if (problem !== undefined) {
      // VS Code shows the message, which says how to fix the install.
      throw new Error(problem);
    }
    return new vscode.DebugAdapterExecutable(line.command, line.args);
  }
}

export class ConfigurationProvider implements vscode.DebugConfigurationProvider {
  /** F5 without a launch.json: debug the active Esker file. */
  resolveDebugConfiguration(
    _folder: vscode.WorkspaceFolder | undefined,
    config: vscode.DebugConfiguration,
  ): vscode.DebugConfiguration | undefined {
    if (!config.type && !config.request && !config.name) {
      const editor = vscode.window.activeTextEditor;
      if (editor?.document.languageId === 'esker') {
        return launchConfiguration(editor.document.uri, false);
      }
    }
    if (!config.program) {
      void vscode.window.showErrorMessage(
        'Esker: the launch configuration has no "program": set it to the .esk file to run, e.g. "${file}".',
      );
      return undefined;
    }
    return config;
  }
}

/** Runs (`noDebug`) or debugs the Esker file `target`, else the active editor's file. */
export async function launchFile(target: vscode.Uri | undefined, noDebug: boolean): Promise<boolean> {
  const uri = target ?? vscode.window.activeTextEditor?.document.uri;
  if (uri === undefined || uri.scheme !== 'file') {
    void vscode.window.showErrorMessage('Esker: open a saved .esk file to run or debug it.');
    return false;
  }
  // The adapter reads the file from disk: run what the editor shows.
  const open = vscode.workspace.textDocuments.find((document) => document.uri.toString() === uri.toString());
  if (open?.isDirty) {
    await open.save();
  }
  const folder = vscode.workspace.getWorkspaceFolder(uri);
  return vscode.debug.startDebugging(folder, launchConfiguration(uri, noDebug), { noDebug });
}

function launchConfiguration(file: vscode.Uri, noDebug: boolean): vscode.DebugConfiguration {
  return {
    type: DEBUG_TYPE,
    request: 'launch',
    name: `${noDebug ? 'Run' : 'Debug'} ${path.basename(file.fsPath)}`,
    program: file.fsPath,
    cwd: path.dirname(file.fsPath),
    noDebug,
  };
}

/** What VS Code passes to a command of the Variables view's context menu. */
interface VariableContext {
  sessionId?: string;
  container?: { variablesReference?: number };
  variable?: { name: string; evaluateName?: string };
}

/**
 * "Who Changed This?" on a variable: the program goes back through its
 * recorded history to the last write of that variable (a data breakpoint
 * plus reverse continue, in one request of the adapter: `whoChangedThis`),
 * and stops right after it, saying what changed.
 */
export async function whoChangedThis(context?: VariableContext): Promise<void> {
  const session = vscode.debug.activeDebugSession;
  const variable = context?.variable;
  if (session === undefined || session.type !== DEBUG_TYPE || variable === undefined) {
    void vscode.window.showErrorMessage('Esker: "Who Changed This?" works on a variable of a stopped Esker program.');
    return;
  }
  const reference = context?.container?.variablesReference;
  const args = reference ? { variablesReference: reference, name: variable.name }
    : { name: variable.evaluateName ?? variable.name };
  try {
    await session.customRequest('whoChangedThis', args);
  } catch (error) {
    void vscode.window.showErrorMessage(`Esker: ${error instanceof Error ? error.message : String(error)}`);
  }
}
