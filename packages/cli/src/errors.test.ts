import { CommanderError } from 'commander';
import { VitOptError } from '@vit-opt/graph';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { reportFailure } from './errors.js';
import { captureIo } from './io.js';
import { InterruptedError } from './progress.js';

describe('reportFailure', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('prints a VitOptError as one line and exits 1', () => {
    const io = captureIo();
    const error = new VitOptError('TRUNCATED', 'the file ends\nin the middle of a tensor', {
      subject: 'model.onnx',
    });
    expect(reportFailure(error, io)).toBe(1);
    expect(io.stderrText()).toBe('error: model.onnx: the file ends in the middle of a tensor\n');
  });

  it('calls anything else an internal error, exits 70 and hides the stack unless asked', () => {
    vi.stubEnv('VIT_OPT_DEBUG', '');
    const io = captureIo();
    expect(
      reportFailure(new TypeError("Cannot read properties of undefined (reading 'dims')"), io),
    ).toBe(70);
    expect(io.stderrText()).toBe(
      "internal error: Cannot read properties of undefined (reading 'dims')\n" +
        '(this is a bug in vit-opt; run again with VIT_OPT_DEBUG=1 to see the stack trace)\n',
    );
  });

  it('prints stack traces, causes included, with VIT_OPT_DEBUG=1', () => {
    vi.stubEnv('VIT_OPT_DEBUG', '1');
    const io = captureIo();
    const error = new VitOptError('PASS_FAILED', 'left an invalid model', {
      cause: new RangeError('index 9'),
    });
    expect(reportFailure(error, io)).toBe(1);
    const text = io.stderrText();
    expect(text.split('\n')[0]).toBe('error: left an invalid model');
    expect(text).toContain('caused by: RangeError: index 9');
    expect(text).toMatch(/\n\s+at /);
  });

  it('reports Ctrl-C as one line and exits 130, as a shell does', () => {
    const io = captureIo();
    expect(reportFailure(new InterruptedError(), io)).toBe(130);
    expect(io.stderrText()).toBe('interrupted (Ctrl-C): no results written\n');
  });

  it('leaves usage errors to commander, which has printed them, and exits 2', () => {
    const io = captureIo();
    expect(
      reportFailure(
        new CommanderError(1, 'commander.unknownOption', "error: unknown option '-x'"),
        io,
      ),
    ).toBe(2);
    expect(
      reportFailure(new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'), io),
    ).toBe(0);
    expect(io.stderrText()).toBe('');
  });
});
