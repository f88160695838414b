import qrcode from 'qrcode-generator';

/**
 * A QR code drawn as SVG from the code's modules (no HTML strings): a till's 2D barcode scanner reads it and
 * types its text into the field that has focus, so a hub's address or a pairing code is scanned, not typed.
 */
export function QrCode({ text, label, size = 168 }: { text: string; label: string; size?: number }) {
  const qr = qrcode(0, 'M');
  qr.addData(text);
  qr.make();
  const n = qr.getModuleCount();
  const margin = 4;
  let d = '';
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) if (qr.isDark(r, c)) d += `M${c + margin} ${r + margin}h1v1h-1z`;
  return (
    <svg role="img" aria-label={label} width={size} height={size} viewBox={`0 0 ${n + 2 * margin} ${n + 2 * margin}`} shapeRendering="crispEdges" style={{ background: '#fff', display: 'block', flexShrink: 0 }}>
      <path d={d} fill="#000" />
    </svg>
  );
}
