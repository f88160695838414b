import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

/**
 * Draws the app icon — a receipt on a teal tile with a coral "pop-up" dot — and writes what electron-builder
 * wants in build/: icon.png (512×512, Linux and the source for every other size), icons/256x256.png and
 * icons/512x512.png (the Linux icon set), icon.ico (Windows: 256 and 48 px PNG entries) and icon.icns
 * (macOS: 512 and 256 px PNG entries). Drawn with signed distances and 4×4 supersampling, so the edges are
 * smooth at every size. Run with `npm run icons`; the results are committed.
 */
type RGBA = [number, number, number, number];

const TEAL_TOP: RGBA = [31, 122, 104, 255];
const TEAL_BOTTOM: RGBA = [17, 79, 70, 255];
const PAPER: RGBA = [250, 250, 246, 255];
const INK: RGBA = [60, 72, 80, 255];
const CORAL: RGBA = [240, 104, 82, 255];

/** Distance to a rounded rectangle centred on (cx, cy) with half-sizes (hw, hh) and corner radius r; < 0 inside. */
function roundedRect(x: number, y: number, cx: number, cy: number, hw: number, hh: number, r: number): number {
  const qx = Math.abs(x - cx) - hw + r;
  const qy = Math.abs(y - cy) - hh + r;
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
}

/** The colour at (x, y) in a 1×1 square, or undefined where the icon is transparent. */
function shade(x: number, y: number): RGBA | undefined {
  if (roundedRect(x, y, 0.5, 0.5, 0.46, 0.46, 0.1) > 0) return undefined;
  let c: RGBA = mix(TEAL_TOP, TEAL_BOTTOM, y);
  // The receipt: a rounded-top slip with a torn (zig-zag) bottom edge.
  const zig = 0.8 - 0.025 * (1 - Math.abs(((x - 0.27) / 0.046) % 2 - 1));
  const inPaper = roundedRect(x, y, 0.5, 0.47, 0.23, 0.35, 0.03) <= 0 && y <= zig;
  if (inPaper) {
    c = PAPER;
    for (const [ly, w] of [
      [0.3, 0.26],
      [0.4, 0.3],
      [0.5, 0.22],
    ] as const) {
      if (roundedRect(x, y, 0.5 - (0.3 - w) / 2 - 0.02, ly, w / 2, 0.018, 0.018) <= 0) c = INK;
    }
    // The total, bolder.
    if (roundedRect(x, y, 0.56, 0.63, 0.1, 0.028, 0.028) <= 0) c = CORAL;
  }
  // The pop-up dot, over the tile's corner.
  const dot = Math.hypot(x - 0.74, y - 0.24) - 0.1;
  if (dot <= 0) c = dot > -0.018 ? PAPER : CORAL;
  return c;
}

function mix(a: RGBA, b: RGBA, t: number): RGBA {
  return [0, 1, 2, 3].map((i) => Math.round(a[i]! + (b[i]! - a[i]!) * t)) as RGBA;
}

export function drawIcon(size: number): Uint8Array {
  const px = new Uint8Array(size * size * 4);
  const S = 4;
  for (let py = 0; py < size; py++) {
    for (let pxl = 0; pxl < size; pxl++) {
      let r = 0, g = 0, b = 0, a = 0;
      for (let sy = 0; sy < S; sy++) {
        for (let sx = 0; sx < S; sx++) {
          const c = shade((pxl + (sx + 0.5) / S) / size, (py + (sy + 0.5) / S) / size);
          if (!c) continue;
          r += c[0] * c[3]; g += c[1] * c[3]; b += c[2] * c[3]; a += c[3];
        }
      }
      const o = (py * size + pxl) * 4;
      if (a > 0) {
        px[o] = Math.round(r / a);
        px[o + 1] = Math.round(g / a);
        px[o + 2] = Math.round(b / a);
        px[o + 3] = Math.round(a / (S * S));
      }
    }
  }
  return px;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const body = Buffer.concat([head.subarray(4), Buffer.from(data)]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body), 0);
  return Buffer.concat([head.subarray(0, 4), body, crc]);
}

/** A PNG (colour type 6: 8-bit RGBA, no interlace) of `size`×`size` pixels. */
export function encodePng(size: number, rgba: Uint8Array): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8;
  ihdr[9] = 6;
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    Buffer.from(rgba.buffer, rgba.byteOffset + y * size * 4, size * 4).copy(raw, y * (size * 4 + 1) + 1);
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', new Uint8Array())]);
}

/** Windows .ico with PNG-compressed entries (Windows Vista and later read these). */
export function encodeIco(pngs: { size: number; png: Buffer }[]): Buffer {
  const header = Buffer.alloc(6 + 16 * pngs.length);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2);
  header.writeUInt16LE(pngs.length, 4);
  let offset = header.length;
  pngs.forEach(({ size, png }, i) => {
    const e = 6 + 16 * i;
    header[e] = size >= 256 ? 0 : size;
    header[e + 1] = size >= 256 ? 0 : size;
    header.writeUInt16LE(1, e + 4);
    header.writeUInt16LE(32, e + 6);
    header.writeUInt32LE(png.length, e + 8);
    header.writeUInt32LE(offset, e + 12);
    offset += png.length;
  });
  return Buffer.concat([header, ...pngs.map((p) => p.png)]);
}

/** macOS .icns with PNG entries: ic08 = 256×256, ic09 = 512×512. */
export function encodeIcns(entries: { type: 'ic08' | 'ic09'; png: Buffer }[]): Buffer {
  const parts = entries.map(({ type, png }) => {
    const head = Buffer.alloc(8);
    head.write(type, 0, 'ascii');
    head.writeUInt32BE(png.length + 8, 4);
    return Buffer.concat([head, png]);
  });
  const head = Buffer.alloc(8);
  head.write('icns', 0, 'ascii');
  head.writeUInt32BE(8 + parts.reduce((a, p) => a + p.length, 0), 4);
  return Buffer.concat([head, ...parts]);
}

export async function makeIcons(outDir: string): Promise<string[]> {
  const png = (size: number) => encodePng(size, drawIcon(size));
  const [p512, p256, p48] = [png(512), png(256), png(48)];
  const files: [string, Buffer][] = [
    ['icon.png', p512],
    ['icons/512x512.png', p512],
    ['icons/256x256.png', p256],
    ['icon.ico', encodeIco([{ size: 256, png: p256 }, { size: 48, png: p48 }])],
    ['icon.icns', encodeIcns([{ type: 'ic08', png: p256 }, { type: 'ic09', png: p512 }])],
  ];
  for (const [name, data] of files) {
    await mkdir(dirname(join(outDir, name)), { recursive: true });
    await writeFile(join(outDir, name), data);
  }
  return files.map(([name]) => name);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dir = dirname(fileURLToPath(import.meta.url));
  const written = await makeIcons(dir);
  console.log(`Wrote ${written.map((f) => `build/${f}`).join(', ')}`);
}
