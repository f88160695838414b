/** A card's heading with its "Export CSV" button (left out of print), as every exportable console table has. */
export function CsvCardHead({ title, name = title, onExport }: { title: string; name?: string; onExport: () => void }) {
  return (
    <div className="card-head">
      <h2>{title}</h2>
      <button type="button" className="ghost no-print" onClick={onExport} aria-label={`Export ${name} as CSV`}>
        Export CSV
      </button>
    </div>
  );
}
