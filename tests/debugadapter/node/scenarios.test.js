// The main debug adapter scenarios, driven by the DebugClient of
// @vscode/debugadapter-testsupport (the client VS Code's own adapters are
// tested with). Run by tests/debugadapter/test_dap_node.py, which passes the
// adapter command and the test programs' folder in the environment.
'use strict';

const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { test, beforeEach, afterEach } = require('node:test');
const { DebugClient } = require('@vscode/debugadapter-testsupport');

const PYTHON = process.env.ESKER_DAP_PYTHON;
const ADAPTER = process.env.ESKER_DAP_SCRIPT;
const PROGRAMS = process.env.ESKER_DAP_PROGRAMS;

/** Line numbers of the `# @bp NAME` markers of a test program, by name. */
function markers(file) {
    const found = {};
    fs.readFileSync(file, 'utf8').split('\n').forEach((text, index) => {
        const match = /#\s*@bp\b\s*(\w*)/.exec(text);
        if (match) {
            found[match[1] || String(Object.keys(found).length)] = index + 1;
        }
    });
    return found;
}

const BASICS = path.join(PROGRAMS, 'basics.esk');
const LINES = markers(BASICS);

let dc;

beforeEach(async () => {
    dc = new DebugClient(PYTHON, ADAPTER, 'esker');
    dc.defaultTimeout = 20000;
    await dc.start();
});

afterEach(async () => {
    await dc.stop();
});

test('stops on entry and runs to the end with the program output', async () => {
    const file = path.join(PROGRAMS, 'last.esk');
    await Promise.all([
        dc.configurationSequence(),
        dc.launch({ program: file, stopOnEntry: true }),
        dc.assertStoppedLocation('entry', { path: file, line: 2 }),
    ]);
    await Promise.all([
        dc.continueRequest({ threadId: 1 }),
        dc.assertOutput('stdout', 'last yes\n'),
        dc.waitForEvent('terminated'),
    ]);
});

test('hits a breakpoint found by its marker', async () => {
    await dc.hitBreakpoint({ program: BASICS }, { path: BASICS, line: LINES.add });
    const frames = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames;
    assert.deepStrictEqual(frames.map((f) => f.name), ['add', '<module>']);
});

test('shows locals and registers of the stopped frame', async () => {
    await dc.hitBreakpoint({ program: BASICS }, { path: BASICS, line: LINES.add });
    const frame = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0];
    const scopes = (await dc.scopesRequest({ frameId: frame.id })).body.scopes;
    assert.deepStrictEqual(scopes.map((s) => s.name), ['Locals', 'Registers', 'Upvalues', 'Globals']);
    const locals = (await dc.variablesRequest({ variablesReference: scopes[0].variablesReference })).body.variables;
    assert.deepStrictEqual(locals.map((v) => [v.name, v.value]), [['a', '2'], ['b', '3']]);
    const registers = (await dc.variablesRequest({ variablesReference: scopes[1].variablesReference })).body.variables;
    assert.strictEqual(registers[0].name, 'r0 (a)');
});

test('steps in, out and over by line', async () => {
    await dc.hitBreakpoint({ program: BASICS }, { path: BASICS, line: LINES.call });
    await Promise.all([dc.stepInRequest({ threadId: 1 }), dc.assertStoppedLocation('step', { line: LINES.add })]);
    await Promise.all([dc.stepOutRequest({ threadId: 1 }), dc.assertStoppedLocation('step', { line: LINES.call })]);
    await Promise.all([dc.nextRequest({ threadId: 1 }), dc.assertStoppedLocation('step', { line: LINES.call + 1 })]);
});

test('evaluates an expression in the stopped frame', async () => {
    await dc.hitBreakpoint({ program: BASICS }, { path: BASICS, line: LINES.add });
    const frame = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0];
    const answer = await dc.evaluateRequest({ expression: 'a * 10 + b', frameId: frame.id, context: 'watch' });
    assert.strictEqual(answer.body.result, '23');
});

test('stops on an uncaught error and describes it', async () => {
    const file = path.join(PROGRAMS, 'errors.esk');
    await Promise.all([
        dc.waitForEvent('initialized').then(async () => {
            await dc.setExceptionBreakpointsRequest({ filters: ['uncaught'] });
            return dc.configurationDoneRequest();
        }),
        dc.launch({ program: file }),
        dc.assertStoppedLocation('exception', { path: file, line: markers(file).uncaught }),
    ]);
    const info = await dc.exceptionInfoRequest({ threadId: 1 });
    assert.strictEqual(info.body.exceptionId, 'ZeroDivisionError');
});

test('disassembles around the instruction pointer', async () => {
    await dc.hitBreakpoint({ program: BASICS }, { path: BASICS, line: LINES.add });
    const frame = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0];
    const listing = await dc.disassembleRequest({
        memoryReference: frame.instructionPointerReference, instructionOffset: -3, instructionCount: 10,
    });
    assert.strictEqual(listing.body.instructions.length, 10);
    assert.strictEqual(listing.body.instructions[3].address, frame.instructionPointerReference);
    assert.strictEqual(listing.body.instructions[3].symbol, 'add');
});

test('steps back, continues backwards and restarts a frame from recorded history', async () => {
    const file = path.join(PROGRAMS, 'travel.esk');
    const lines = markers(file);
    await dc.hitBreakpoint({ program: file }, { path: file, line: lines.end });
    await Promise.all([dc.stepBackRequest({ threadId: 1 }), dc.assertStoppedLocation('step', { line: lines.clock })]);
    await dc.setBreakpointsRequest({ source: { path: file }, breakpoints: [{ line: lines.got }] });
    await Promise.all([
        dc.reverseContinueRequest({ threadId: 1 }),
        dc.assertStoppedLocation('breakpoint', { line: lines.got }),
    ]);
    let frame = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0];
    const got = await dc.evaluateRequest({ expression: 'got', frameId: frame.id, context: 'watch' });
    assert.strictEqual(got.body.result, '[0, 2]');
    await dc.setBreakpointsRequest({ source: { path: file }, breakpoints: [{ line: lines.square, condition: 'x == 2' }] });
    await Promise.all([
        dc.reverseContinueRequest({ threadId: 1 }),
        dc.assertStoppedLocation('breakpoint', { line: lines.square }),
    ]);
    frame = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0];
    await Promise.all([dc.restartFrameRequest({ frameId: frame.id }), dc.waitForEvent('stopped')]);
    await Promise.all([
        dc.setBreakpointsRequest({ source: { path: file }, breakpoints: [] }),
        dc.continueRequest({ threadId: 1 }),
        // What was printed before the travels is not printed again.
        dc.assertOutput('stdout', '5 [0, 2, 4] too big: 5'),
        dc.waitForEvent('terminated'),
    ]);
});

test('a data breakpoint stops after the write and, continued backwards, finds who set the value', async () => {
    const file = path.join(PROGRAMS, 'watch.esk');
    const lines = markers(file);
    await dc.hitBreakpoint({ program: file }, { path: file, line: lines.end });
    const frame = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0];
    const scopes = (await dc.scopesRequest({ frameId: frame.id })).body.scopes;
    const globals = scopes.find((scope) => scope.name === 'Globals');
    const point = (await dc.variablesRequest({ variablesReference: globals.variablesReference })).body.variables
        .find((variable) => variable.name === 'p');
    const info = await dc.customRequest('dataBreakpointInfo', { variablesReference: point.variablesReference, name: 'x' });
    assert.deepStrictEqual(info.body.accessTypes, ['write']);
    const set = await dc.customRequest('setDataBreakpoints', { breakpoints: [{ dataId: info.body.dataId, accessType: 'write' }] });
    assert.strictEqual(set.body.breakpoints[0].verified, true);
    // "Who changed this?": back to the write that gave p.x its value.
    let [, stopped] = await Promise.all([dc.reverseContinueRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
    assert.strictEqual(stopped.body.reason, 'data breakpoint');
    assert.match(stopped.body.description, /^`p\.x` changed: 5 → 7 \(written at line \d+\)$/);
    assert.deepStrictEqual(stopped.body.hitBreakpointIds, [set.body.breakpoints[0].id]);
    [, stopped] = await Promise.all([dc.reverseContinueRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
    assert.match(stopped.body.description, /^`p\.x` changed: 1 → 5/);
    const top = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0];
    assert.strictEqual(top.name, 'make');
    // Forwards, the same watch stops at the next write.
    [, stopped] = await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
    assert.match(stopped.body.description, /^`p\.x` changed: 5 → 7/);
    await Promise.all([
        dc.customRequest('setDataBreakpoints', { breakpoints: [] }),
        dc.continueRequest({ threadId: 1 }),
        dc.waitForEvent('stopped'),
    ]);
    await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
});

test('"who changed this?" goes back to the last write of a variable in one request', async () => {
    const file = path.join(PROGRAMS, 'watch.esk');
    const lines = markers(file);
    await dc.hitBreakpoint({ program: file }, { path: file, line: lines.end });
    const frame = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0];
    const globals = (await dc.scopesRequest({ frameId: frame.id })).body.scopes.find((scope) => scope.name === 'Globals');
    const [, stopped] = await Promise.all([
        dc.customRequest('whoChangedThis', { variablesReference: globals.variablesReference, name: 'scores' }),
        dc.waitForEvent('stopped'),
    ]);
    assert.strictEqual(stopped.body.reason, 'data breakpoint');
    assert.match(stopped.body.description, /^`scores` changed: 0 → 1 \(written at line \d+\)$/);
    const top = (await dc.stackTraceRequest({ threadId: 1 })).body.stackFrames[0];
    assert.strictEqual(top.line, lines.scores + 1);
    await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
    await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('terminated')]);
});

test('an error that a finally block may end stops as uncaught only where it escapes', async () => {
    const file = path.join(PROGRAMS, 'swallow.esk');
    await Promise.all([
        dc.waitForEvent('initialized').then(async () => {
            await dc.setExceptionBreakpointsRequest({ filters: ['uncaught'] });
            return dc.configurationDoneRequest();
        }),
        dc.launch({ program: file }),
        dc.assertStoppedLocation('exception', { path: file, line: markers(file).rethrow }),
    ]);
    const info = await dc.exceptionInfoRequest({ threadId: 1 });
    assert.strictEqual(info.body.exceptionId, 'KeyError');
    assert.strictEqual(info.body.breakMode, 'unhandled');
});

test('the stop button ends a run without debugging that loops forever', async () => {
    const file = path.join(PROGRAMS, 'busy.esk');
    await Promise.all([
        dc.configurationSequence(),
        dc.launch({ program: file, noDebug: true }),
        dc.assertOutput('stdout', 'started\n'),
    ]);
    await Promise.all([dc.terminateRequest({}), dc.waitForEvent('terminated')]);
});
