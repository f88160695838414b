/** A CSV given as a file or pasted: the catalog import and the stock moves read their rows the same way. */
export function CsvInput(props: { label: string; csv: string; onCsv: (csv: string) => void; onFile: (name: string) => void; placeholder?: string }) {
  return (
    <>
      <label>
        {props.label}
        <input
          type="file"
          accept=".csv,text/csv"
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (!f) return;
            props.onFile(f.name);
            void f.text().then(props.onCsv);
          }}
        />
      </label>
      <label>
        Or paste the CSV
        <textarea rows={4} value={props.csv} onChange={(e) => props.onCsv(e.target.value)} spellCheck={false} {...(props.placeholder ? { placeholder: props.placeholder } : {})} />
      </label>
    </>
  );
}
