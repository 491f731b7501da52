/** Text safe inside a GitHub Markdown table cell: no pipes, emphasis or HTML from a name. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]<>|~]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
}
