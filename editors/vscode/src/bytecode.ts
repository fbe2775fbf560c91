/**
 * The live bytecode view: a read-only document beside an Esker file that shows
 * what the file compiles to (the server's `esker/disassemble` listing). It is
 * refreshed as the file is edited, highlights the instructions compiled from
 * the cursor's line, and a click on an instruction selects its source. It can
 * switch to the Python the compiled tier generates for the same functions.
 */
import * as vscode from 'vscode';
import { Range } from 'vscode-languageclient';
import { ServerConnection } from './client';
import { Shown, ViewText, accept, innermostFunction, render, sourceAt, viewLinesOf } from './listing';
import { DisassembleRequest, Listing, ListingView, complete } from './protocol';

export const BYTECODE_SCHEME = 'esker-bytecode';

export class BytecodeViews implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly shown = new Map<string, Shown>();
  /** What each source's view lists, by source URI (bytecode when absent). */
  private readonly views = new Map<string, ListingView>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly changeEmitter = new vscode.EventEmitter<vscode.Uri>();
  private readonly highlight = vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    backgroundColor: new vscode.ThemeColor('editor.rangeHighlightBackground'),
    overviewRulerColor: new vscode.ThemeColor('editorOverviewRuler.rangeHighlightForeground'),
    overviewRulerLane: vscode.OverviewRulerLane.Full,
  });
  private readonly subscriptions: vscode.Disposable[];

  readonly onDidChange = this.changeEmitter.event;

  constructor(private readonly server: ServerConnection) {
    this.subscriptions = [
      this.changeEmitter,
      this.highlight,
      vscode.workspace.onDidChangeTextDocument((event) => this.documentChanged(event.document)),
      vscode.window.onDidChangeTextEditorSelection((event) => this.selectionChanged(event)),
      vscode.window.onDidChangeVisibleTextEditors(() => this.shown.forEach((_, key) => this.highlightCursorLine(key))),
      server.onDidStart(() => this.refreshAll()),
    ];
  }

  /**
   * Opens (or focuses) the bytecode view of `source` beside it, scrolled to
   * the function at `at` if given, else to the instructions of the cursor's line.
   */
  async show(source: vscode.TextDocument, at?: vscode.Position): Promise<void> {
    await this.refresh(source);
    const document = await vscode.workspace.openTextDocument(bytecodeUri(source.uri));
    const [open] = editorsShowing(document.uri.toString());
    const editor = await vscode.window.showTextDocument(document, {
      viewColumn: open?.viewColumn ?? vscode.ViewColumn.Beside,
      preserveFocus: true,
      preview: false,
    });
    const shown = this.shown.get(source.uri.toString());
    const listed = at && shown && innermostFunction(shown.listing.functions, at);
    if (listed) {
      const top = listed.listingStart + this.text(source.uri).offset;
      editor.revealRange(new vscode.Range(top, 0, top, 0), vscode.TextEditorRevealType.AtTop);
    }
    this.highlightCursorLine(source.uri.toString(), listed === undefined);
  }

  /** Switches the view of `source` between bytecode and the compiled tier's Python, and shows it. */
  async switchView(source: vscode.TextDocument): Promise<void> {
    const key = source.uri.toString();
    this.views.set(key, this.views.get(key) === 'python' ? 'bytecode' : 'python');
    await this.show(source);
  }

  /** The source document whose view `uri` is, if it is a view. */
  sourceOf(uri: vscode.Uri): vscode.Uri | undefined {
    return uri.scheme === BYTECODE_SCHEME ? sourceUri(uri) : undefined;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    if (!this.shown.has(sourceUri(uri).toString())) {
      return 'Run "Esker: Show Bytecode" from an Esker file to list its bytecode here.\n';
    }
    return this.text(sourceUri(uri)).text;
  }

  dispose(): void {
    this.timers.forEach((timer) => clearTimeout(timer));
    this.subscriptions.forEach((subscription) => subscription.dispose());
  }

  /** The view's text for `source`: notes on what is missing, then the listing. */
  private text(source: vscode.Uri): ViewText {
    const shown = this.shown.get(source.toString());
    return shown ? render(shown) : { text: '', offset: 0 };
  }

  private async refresh(source: vscode.TextDocument): Promise<void> {
    const key = source.uri.toString();
    this.shown.set(key, accept(this.shown.get(key), await this.disassemble(source)));
    this.changeEmitter.fire(bytecodeUri(source.uri));
  }

  private async disassemble(source: vscode.TextDocument): Promise<Listing> {
    const client = this.server.running;
    if (client === undefined) {
      return noListing('the Esker language server is not running; run "Esker: Restart Language Server"');
    }
    try {
      const textDocument = { uri: client.code2ProtocolConverter.asUri(source.uri) };
      const view = this.views.get(source.uri.toString()) ?? 'bytecode';
      const result = await client.sendRequest(DisassembleRequest, { textDocument, view });
      return result ? complete(result) : noListing('the language server has not opened this file');
    } catch (error) {
      return noListing(`the language server could not list this file: ${String(error)}`);
    }
  }

  private refreshAll(): void {
    vscode.workspace.textDocuments.filter((document) => this.isOpen(document.uri)).forEach((document) => {
      void this.refresh(document);
    });
  }

  /** Whether the view of `source` is open; a closed view keeps its listing, to show at once when reopened. */
  private isOpen(source: vscode.Uri): boolean {
    const view = bytecodeUri(source).toString();
    return vscode.workspace.textDocuments.some((document) => document.uri.toString() === view);
  }

  private documentChanged(document: vscode.TextDocument): void {
    if (document.uri.scheme === BYTECODE_SCHEME) {
      // The listing was replaced: put the highlight back on the new text, where the reader left it.
      this.highlightCursorLine(sourceUri(document.uri).toString(), false);
      return;
    }
    const key = document.uri.toString();
    if (!this.isOpen(document.uri)) {
      return;
    }
    clearTimeout(this.timers.get(key));
    const delay = vscode.workspace.getConfiguration('esker').get<number>('bytecode.updateDelay', 300);
    this.timers.set(key, setTimeout(() => void this.refresh(document), delay));
  }

  private selectionChanged(event: vscode.TextEditorSelectionChangeEvent): void {
    const uri = event.textEditor.document.uri;
    if (uri.scheme !== BYTECODE_SCHEME) {
      this.highlightCursorLine(uri.toString());
    } else if (event.kind === vscode.TextEditorSelectionChangeKind.Mouse) {
      void this.revealSource(uri, event.selections[0].active.line);
    }
  }

  /**
   * Highlights, in every view of `key`'s bytecode, the instructions compiled
   * from the cursor's line, and scrolls the first into view if `scroll`.
   */
  private highlightCursorLine(key: string, scroll = true): void {
    const shown = this.shown.get(key);
    const [source] = editorsShowing(key);
    if (shown === undefined || source === undefined) {
      return;
    }
    const { offset } = render(shown);
    const lines = viewLinesOf(shown.listing.functions, source.selection.active.line, offset).map(
      (line) => new vscode.Range(line, 0, line, 0),
    );
    const viewUri = bytecodeUri(source.document.uri).toString();
    for (const view of editorsShowing(viewUri)) {
      view.setDecorations(this.highlight, lines);
      if (scroll && lines.length > 0 && !view.visibleRanges.some((visible) => visible.contains(lines[0]))) {
        view.revealRange(lines[0], vscode.TextEditorRevealType.InCenterIfOutsideViewport);
      }
    }
  }

  /** Selects, in the source editor, what the view's `line` was compiled from. */
  private async revealSource(viewUri: vscode.Uri, line: number): Promise<void> {
    const source = sourceUri(viewUri);
    const shown = this.shown.get(source.toString());
    const target = shown && sourceAt(shown.listing.functions, line, render(shown).offset);
    if (target === undefined) {
      return;
    }
    const [editor] = editorsShowing(source.toString());
    await vscode.window.showTextDocument(source, {
      viewColumn: editor?.viewColumn ?? vscode.ViewColumn.One,
      selection: asRange(target),
      preserveFocus: true,
    });
  }
}

function asRange(range: Range): vscode.Range {
  return new vscode.Range(range.start.line, range.start.character, range.end.line, range.end.character);
}

function editorsShowing(uri: string): vscode.TextEditor[] {
  return vscode.window.visibleTextEditors.filter((editor) => editor.document.uri.toString() === uri);
}

function noListing(message: string): Listing {
  return { listing: '', functions: [], missing: [], message };
}

/** The view's URI carries the source's URI, so each source file has one view. */
function bytecodeUri(source: vscode.Uri): vscode.Uri {
  return vscode.Uri.from({ scheme: BYTECODE_SCHEME, path: `${source.path}.bytecode`, query: source.toString() });
}

function sourceUri(view: vscode.Uri): vscode.Uri {
  return vscode.Uri.parse(view.query);
}
