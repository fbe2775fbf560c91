/**
 * The Esker extension in a real VS Code (code-server, driven through
 * headless Chromium): activation, diagnostics, hover bytecode, inlay hints,
 * code lenses, the live bytecode view in both directions and on files that
 * do not compile, and a debug session that stops inside a closure, shows
 * Registers and Upvalues, steps one instruction in the Disassembly view and
 * one back, goes back to a breakpoint's previous hit with Reverse,
 * evaluates in the debug console and prints the program's output; and the
 * error, with its interpreter picker, when esker-lsp cannot be found. It saves
 * the README's pictures on the way. Run by run.sh, which installs what it needs.
 *
 * Environment: ESKER_E2E_VSIX (the packaged extension), ESKER_E2E_VENV (a
 * virtual environment with Esker installed), ESKER_E2E_CHROMIUM (the browser),
 * ESKER_E2E_SCREENSHOTS (where the pictures go).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { launch, until } from './vscode.mjs';

const PICTURES = process.env.ESKER_E2E_SCREENSHOTS;
/** @type {import('./vscode.mjs').VSCode} */
let vscode;
let source;

before(async () => {
  vscode = await launch({
    vsix: process.env.ESKER_E2E_VSIX,
    venv: process.env.ESKER_E2E_VENV,
    chromiumPath: process.env.ESKER_E2E_CHROMIUM,
  });
});

after(async () => {
  await vscode?.close();
});

/** Saves a picture for the README when the run was asked to. */
async function picture(name) {
  if (PICTURES) {
    await vscode.screenshot(PICTURES, name);
  }
}

test('the extension activates without errors and finds esker-lsp in the workspace .venv', async () => {
  await vscode.command('View: Close Primary Side Bar');
  source = await vscode.open('counter.esk');
  const log = await vscode.extensionHostLog("_doActivateExtension esker.esker");
  const errors = log.split('\n').filter((line) => /\[error\]/.test(line) && /esker/i.test(line));
  assert.deepEqual(errors, []);
  const output = await vscode.outputChannel('Esker', 'Starting the language server');
  assert.match(output, /Starting the language server: \S*\/\.venv\/bin\/esker-lsp/);
});

test('inlay hints show registers and code lenses show instruction counts, Run and Debug', async () => {
  await until('a register inlay hint', async () =>
    (await vscode.lines(source)).some((line) => /let\s+count\s*‹r1›\s*=\s*start/.test(line.text)));
  const lenses = source.locator('.codelens-decoration');
  await until('the Run lens', async () => (await lenses.allInnerTexts()).join('|').includes('Run'));
  const shown = (await lenses.allInnerTexts()).join('|');
  assert.match(shown, /bytecode: \d+ instructions/);
  assert.match(shown, /Debug/);
});

test('parameter names show before the arguments of calls', async () => {
  await until('a parameter-name inlay hint', async () =>
    (await vscode.lines(source)).some((line) => /counter\(\s*start:\s*10\)/.test(line.text)));
});

test('diagnostics appear in the Problems view after an edit and go away when it is undone', async () => {
  await vscode.command('View: Focus Problems (Errors, Warnings, Infos)');
  const problems = vscode.page.locator('.markers-panel .monaco-list-row');
  await vscode.open('counter.esk');
  await vscode.page.keyboard.press('Control+End');
  await vscode.page.keyboard.type('print(nowhere)');
  await problems.filter({ hasText: 'undefined name `nowhere`' }).first().waitFor();
  await vscode.command('File: Revert File');
  await until('the problem to go away', async () =>
    (await problems.filter({ hasText: 'nowhere' }).count()) === 0);
  await vscode.command('View: Hide Panel');
});

test('hover shows the instructions of the hovered expression', async () => {
  const hover = await vscode.hover(source, /count\s\+=\sstep/, '+=');
  await until('bytecode in the hover', async () => /Bytecode of this code/.test(await hover.innerText()));
  const text = await hover.innerText();
  assert.match(text, /GETUPVAL/);
  assert.match(text, /ADD/);
  assert.match(text, /SETUPVAL/);
  await picture('hover-bytecode');
  await vscode.page.keyboard.press('Escape');
});

test('Show Bytecode follows the cursor, and a click on an instruction selects its source', async () => {
  await vscode.open('counter.esk');
  await vscode.goToLine(5);
  await vscode.command('Esker: Show Bytecode');
  const view = vscode.bytecodeView('counter.esk');
  await until('the listing', async () => (await vscode.lines(view)).some((line) => line.text.startsWith('function ')));
  const headers = (await vscode.lines(view)).filter((line) => line.text.startsWith('function '));
  assert.match(headers[0].text, /^function <module> \(counter\.esk:1-\d+\)/, 'paths relative to the workspace');

  const highlighted = async () => (await vscode.lines(view)).filter((line) => line.highlighted).map((line) => line.text);
  await until('line 5 highlighted', async () => {
    const lines = await highlighted();
    return lines.length > 0 && lines.every((text) => /\[5:\d+\]/.test(text));
  });
  assert.ok((await highlighted()).some((text) => text.includes('SETUPVAL')));
  await picture('bytecode-view');

  await vscode.goToLine(12);
  await until('line 12 highlighted and scrolled into view', async () => {
    const lines = await highlighted();
    return lines.length > 0 && lines.every((text) => /\[12:\d+\]/.test(text));
  });

  // The other direction: a click on an instruction puts the source's cursor on what it came from.
  await vscode.line(view, /\[11:\d+\]\s+LOADI/).click();
  await until('the cursor on line 11 of the source', async () =>
    (await vscode.lines(source)).some((line) => line.cursor && line.number === 11));
  await vscode.command('View: Close All Editor Groups');
});

test('Show Bytecode on a file where nothing compiles says why, without an error', async () => {
  await vscode.open('broken.esk');
  await vscode.command('Esker: Show Bytecode');
  const view = vscode.bytecodeView('broken.esk');
  await until('the notes', async () => (await vscode.lines(view)).some((line) => line.text.includes('not compiled')));
  const text = (await vscode.lines(view)).map((line) => line.text).join('\n');
  assert.match(text, /^\(This file has errors/m);
  assert.match(text, /^\(not compiled: <module> — .*line 2: unexpected end of file/m);
  assert.equal(await vscode.page.locator('.notifications-toasts .notification-toast').count(), 0);
  await vscode.command('View: Close All Editor Groups');
});

test('Show Bytecode on a file where some functions compile names the missing ones', async () => {
  await vscode.open('partly.esk');
  await vscode.command('Esker: Show Bytecode');
  const view = vscode.bytecodeView('partly.esk');
  await until('the listing', async () => (await vscode.lines(view)).some((line) => line.text.startsWith('function area')));
  const text = (await vscode.lines(view)).map((line) => line.text).join('\n');
  assert.match(text, /^\(not compiled: perimeter — line 6: undefined name `hight`\)/m);
  // The view follows edits: a new function appears in it.
  await vscode.page.keyboard.press('Control+End');
  await vscode.page.keyboard.type('fn volume(w, h, d) { return area(w, h) * d }');
  await until('the new function in the view', async () =>
    (await vscode.lines(view)).some((line) => line.text.startsWith('function volume (partly.esk:10-10)')));
  await vscode.command('File: Revert File');
  await vscode.command('View: Close All Editor Groups');
});

test('F5 stops at a breakpoint in a closure; the Variables view shows Registers and Upvalues', async () => {
  source = await vscode.open('counter.esk');
  await vscode.goToLine(5);
  await vscode.command('Debug: Toggle Breakpoint');
  await vscode.page.keyboard.press('F5');
  await source.locator('.debug-top-stack-frame-line').first().waitFor();
  assert.equal((await vscode.lines(source)).find((line) => line.cursor)?.number, 5);

  const variables = vscode.page.locator('.debug-variables .monaco-list-row');
  await variables.filter({ hasText: 'Registers' }).first().waitFor();
  await variables.filter({ hasText: 'Upvalues' }).first().click();
  await variables.filter({ hasText: /count\s*=\s*10/ }).first().waitFor();
  await variables.filter({ hasText: 'Registers' }).first().click();
  await variables.filter({ hasText: /r0 \(step\)\s*=\s*1/ }).first().waitFor();
  await picture('debug-registers');
});

/** The Disassembly view's rows, the one of the current instruction, and the text of an instruction row. */
const disassembly = () => vscode.page.locator('.disassembly-view .monaco-list-row');
const currentInstruction = () =>
  disassembly().filter({ has: vscode.page.locator('.codicon-debug-stackframe') }).first();
const instructionText = (row) => row.locator('.instruction').innerText();
let stoppedAt;

/** Runs a stepping command and returns the current instruction once it has moved. */
async function stepInstruction(title) {
  const before = await instructionText(currentInstruction());
  await vscode.command(title);
  await until(`${title} to move`, async () => (await instructionText(currentInstruction()).catch(() => before)) !== before);
  const listed = await disassembly().locator('.instruction').allInnerTexts();
  const after = await instructionText(currentInstruction());
  return { before: listed.indexOf(before), after: listed.indexOf(after), text: after };
}

test('a step in the Disassembly view advances one instruction', async () => {
  await vscode.command('Open Disassembly View');
  await currentInstruction().waitFor();
  stoppedAt = await instructionText(currentInstruction());
  assert.match(stoppedAt, /GETUPVAL/);
  // Steps taken while the Disassembly view has focus go one instruction at a time.
  await currentInstruction().click();
  const step = await stepInstruction('Debug: Step Over');
  assert.equal(step.after, step.before + 1, step.text);
  assert.match(step.text, /ADD/);
  // GETUPVAL has copied the upvalue into its register.
  await vscode.page.locator('.debug-variables .monaco-list-row').filter({ hasText: /r1 \(temp\)\s*=\s*10/ }).first()
    .waitFor();
  await picture('disassembly-step');
});

/** A button of the debug toolbar (here docked in the Run view's title), by its icon; Step Back and
 * Reverse are there only, not in the command palette. */
const toolbarButton = (icon) => vscode.page.locator(`.action-label.codicon-${icon}`).first();

test('Step Back in the Disassembly view returns to the previous instruction', async () => {
  // The buttons appear because esker-dap advertises supportsStepBack.
  await toolbarButton('debug-reverse-continue').waitFor();
  const before = await instructionText(currentInstruction());
  await toolbarButton('debug-step-back').click();
  await until('Step Back to move', async () =>
    (await instructionText(currentInstruction()).catch(() => before)) !== before);
  assert.equal(await instructionText(currentInstruction()), stoppedAt);
  // Back before GETUPVAL, its register holds what it held then.
  await vscode.page.locator('.debug-variables .monaco-list-row').filter({ hasText: /r1 \(temp\)\s*=\s*nil/ }).first()
    .waitFor();
  await picture('step-back');
});

test('Reverse goes back from the second hit of a breakpoint to the first, with the values of then', async () => {
  source = await vscode.open('counter.esk');
  const upvalue = (value) => vscode.page.locator('.debug-variables .monaco-list-row')
    .filter({ hasText: new RegExp(`count\\s*=\\s*${value}\\b`) }).first();
  await vscode.command('Debug: Continue');
  await upvalue(11).waitFor();
  await toolbarButton('debug-reverse-continue').click();
  await upvalue(10).waitFor();
  assert.equal((await vscode.lines(source)).find((line) => line.cursor)?.number, 5);
  await picture('reverse-continue');
});

test('"Who Changed This?" on a variable goes back to the write that set it', async () => {
  // count = 10 in the closure's Upvalues: it was set by `let count = start` in counter().
  const count = vscode.page.locator('.debug-variables .monaco-list-row').filter({ hasText: /count\s*=\s*10/ }).first();
  await count.click({ button: 'right' });
  const item = vscode.page.locator('.context-view .action-menu-item', { hasText: 'Who Changed This?' }).first();
  // The menu ignores a click that comes right after it opened (the right button's own release).
  await item.hover();
  await new Promise((resolve) => setTimeout(resolve, 500));
  await item.click();
  // The program stops right after that write, in counter(), whose locals show it set.
  const frames = vscode.page.locator('.debug-call-stack .monaco-list-row');
  await frames.filter({ hasText: /counter\s*counter\.esk\s*4/ }).first().waitFor();
  await vscode.page.locator('.debug-variables .monaco-list-row').filter({ hasText: /start\s*=\s*10/ }).first()
    .waitFor();
  await picture('who-changed-this');
  // Forward again through the recorded past, to the breakpoint in the closure.
  await vscode.command('Debug: Continue');
  await frames.filter({ hasText: /counter\.esk\s*5/ }).first().waitFor();
});

test("the debug console evaluates an expression and shows the program's output", async () => {
  await vscode.command('Debug Console: Focus on Debug Console View');
  await vscode.page.keyboard.type('step * 100');
  await vscode.page.keyboard.press('Enter');
  // The console's lines, however the adapter's output events split them into rows.
  const repl = async () => (await vscode.page.locator('.repl .monaco-list-row').allInnerTexts())
    .join('\n').split('\n').map((line) => line.trim());
  await until('the value in the debug console', async () => (await repl()).includes('100'));

  await vscode.command('Remove All Breakpoints');
  await vscode.command('Debug: Continue');
  await until("the program's output in the debug console", async () => {
    const shown = await repl();
    return shown.includes('11') && shown.includes('13');
  });
  // The status bar loses its debugging colour when the session ends.
  await vscode.page.locator('.part.statusbar.debugging').waitFor({ state: 'detached' });
});

test('without esker-lsp on PATH or in a workspace venv, the error offers to pick an interpreter', async () => {
  // Take the workspace's .venv away and restart the server.
  const venv = path.join(vscode.workspace, '.venv');
  fs.renameSync(venv, `${venv}-hidden`);
  try {
    await vscode.command('Esker: Restart Language Server');
    const toast = vscode.page.locator('.notifications-toasts .notification-toast')
      .filter({ hasText: 'cannot start the language server' }).first();
    await toast.waitFor();
    assert.match(await toast.innerText(), /not found on PATH nor in a \.venv or venv folder of the workspace/);
    await toast.locator('.monaco-button', { hasText: 'Pick Interpreter…' }).click();
    const input = vscode.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ state: 'visible' });
    await vscode.page.locator('.quick-input-list .monaco-list-row', { hasText: 'Browse…' }).first().waitFor();
    await vscode.page.keyboard.press('Escape');
  } finally {
    fs.renameSync(`${venv}-hidden`, venv);
  }
});
