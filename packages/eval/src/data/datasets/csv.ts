/** One CSV record and the line it starts on (from 1), for error messages. */
export interface CsvRecord {
  readonly fields: readonly string[];
  readonly line: number;
}

/**
 * RFC 4180 CSV: comma-separated, fields optionally in double quotes (which may hold commas,
 * newlines and doubled quotes), CRLF or LF line ends. Blank lines are skipped. Returns an error
 * message instead of records when a quoted field is never closed.
 */
export function parseCsv(text: string): CsvRecord[] | { error: string } {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let quoted = false;
  let quoteLine = 0;
  const endRecord = (): void => {
    fields.push(field);
    if (fields.length > 1 || fields[0] !== '') records.push({ fields, line: recordLine });
    fields = [];
    field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') {
        quoted = false;
      } else {
        if (char === '\n') line++;
        field += char;
      }
    } else if (char === '"' && field === '') {
      quoted = true;
      quoteLine = line;
    } else if (char === ',') {
      fields.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else {
      field += char;
    }
  }
  if (quoted) return { error: `line ${quoteLine}: a quoted field is never closed` };
  endRecord();
  return records;
}
