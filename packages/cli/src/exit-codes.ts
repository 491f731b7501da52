/** Exit codes of every vit-opt command (sysexits.h's EX_SOFTWARE for our own bugs). */
export const ExitCode = {
  ok: 0,
  /** The input was bad (missing, empty, truncated, not ONNX) or the work failed; one line says why. */
  failure: 1,
  /** The command line was wrong: unknown option, missing argument, bad value. */
  usage: 2,
  /** A bug in vit-opt. */
  internal: 70,
  /** Stopped by Ctrl-C (128 + SIGINT, as shells report it); nothing was written. */
  interrupted: 130,
  /** Stopped by SIGTERM (128 + 15); nothing was written. */
  terminated: 143,
} as const;
