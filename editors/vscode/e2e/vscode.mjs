/**
 * A real VS Code for the end-to-end test: code-server (installed by
 * install-code-server.sh) serving a copy of `workspace/` on 127.0.0.1, with
 * the packaged extension installed, driven through headless Chromium by
 * playwright-core. The helpers act as a person would (keys, the command
 * palette, clicks, the mouse) and read what VS Code shows in its DOM; every
 * wait is for a state of the page or of a file, never a fixed delay.
 */
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const CODE_SERVER_VERSION = '4.100.3';
const CODE_SERVER = path.join(HERE, '.cache', `code-server-${CODE_SERVER_VERSION}`, 'node_modules', 'code-server',
  'out', 'node', 'entry.js');
/** How long one awaited UI state may take before the test fails. */
export const PATIENCE = 60_000;

/** Chromium flags that work without a network, a GPU or a sandbox (the tests may run as root). */
const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

/** Settings that keep VS Code quiet and its pictures plain. */
const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'security.workspace.trust.enabled': false,
  'workbench.colorTheme': 'Default Dark Modern',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.layoutControl.enabled': false,
  'chat.commandCenter.enabled': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'telemetry.telemetryLevel': 'off',
  'editor.minimap.enabled': false,
  'editor.fontSize': 14,
  'editor.hover.delay': 200,
  'debug.toolBarLocation': 'docked',
  'files.autoSave': 'off',
  'git.enabled': false,
};

/** A free TCP port on 127.0.0.1. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Polls `probe` until it returns something truthy; fails with `what` after `timeout` ms. */
export async function until(what, probe, timeout = PATIENCE) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await probe();
    if (value) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Starts code-server with the extension `vsix` on a copy of `workspace/`
 * (whose `.venv` points at `venv`, so the extension finds `esker-lsp`
 * there), and opens it in headless Chromium.
 */
export async function launch({ vsix, venv, chromiumPath }) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'esker-e2e-'));
  const workspace = path.join(root, 'workspace');
  fs.cpSync(path.join(HERE, 'workspace'), workspace, { recursive: true });
  fs.symlinkSync(venv, path.join(workspace, '.venv'));
  const userData = path.join(root, 'user-data');
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify(USER_SETTINGS, null, 2));
  const common = ['--user-data-dir', userData, '--extensions-dir', path.join(root, 'extensions'),
    '--config', path.join(root, 'config.yaml')];
  // code-server keeps a heartbeat and logs under the XDG folders: those of this run, not the user's.
  const env = { ...process.env, XDG_DATA_HOME: path.join(root, 'data'), XDG_CONFIG_HOME: path.join(root, 'config'),
    XDG_CACHE_HOME: path.join(root, 'cache') };
  execFileSync(process.execPath, [CODE_SERVER, ...common, '--install-extension', vsix], { stdio: 'pipe', env });

  const port = await freePort();
  const serverLog = path.join(root, 'code-server.log');
  const output = fs.openSync(serverLog, 'w');
  const server = spawn(process.execPath, [CODE_SERVER, ...common, '--bind-addr', `127.0.0.1:${port}`,
    '--auth', 'none', '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
    '--disable-getting-started-override', workspace], { stdio: ['ignore', output, output], detached: true, env });
  fs.closeSync(output);
  const vscode = new VSCode({ root, workspace, userData, server });
  try {
    await until('code-server to listen', () => fs.readFileSync(serverLog, 'utf8').includes('HTTP server listening'));
    vscode.browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_FLAGS });
    vscode.page = await vscode.browser.newPage({ viewport: { width: 1280, height: 760 } });
    vscode.page.setDefaultTimeout(PATIENCE);
    await vscode.page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`);
    await vscode.page.locator('.monaco-workbench .explorer-folders-view').waitFor();
  } catch (error) {
    await vscode.close();
    throw error;
  }
  return vscode;
}

export class VSCode {
  constructor({ root, workspace, userData, server }) {
    Object.assign(this, { root, workspace, userData, server });
    /** @type {import('playwright-core').Browser | undefined} */
    this.browser = undefined;
    /** @type {import('playwright-core').Page} */
    this.page = undefined;
  }

  /** Stops the browser and code-server (with the processes it started) and removes the run's files. */
  async close() {
    await this.browser?.close();
    try {
      process.kill(-this.server.pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
    fs.rmSync(this.root, { recursive: true, force: true });
  }

  /** The editor showing the workspace file `file` (in code-server its URI is `vscode-remote://HOST/PATH`). */
  editor(file) {
    return this.page.locator(`.editor-group-container .monaco-editor[data-uri$="${path.join(this.workspace, file)}"]`)
      .first();
  }

  /** The editor of the bytecode view of the workspace file `file`. */
  bytecodeView(file) {
    return this.page.locator(`.editor-group-container .monaco-editor[data-uri^="esker-bytecode:"]` +
      `[data-uri*="/${file}.bytecode"]`).first();
  }

  /** Runs a command from the command palette by its exact title. */
  async command(title) {
    await this.page.keyboard.press('F1');
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible' });
    await input.fill(`>${title}`);
    await this.pick(title);
    await input.waitFor({ state: 'hidden' });
  }

  /** Whether the command palette offers `title` now (commands whose precondition fails are not listed). */
  async hasCommand(title) {
    await this.page.keyboard.press('F1');
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible' });
    await input.fill(`>${title}`);
    const labels = this.page.locator('.quick-input-list .monaco-list-row .label-name');
    // The list is filtered as the text is typed: wait for a row that matches it, or for "No matching commands".
    await this.page.locator('.quick-input-list .monaco-list-row, .quick-input-message:has-text("No matching")')
      .first().waitFor();
    const offered = (await labels.allInnerTexts()).includes(title);
    await this.page.keyboard.press('Escape');
    await input.waitFor({ state: 'hidden' });
    return offered;
  }

  /** Clicks the row of the open quick pick whose label is exactly `label`. */
  async pick(label) {
    const exact = new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
    await this.page.locator('.quick-input-list .monaco-list-row')
      .filter({ has: this.page.locator('.label-name', { hasText: exact }) }).first().click();
  }

  /** Opens a workspace file with Quick Open and waits until its editor is shown and focused. */
  async open(file) {
    await this.page.keyboard.press('Control+P');
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible' });
    await input.fill(file);
    await this.pick(path.basename(file));
    await input.waitFor({ state: 'hidden' });
    const editor = this.editor(file);
    await editor.locator('.view-line').first().waitFor();
    await until(`${file} to have focus`, () => editor.evaluate((node) => node.classList.contains('focused')));
    return editor;
  }

  /** Moves the cursor of the focused editor to the start of 1-based `line` (Quick Open's `:line`). */
  async goToLine(line) {
    await this.page.keyboard.press('Control+P');
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible' });
    await input.fill(`:${line}`);
    await this.page.keyboard.press('Enter');
    await input.waitFor({ state: 'hidden' });
    await until(`the cursor on line ${line}`, async () => (await this.statusBarPosition())?.line === line);
  }

  /** The cursor position the status bar shows for the focused editor. */
  async statusBarPosition() {
    const text = await this.page.locator('[id="status.editor.selection"]').innerText().catch(() => '');
    const found = /Ln (\d+), Col (\d+)/.exec(text);
    return found ? { line: Number(found[1]), column: Number(found[2]) } : undefined;
  }

  /**
   * The rendered lines of `editor`: for each, its 1-based number, its text,
   * whether a whole-line decoration of the extension (the bytecode view's
   * highlight) covers it, and whether it holds the primary cursor.
   */
  async lines(editor) {
    return editor.evaluate((node) => {
      const top = (element) => Math.round(parseFloat(element.style.top));
      const numbers = new Map([...node.querySelectorAll('.margin-view-overlays > div')].map((row) => [
        top(row), { number: Number(row.querySelector('.line-numbers')?.textContent?.trim() || 0),
          active: Boolean(row.querySelector('.line-numbers.active-line-number')) }]));
      // Decoration types an extension creates render as `ced-…` class names in the view overlays.
      const decorated = new Set([...node.querySelectorAll('.view-overlays > div')]
        .filter((row) => [...row.children].some((child) => [...child.classList].some((name) => name.startsWith('ced-'))))
        .map(top));
      return [...node.querySelectorAll('.view-lines > .view-line')]
        .map((line) => ({ top: top(line), text: line.textContent.replace(/\u00a0/g, ' ') }))
        .sort((a, b) => a.top - b.top)
        .map(({ top: at, text }) => ({ number: numbers.get(at)?.number ?? 0, text, highlighted: decorated.has(at),
          cursor: numbers.get(at)?.active ?? false }));
    });
  }

  /** The rendered line of `editor` whose text matches `pattern`. */
  line(editor, pattern) {
    return editor.locator('.view-lines > .view-line').filter({ hasText: pattern }).first();
  }

  /** Hovers the mouse over the first occurrence of `text` on the line matching `pattern`, and returns the hover. */
  async hover(editor, pattern, text) {
    const line = this.line(editor, pattern);
    await line.waitFor();
    const box = await line.evaluate((node, wanted) => {
      const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
      for (let current = walker.nextNode(); current; current = walker.nextNode()) {
        const at = current.textContent.replace(/\u00a0/g, ' ').indexOf(wanted);
        if (at >= 0) {
          const range = document.createRange();
          range.setStart(current, at);
          range.setEnd(current, at + wanted.length);
          const { x, y, width, height } = range.getBoundingClientRect();
          return { x, y, width, height };
        }
      }
      return undefined;
    }, text);
    if (!box) {
      throw new Error(`"${text}" is not on the line matching ${pattern}`);
    }
    await this.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 4 });
    const hover = this.page.locator('.monaco-hover:not(.hidden)').filter({ hasText: /\S/ }).first();
    await hover.waitFor({ state: 'visible' });
    return hover;
  }

  /** The newest extension host log that mentions `text`, once there is one. */
  async extensionHostLog(text) {
    return until(`the extension host log to mention ${text}`, () => {
      const logs = findFiles(path.join(this.userData, 'logs'), (name) => name === 'remoteexthost.log');
      return logs.map((file) => fs.readFileSync(file, 'utf8')).reverse().find((log) => log.includes(text));
    });
  }

  /** The text of the extension's output channel ("Esker"), once it holds `text`. */
  async outputChannel(name, text) {
    return until(`the ${name} output to mention ${text}`, () => {
      const logs = findFiles(path.join(this.userData, 'logs'), (file) => file.endsWith(`-${name}.log`));
      return logs.map((file) => fs.readFileSync(file, 'utf8')).find((log) => log.includes(text));
    });
  }

  /** Saves a picture of the window (or of `clip`) as `name`.png in `folder`. */
  async screenshot(folder, name) {
    fs.mkdirSync(folder, { recursive: true });
    await this.page.screenshot({ path: path.join(folder, `${name}.png`) });
  }
}

function findFiles(folder, wanted) {
  if (!fs.existsSync(folder)) {
    return [];
  }
  return fs.readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && wanted(entry.name))
    .map((entry) => path.join(entry.parentPath ?? entry.path, entry.name))
    .sort();
}
