import type { ReactNode } from 'react';

export interface ListColumn {
  header: string;
  /** Right-aligned (amounts, counts). */
  num?: boolean;
}

export interface ListRow {
  key: string;
  cells: ReactNode[];
  /** Inline actions for the row (edit, remove, revoke…), in the last column. */
  actions?: ReactNode;
}

/**
 * The one shape of every set-up list in the console (brands, locations, tills, staff, products…): a table
 * with a header, one row per item with its inline actions, and a line saying what to do when it is empty.
 * The set-up tables used to repeat this JSX each with its own small differences.
 */
export function SetupList({ label, columns, rows, empty }: { label: string; columns: readonly ListColumn[]; rows: readonly ListRow[]; empty: string }) {
  const withActions = rows.some((r) => r.actions !== undefined);
  return (
    <div className="table-scroll">
      <table aria-label={label}>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.header} className={c.num ? 'num' : undefined}>
                {c.header}
              </th>
            ))}
            {withActions && (
              <th>
                <span className="sr-only">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key}>
              {r.cells.map((cell, i) => (
                <td key={columns[i]?.header ?? i} className={columns[i]?.num ? 'num' : undefined}>
                  {cell}
                </td>
              ))}
              {withActions && <td className="actions">{r.actions}</td>}
            </tr>
          ))}
          {rows.length === 0 && (
            <tr>
              <td colSpan={columns.length + (withActions ? 1 : 0)} className="muted">
                {empty}
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </div>
  );
}
