/**
 * The Esker extension's entry point: starts the language server connection,
 * registers the bytecode view, the debugger and the commands, and stops the
 * server when VS Code unloads the extension.
 */
import * as vscode from 'vscode';
import { Position } from 'vscode-languageclient';
import { BYTECODE_SCHEME, BytecodeViews } from './bytecode';
import { ServerConnection } from './client';
import { AdapterFactory, ConfigurationProvider, DEBUG_TYPE, launchFile, whoChangedThis } from './debug';

/** What commands are about: a URI from a menu, or its string form from a code lens. */
type Target = vscode.Uri | string;

let connection: ServerConnection | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('Esker');
  const server = new ServerConnection(output);
  connection = server;
  const views = new BytecodeViews(server);
  context.subscriptions.push(
    output,
    server,
    views,
    vscode.workspace.registerTextDocumentContentProvider(BYTECODE_SCHEME, views),
    // From a code lens the arguments are the document's URI and the position of a function.
    vscode.commands.registerCommand('esker.showBytecode', async (target?: Target, at?: Position) => {
      const source = await eskerDocument(asUri(target));
      if (source !== undefined) {
        await views.show(source, at && new vscode.Position(at.line, at.character));
      }
    }),
    // From the view's title bar or the palette: the active Esker file, or the file the active view lists.
    vscode.commands.registerCommand('esker.switchBytecodeView', async (target?: Target) => {
      const active = vscode.window.activeTextEditor?.document.uri;
      const source = await eskerDocument(asUri(target) ?? (active && views.sourceOf(active)));
      if (source !== undefined) {
        await views.switchView(source);
      }
    }),
    vscode.commands.registerCommand('esker.restartServer', () => server.restart()),
    vscode.commands.registerCommand('esker.run', (target?: Target) => launchFile(asUri(target), true)),
    vscode.commands.registerCommand('esker.debug', (target?: Target) => launchFile(asUri(target), false)),
    vscode.commands.registerCommand('esker.whoChangedThis', whoChangedThis),
    vscode.debug.registerDebugAdapterDescriptorFactory(DEBUG_TYPE, new AdapterFactory()),
    vscode.debug.registerDebugConfigurationProvider(DEBUG_TYPE, new ConfigurationProvider()),
  );
  void server.start();
}

export function deactivate(): Promise<void> | undefined {
  return connection?.stop();
}

function asUri(target: Target | undefined): vscode.Uri | undefined {
  return typeof target === 'string' ? vscode.Uri.parse(target) : target;
}

/** The Esker document a command is about: `target`, else the active editor's. */
async function eskerDocument(target: vscode.Uri | undefined): Promise<vscode.TextDocument | undefined> {
  if (target !== undefined) {
    return vscode.workspace.openTextDocument(target);
  }
  const active = vscode.window.activeTextEditor?.document;
  if (active?.languageId === 'esker') {
    return active;
  }
  void vscode.window.showInformationMessage('Esker: open an .esk file to see its bytecode.');
  return undefined;
}
