import { PopupError } from './errors.ts';

/**
 * RFC 4180 CSV, as spreadsheets write it. Pure string in, string out: the caller reads and writes files.
 */

/** One CSV record and the 1-based line it starts on (a quoted field may span several lines). */
export interface CsvRecord {
  line: number;
  fields: string[];
}

/** The text is not valid CSV; `line` is where the problem starts. */
export class CsvSyntaxError extends PopupError {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
  }
}

/**
 * Parses CSV text into records. Accepts CRLF, LF and lone CR line endings, a UTF-8 byte order mark (Excel
 * writes one), and a missing final newline. Completely empty lines are skipped; a line holding `""` is a
 * record with one empty field. Fields are returned exactly as written: no trimming.
 *
 * Strictness: an unterminated quote, or text after a closing quote (`"ab"c`), is an error, because the
 * intended value is ambiguous. A quote inside an unquoted field (`12" vinyl`) is kept as a literal character:
 * hand-written files do this and the meaning is clear.
 */
export function parseCsv(text: string): CsvRecord[] {
  const s = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  let line = 1;
  let recordLine = 1;
  let quoteLine = 1;
  let fields: string[] = [];
  let field = '';
  let started = false; // the current record has at least one character (so it is not an empty line)
  let inQuotes = false;
  let closed = false; // the current field's closing quote was seen: only a comma or line end may follow

  const endField = () => {
    fields.push(field);
    field = '';
    closed = false;
  };

  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (inQuotes) {
      if (c === '"') {
        if (s[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          inQuotes = false;
          closed = true;
        }
        continue;
      }
      // Count CRLF once (at its LF) and a lone CR as a line break, as outside quotes.
      if (c === '\n' || (c === '\r' && s[i + 1] !== '\n')) line++;
      field += c;
    } else if (c === ',') {
      endField();
      started = true;
    } else if (c === '\r' || c === '\n') {
      if (c === '\r' && s[i + 1] === '\n') i++;
      if (started) {
        endField();
        records.push({ line: recordLine, fields });
      }
      fields = [];
      started = false;
      line++;
      recordLine = line;
    } else if (closed) {
      throw new CsvSyntaxError(line, `unexpected ${JSON.stringify(c)} after a closing quote; a quoted field must end at a comma or line end`);
    } else if (c === '"' && field === '') {
      inQuotes = true;
      quoteLine = line;
      started = true;
    } else {
      field += c;
      started = true;
    }
  }
  if (inQuotes) throw new CsvSyntaxError(quoteLine, 'a quoted field starts here but its closing quote is missing');
  if (started) {
    endField();
    records.push({ line: recordLine, fields });
  }
  return records;
}

export interface ToCsvOptions {
  /** Prefix formula-like fields with an apostrophe (see `neutraliseFormula`). Default true. */
  neutraliseFormulas?: boolean;
}

/**
 * Writes rows as CSV with CRLF line endings (RFC 4180), one per row including the last. A field is quoted
 * only when it must be: it holds a comma, quote or line break, starts or ends with a space (some readers trim
 * unquoted spaces), or starts with U+FEFF. A row of one empty field is written `""`, since an empty line
 * would be skipped on reading; a row with no fields at all cannot be represented and becomes an empty line.
 */
export function toCsv(rows: readonly (readonly string[])[], opts: ToCsvOptions = {}): string {
  const neutralise = opts.neutraliseFormulas ?? true;
  let out = '';
  for (const row of rows) {
    if (row.length === 1 && row[0] === '') out += '""';
    else out += row.map((f) => quoteField(neutralise ? neutraliseFormula(f) : f)).join(',');
    out += '\r\n';
  }
  return out;
}

// A leading U+FEFF is quoted too: at the very start of the file a reader would take it for a byte order mark.
function quoteField(f: string): string {
  return /[",\r\n]|^[ \uFEFF]| $/.test(f) ? `"${f.replaceAll('"', '""')}"` : f;
}

/*
 * CSV (formula) injection, OWASP: a spreadsheet opening an exported CSV runs a cell that starts with `=`, `+`,
 * `-` or `@` as a formula (tab and CR are also listed, as some spreadsheets strip them first), so a product
 * named `=HYPERLINK(...)` or `-2+3+cmd|...` typed by anyone could exfiltrate data or run commands on the
 * organiser's computer. The OWASP remedy is a leading apostrophe, which makes the cell plain text. Plain
 * numbers such as `-3.50` are left alone: they are not formulas and must stay numbers.
 *
 * To make the escape reversible, a field that already starts with apostrophes followed by a trigger character
 * gets one more; `restoreFormula` removes exactly one, so restoreFormula(neutraliseFormula(x)) === x.
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const ESCAPED_FORMULA = /^'+[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?\d+(?:[.,]\d+)?$/;

export function neutraliseFormula(field: string): string {
  const risky = FORMULA_START.test(field) && !PLAIN_NUMBER.test(field);
  return risky || ESCAPED_FORMULA.test(field) ? `'${field}` : field;
}

/** Undoes `neutraliseFormula` on a field read back from a CSV file. */
export function restoreFormula(field: string): string {
  return ESCAPED_FORMULA.test(field) ? field.slice(1) : field;
}
