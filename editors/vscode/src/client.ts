/**
 * The connection to `esker-lsp`: starts the language client with the command
 * line from the settings, restarts it on request or when those settings
 * change, and tells the bytecode view when a new client is ready.
 */
import * as vscode from 'vscode';
import { ExecuteCommandRequest, LanguageClient, LanguageClientOptions } from 'vscode-languageclient/node';
import { LANGUAGE_SERVER, affects, commandLine, reportStartProblem, startProblem } from './launch';

/** Commands the extension implements itself, even when the server also offers them. */
export const CLIENT_COMMANDS = ['esker.showBytecode', 'esker.run', 'esker.debug'];

export class ServerConnection implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private readonly readyEmitter = new vscode.EventEmitter<LanguageClient>();
  private readonly subscriptions: vscode.Disposable[] = [];
  /** Starts and stops run one after another, so a burst of setting changes starts one server. */
  private queue: Promise<void> = Promise.resolve();

  /** Fires each time a (re)started client has finished initializing. */
  readonly onDidStart = this.readyEmitter.event;

  constructor(private readonly output: vscode.OutputChannel) {
    this.subscriptions.push(
      this.readyEmitter,
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (affects(event, LANGUAGE_SERVER)) {
          void this.restart();
        }
      }),
    );
  }

  /** The running client, if any. */
  get running(): LanguageClient | undefined {
    return this.client?.isRunning() ? this.client : undefined;
  }

  start(): Promise<void> {
    return this.enqueue(() => this.launch());
  }

  restart(): Promise<void> {
    return this.enqueue(async () => {
      await this.shutdown();
      await this.launch();
    });
  }

  stop(): Promise<void> {
    return this.enqueue(() => this.shutdown());
  }

  dispose(): void {
    void this.stop();
    this.subscriptions.forEach((subscription) => subscription.dispose());
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(step, step);
    return this.queue;
  }

  private async launch(): Promise<void> {
    const line = commandLine(LANGUAGE_SERVER);
    const problem = await startProblem(LANGUAGE_SERVER, line);
    if (problem !== undefined) {
      this.output.appendLine(problem);
      void reportStartProblem(problem, () => this.restart());
      return;
    }
    const clientOptions: LanguageClientOptions = {
      documentSelector: [
        { scheme: 'file', language: 'esker' },
        { scheme: 'untitled', language: 'esker' },
      ],
      outputChannel: this.output,
      initializationOptions: { parameterHints: vscode.workspace.getConfiguration('esker').get('parameterHints', true) },
      // Sends the `esker` settings when they change (the server reads `parameterHints`).
      synchronize: { configurationSection: 'esker' },
    };
    this.output.appendLine(`Starting the language server: ${[line.command, ...line.args].join(' ')}`);
    const client = new LanguageClient('esker', 'Esker Language Server', line, clientOptions);
    keepClientCommands(client);
    this.client = client;
    try {
      await client.start();
    } catch (error) {
      this.output.appendLine(`esker-lsp failed to start: ${String(error)}`);
      const command = [line.command, ...line.args].join(' ');
      void reportStartProblem(
        `Esker: the language server (\`${command}\`) failed to start: ${String(error)}. See the Esker output.`,
        () => this.restart(),
      );
      return;
    }
    this.readyEmitter.fire(client);
  }

  private async shutdown(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client?.needsStop()) {
      await client.stop();
    }
  }
}

/**
 * The server lists `esker.showBytecode` among its commands for editors that
 * have no bytecode view of their own. The client would register a VS Code
 * command under the same id as the extension's, which VS Code refuses, so
 * those ids are left out of the server's registration.
 */
function keepClientCommands(client: LanguageClient): void {
  const feature = client.getFeature(ExecuteCommandRequest.method);
  const register = feature.register.bind(feature);
  feature.register = (data) =>
    register({
      ...data,
      registerOptions: {
        ...data.registerOptions,
        commands: data.registerOptions.commands.filter((command) => !CLIENT_COMMANDS.includes(command)),
      },
    });
}
