import { isVitOptError } from '@vit-opt/graph';

/** An error as one line for the failure list: vit-opt's own form, or the first line of the message. */
export function errorLine(error: unknown): string {
  if (isVitOptError(error)) return error.toOneLine();
  const message = error instanceof Error ? error.message : String(error);
  const first = message.split('\n')[0] ?? '';
  return first.length > 300 ? `${first.slice(0, 297)}...` : first;
}
