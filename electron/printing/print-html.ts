import type { PaperWidth } from './printer-settings.ts';
import type { PrintLine } from './receipt-layout.ts';

/**
 * The same lines the thermal printer gets, as a page for a system printer (Chromium prints it silently in a
 * hidden window with JavaScript off). Monospaced, so the columns line up as on the roll; the page is the
 * roll's width. Every character of the text is escaped: a product name is data, never markup.
 */
export function printHtml(lines: readonly PrintLine[], paperWidth: PaperWidth, title: string): string {
  const body = lines
    .map((l) => {
      const cls = [l.bold ? 'b' : '', l.large ? 'l' : '', l.align === 'center' ? 'c' : ''].filter(Boolean).join(' ');
      return `<div${cls ? ` class="${cls}"` : ''}>${escapeHtml(l.text) || '&nbsp;'}</div>`;
    })
    .join('\n');
  return `<!doctype html>
<html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${escapeHtml(title)}</title>
<style>
@page { size: ${paperWidth}mm auto; margin: 2mm; }
body { margin: 0; font: 10pt/1.25 ui-monospace, "DejaVu Sans Mono", Consolas, monospace; color: #000; }
div { white-space: pre; }
.b { font-weight: bold; } .c { text-align: center; } .l { font-size: 200%; font-weight: bold; }
</style></head><body>
${body}
</body></html>`;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
