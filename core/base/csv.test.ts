import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CsvSyntaxError, neutraliseFormula, parseCsv, restoreFormula, toCsv } from './csv.ts';

const fieldsOf = (text: string) => parseCsv(text).map((r) => r.fields);

describe('parseCsv', () => {
  it('reads quoted fields holding commas, doubled quotes and line breaks', () => {
    const text = 'a,"b, c","say ""hi""","two\nlines"\r\n';
    expect(fieldsOf(text)).toEqual([['a', 'b, c', 'say "hi"', 'two\nlines']]);
  });

  it('strips a UTF-8 byte order mark and accepts CRLF, LF and a missing final newline', () => {
    expect(fieldsOf('\uFEFFsku,name\r\nA,Tee\nB,Cap')).toEqual([
      ['sku', 'name'],
      ['A', 'Tee'],
      ['B', 'Cap'],
    ]);
  });

  it('numbers each record by the line it starts on, also after a quoted field spanning lines', () => {
    const text = 'h1,h2\r\n1,"first\r\nsecond\r\nthird"\r\n2,x\n\n3,y\n';
    expect(parseCsv(text).map((r) => r.line)).toEqual([1, 2, 5, 7]);
  });

  it('skips empty lines but keeps a line holding only an empty quoted field', () => {
    expect(parseCsv('a\n\n\r\n""\nb\n')).toEqual([
      { line: 1, fields: ['a'] },
      { line: 4, fields: [''] },
      { line: 5, fields: ['b'] },
    ]);
  });

  it('keeps empty fields, including a trailing one', () => {
    expect(fieldsOf(',a,,\n')).toEqual([['', 'a', '', '']]);
  });

  it('refuses an unterminated quote and names the line where it opened', () => {
    const read = () => parseCsv('a,b\nc,"never closed\nmore\n');
    expect(read).toThrow(CsvSyntaxError);
    expect(read).toThrow(/^line 2: /);
  });

  it('refuses text after a closing quote, naming the line', () => {
    expect(() => parseCsv('ok\n"ab"c\n')).toThrow(/^line 2: unexpected "c" after a closing quote/);
  });

  it('keeps a quote inside an unquoted field as a literal character', () => {
    expect(fieldsOf('12" vinyl,x\n')).toEqual([['12" vinyl', 'x']]);
  });
});

describe('toCsv', () => {
  it('quotes a field only when it holds a comma, quote, line break, edge space or leading U+FEFF, and ends lines with CRLF', () => {
    const rows = [['plain', 'a,b', 'say "hi"', 'x\ny', ' lead', 'trail ', 'in side']];
    expect(toCsv(rows)).toBe('plain,"a,b","say ""hi""","x\ny"," lead","trail ",in side\r\n');
    // A leading U+FEFF in the first cell would otherwise be taken for a byte order mark and dropped.
    expect(toCsv([['\uFEFFx', 'y']])).toBe('"\uFEFFx",y\r\n');
  });

  it('writes a lone empty field as "" so the row is not read back as an empty line', () => {
    expect(toCsv([['a'], [''], ['b']])).toBe('a\r\n""\r\nb\r\n');
  });

  it('prefixes an apostrophe to cells a spreadsheet would run as formulas, but not to plain numbers', () => {
    const out = toCsv([['=HYPERLINK("http://x")', '+1+1', '-2+3+cmd', '@SUM(A1)', '-3.50', '+7', 'Tee']]);
    expect(out).toBe(`"'=HYPERLINK(""http://x"")",'+1+1,'-2+3+cmd,'@SUM(A1),-3.50,+7,Tee\r\n`);
  });

  it('leaves formula-like cells untouched when formula protection is off', () => {
    expect(toCsv([['=1+1']], { neutraliseFormulas: false })).toBe('=1+1\r\n');
  });

  it('makes the apostrophe escape reversible, even for text that already starts with one', () => {
    for (const s of ['=1', "'=1", "''-x", "'plain", '-5', 'x']) expect(restoreFormula(neutraliseFormula(s))).toBe(s);
    expect(neutraliseFormula("'=1")).toBe("''=1");
    expect(neutraliseFormula("'plain")).toBe("'plain");
  });
});

describe('CSV round trip', () => {
  // Rows need at least one field: a row with none has no CSV form (it would be an empty line).
  // Mostly the characters CSV treats specially, so quoting, line breaks and the formula rule are exercised.
  const special = fc.constantFrom(',', '"', '\r', '\n', ' ', '=', '+', '-', '@', '\t', "'", '1', '.', 'a', '\uFEFF');
  const field = fc.oneof(fc.string({ unit: special }), fc.string({ unit: 'binary' }));
  const rows = fc.array(fc.array(field, { minLength: 1, maxLength: 6 }), { maxLength: 8 });

  it('reads back exactly the rows it wrote, for any strings, with formula protection off', () => {
    fc.assert(
      fc.property(rows, (rs) => {
        expect(fieldsOf(toCsv(rs, { neutraliseFormulas: false }))).toEqual(rs);
      }),
    );
  });

  it('reads back the original rows once the formula apostrophes are restored', () => {
    fc.assert(
      fc.property(rows, (rs) => {
        expect(fieldsOf(toCsv(rs)).map((r) => r.map(restoreFormula))).toEqual(rs);
      }),
    );
  });
});
