#!/usr/bin/env node
import process from 'node:process';
// The signal handlers come first, before the modules (onnxruntime, sharp) load: a Ctrl-C or a
// SIGTERM from then on ends the run with its exit code (130, 143) and one line, writing nothing.
import { interruptSignal } from '../dist/interrupt.js';

const interrupt = interruptSignal();
const { run } = await import('../dist/main.js');
process.exitCode = await run(process.argv.slice(2));
// The run is over, its outputs committed or discarded. Node may still take a moment to wind down
// (onnxruntime's and sharp's threads); a signal then ends the process at once with the run's own
// exit code, not killed by the signal (the fuzz suite's SIGTERM at 1.26 s into a simplify did).
const exitNow = () => process.exit();
process.on('SIGINT', exitNow);
process.on('SIGTERM', exitNow);
interrupt.dispose();
