import CodepageEncoder from '@point-of-sale/codepage-encoder';
import { EPSON_CODEPAGES } from './escpos.ts';

/**
 * What a thermal printer would make of a byte stream, for tests: the text it prints (decoded through the
 * codepage selected by each ESC t n), and the commands it receives (cut, drawer pulse, status queries,
 * barcode). Implements the ESC/POS commands our encoder emits; an unknown command fails the test rather
 * than being skipped, so a decode never passes by ignoring bytes.
 */
export interface Decoded {
  text: string;
  cuts: number[][];
  pulses: { pin: number; on: number; off: number }[];
  statusQueries: number[];
  barcodes: string[];
  codepages: string[];
}

const BY_NUMBER = new Map(Object.entries(EPSON_CODEPAGES).map(([name, n]) => [n, name]));

function table(codepage: string): number[] {
  return CodepageEncoder.getCodepoints(codepage as Parameters<typeof CodepageEncoder.getCodepoints>[0], true);
}

export function decodeEscPos(bytes: Uint8Array): Decoded {
  const out: Decoded = { text: '', cuts: [], pulses: [], statusQueries: [], barcodes: [], codepages: [] };
  let points = table('cp437');
  let i = 0;
  const at = (k: number) => {
    const b = bytes[i + k];
    if (b === undefined) throw new Error(`command at ${i} is cut short`);
    return b;
  };
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b === 0x1b) {
      const c = at(1);
      if (c === 0x40) i += 2; // ESC @ initialise
      else if (c === 0x74) {
        const name = BY_NUMBER.get(at(2));
        if (!name) throw new Error(`ESC t ${at(2)} selects a codepage outside the table`);
        out.codepages.push(name);
        points = table(name);
        i += 3;
      } else if (c === 0x70) {
        out.pulses.push({ pin: at(2), on: at(3), off: at(4) });
        i += 5;
      } else if ([0x4d, 0x45, 0x61, 0x2d, 0x34, 0x21, 0x47, 0x7b, 0x33, 0x64, 0x4a].includes(c)) i += 3; // font, bold, align, underline, italic, mode, double-strike, upside-down, line spacing, feed
      else if (c === 0x32) i += 2; // default line spacing
      else throw new Error(`unknown command ESC 0x${c.toString(16)} at ${i}`);
    } else if (b === 0x1d) {
      const c = at(1);
      if (c === 0x56) {
        // GS V m [n]: function B (m 65/66) carries a feed amount.
        const m = at(2);
        const len = m === 65 || m === 66 ? 4 : 3;
        out.cuts.push([...bytes.slice(i, i + len)]);
        i += len;
      } else if (c === 0x21 || c === 0x42 || c === 0x68 || c === 0x77 || c === 0x48 || c === 0x66) i += 3; // size, invert, barcode height/width/text position/font
      else if (c === 0x6b) {
        // GS k m n d1..dn (function B)
        const n = at(3);
        const data = bytes.slice(i + 4, i + 4 + n);
        // Code 128 data starts with a code set selector "{B"; the rest is the value.
        out.barcodes.push(String.fromCharCode(...data).replace(/^\{[ABC]/, ''));
        i += 4 + n;
      } else throw new Error(`unknown command GS 0x${c.toString(16)} at ${i}`);
    } else if (b === 0x1c) {
      const c = at(1);
      if (c === 0x2e) i += 2; // FS . cancel Kanji mode
      else throw new Error(`unknown command FS 0x${c.toString(16)} at ${i}`);
    } else if (b === 0x10) {
      if (at(1) !== 0x04) throw new Error(`unknown real-time command at ${i}`);
      out.statusQueries.push(at(2));
      i += 3;
    } else if (b === 0x0a) {
      out.text += '\n';
      i += 1;
    } else if (b === 0x0d) i += 1;
    else if (b < 0x20) throw new Error(`unexpected control byte 0x${b.toString(16)} at ${i}`);
    else {
      const cp = points[b];
      out.text += cp === undefined ? '\uFFFD' : String.fromCodePoint(cp);
      i += 1;
    }
  }
  return out;
}
