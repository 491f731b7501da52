#!/usr/bin/env node
import process from 'node:process';
// The signal handlers come first, before the modules (onnxruntime, sharp) load: a Ctrl-C or a
// SIGTERM from then on ends the run with its exit code (130, 143) and one line, writing nothing.
import { interruptSignal } from '../dist/interrupt.js';

const interrupt = interruptSignal();
const { run } = await import('../dist/main.js');
process.exitCode = await run(process.argv.slice(2));
interrupt.dispose();
