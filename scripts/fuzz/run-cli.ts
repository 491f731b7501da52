import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built binary, as `npx vit-opt` runs it. */
export const BIN = fileURLToPath(new URL('../../packages/cli/bin/vit-opt.js', import.meta.url));

export interface CliRun {
  readonly args: readonly string[];
  /** Exit code; null when a signal ended the process. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  readonly ms: number;
}

/**
 * Runs `vit-opt args…` with a time limit: past it the process is killed (SIGKILL) and the run
 * marked as timed out. `onStart` gets the child, to send it a signal.
 */
export function runCli(
  args: readonly string[],
  options: { timeoutMs: number; cwd?: string; onStart?: (child: ChildProcess) => void },
): Promise<CliRun> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Stack traces stay hidden, as for a user; one would be a failure of its own.
      env: { ...process.env, VIT_OPT_DEBUG: '' },
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let outBytes = 0;
    const keep = (into: Buffer[]) => (chunk: Buffer) => {
      // Enough to judge the run; a runaway writer is not kept whole.
      outBytes += chunk.length;
      if (outBytes < 4 * 1024 * 1024) into.push(chunk);
    };
    child.stdout.on('data', keep(stdout));
    child.stderr.on('data', keep(stderr));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        args,
        code,
        signal,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        timedOut,
        ms: performance.now() - started,
      });
    });
    options.onStart?.(child);
  });
}

/** The lines of stderr a run said, without progress lines, warnings and notes. */
export function messageLines(stderr: string): string[] {
  return stderr
    .split(/[\r\n]+/)
    .filter((line) => line.trim() !== '')
    .filter((line) => !/^[\w-]+( [\w-]+)? \d+% /.test(line))
    .filter((line) => !/^(warning|note): /.test(line));
}

/** A Node stack frame, or a stack printed by anything. */
const STACK_LINE = /^\s+at .+(:\d+:\d+\)?|\(native\)|<anonymous>)$/m;

export function hasStackTrace(text: string): boolean {
  return STACK_LINE.test(text);
}

/** Temp files (`.NAME.tmp-PID-…`) anywhere under `dirs` (one level of subfolders). */
export function temporaryFiles(dirs: readonly string[]): string[] {
  const found: string[] = [];
  const visit = (dir: string, depth: number): void => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(dir, name);
      if (/^\..+\.tmp-\d+-/.test(name)) found.push(path);
      else if (depth > 0 && isDirectory(path)) visit(path, depth - 1);
    }
  };
  for (const dir of dirs) visit(dir, 2);
  return found;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export const exists = (path: string): boolean => existsSync(path);
