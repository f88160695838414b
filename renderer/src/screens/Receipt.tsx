import { useEffect, useRef } from 'react';
import JsBarcode from 'jsbarcode';
import type { ReceiptModel } from '../../../core/selling/receipt.ts';

/**
 * The printed receipt (80 mm roll width on paper; the browser's print dialog here, ESC/POS in the desktop
 * app). The Code 128 barcode is the receipt number, which a scanner types into the refund screen.
 */
export function Receipt({ model }: { model: ReceiptModel }) {
  const barcode = useRef<SVGSVGElement>(null);
  useEffect(() => {
    if (barcode.current) JsBarcode(barcode.current, model.lookupCode, { format: 'CODE128', height: 48, width: 1.6, fontSize: 14, margin: 0 });
  }, [model.lookupCode]);
  return (
    <article className="paper-receipt" aria-label="Receipt">
      <header>
        <strong>{model.eventName}</strong>
        <div>
          Receipt {model.receiptNumber} · {model.tillId}
        </div>
        <div>{model.issuedAt}</div>
      </header>
      {model.sections.map((s) => (
        <section key={s.brand}>
          <h3>{s.brand}</h3>
          {s.lines.map((l, i) => (
            <div key={i} className="rline">
              <div className="row">
                <span>
                  {l.qty} × {l.label}
                </span>
                <span>{l.total}</span>
              </div>
              {l.qty > 1 && <div className="sub">{l.unitPrice} each</div>}
              {l.discount && <div className="sub">{l.discount}</div>}
              {l.serial && <div className="sub">Serial {l.serial}</div>}
            </div>
          ))}
        </section>
      ))}
      {model.discounts.map((d) => (
        <div key={d.label} className="row sub discount">
          <span>{d.label}</span>
          <span>{d.amount}</span>
        </div>
      ))}
      <div className="row total">
        <span>Total</span>
        <span>{model.total}</span>
      </div>
      {model.discount && (
        <div className="row">
          <span>You saved</span>
          <span>{model.discount}</span>
        </div>
      )}
      {model.taxLines.map((t) => (
        <div key={t.label} className="row sub">
          <span>{t.label}</span>
          <span>{t.amount}</span>
        </div>
      ))}
      {model.payments.map((p) => (
        <div key={p.label} className="row">
          <span>{p.label}</span>
          <span>{p.amount}</span>
        </div>
      ))}
      {model.change && (
        <div className="row">
          <span>Change</span>
          <span>{model.change}</span>
        </div>
      )}
      <p className="policy">{model.policy}</p>
      <svg ref={barcode} className="barcode" role="img" aria-label={`Barcode ${model.lookupCode}`} />
    </article>
  );
}
