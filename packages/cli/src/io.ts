/** Somewhere text goes: process.stdout, or a buffer in tests. */
export interface TextSink {
  write(text: string): unknown;
}

/** Where a run of the CLI writes: results to stdout, messages to stderr. */
export interface CliIo {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
}

/** The process's own streams. */
export function processIo(): CliIo {
  for (const stream of [process.stdout, process.stderr]) {
    // `vit-opt inspect --json | head` closes the pipe early: the reader is done, so are we.
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      process.exit(0);
    });
  }
  return { stdout: process.stdout, stderr: process.stderr };
}

/** A CliIo that keeps what is written, for tests and for callers that embed the CLI. */
export interface CapturedIo extends CliIo {
  stdoutText(): string;
  stderrText(): string;
}

export function captureIo(): CapturedIo {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout: { write: (text: string) => stdout.push(text) },
    stderr: { write: (text: string) => stderr.push(text) },
    stdoutText: () => stdout.join(''),
    stderrText: () => stderr.join(''),
  };
}
