import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument, type Node } from 'yaml';
import { PipelineConfigError } from './config-error.js';

/**
 * A parsed YAML file that can say on which line a key stands, so that every error about the
 * config names its line. Parsing errors (bad indentation, a duplicate key, a tab) are
 * PipelineConfigErrors already.
 */
export class YamlSource {
  readonly file: string;
  /** The document as plain data. */
  readonly value: unknown;
  readonly #lines: LineCounter;
  readonly #root: unknown;

  constructor(file: string, text: string) {
    this.file = file;
    this.#lines = new LineCounter();
    const document = parseDocument(text, {
      lineCounter: this.#lines,
      prettyErrors: false,
      uniqueKeys: true,
    });
    const error = document.errors[0];
    if (error !== undefined) {
      throw new PipelineConfigError(
        file,
        this.#lineAt(error.pos[0]),
        [],
        `not valid YAML: ${firstLine(error.message)}`,
        error,
      );
    }
    this.#root = document.contents;
    this.value = document.toJS({ maxAliasCount: 100 });
  }

  /**
   * The line of the deepest node on `path` that exists: the key itself when present (a wrong
   * value is on its key's line), else the map or list that lacks it.
   */
  lineOf(path: readonly (string | number)[]): number | null {
    let node: unknown = this.#root;
    let line = node === null ? 1 : this.#lineOfNode(node);
    for (const part of path) {
      if (isMap(node)) {
        const pair = node.items.find(
          (item) => isScalar(item.key) && String(item.key.value) === String(part),
        );
        if (pair === undefined || !isPair(pair)) return line;
        line = this.#lineOfNode(pair.key) ?? line;
        node = pair.value;
      } else if (isSeq(node) && typeof part === 'number') {
        const item = node.items[part];
        if (item === undefined) return line;
        line = this.#lineOfNode(item) ?? line;
        node = item;
      } else {
        return line;
      }
    }
    return line;
  }

  #lineOfNode(node: unknown): number | null {
    const range = (node as Partial<Node> | null)?.range;
    return range === undefined || range === null ? null : this.#lineAt(range[0]);
  }

  #lineAt(offset: number): number {
    return this.#lines.linePos(offset).line;
  }
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.trim();
}
