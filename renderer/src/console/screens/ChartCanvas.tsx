import { useEffect, useRef } from 'react';
import { ArcElement, BarController, BarElement, CategoryScale, Chart, DoughnutController, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip, type ChartConfiguration } from 'chart.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, DoughnutController, ArcElement, Tooltip, Legend);

export const PALETTE = ['#0b6bcb', '#1a7f37', '#b35900', '#8250df', '#c62828', '#0a7d8c', '#6e7781', '#bf3989'];

/**
 * A chart.js canvas that keeps one Chart per mount and swaps its data in place on updates (no animation):
 * a live dashboard redraws several times a minute and must not flash or leak charts.
 */
export function ChartCanvas({ config, label }: { config: ChartConfiguration; label: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart | undefined>(undefined);
  useEffect(() => {
    if (!canvas.current) return;
    chart.current = new Chart(canvas.current, { ...config, options: { animation: false, responsive: true, maintainAspectRatio: false, ...config.options } });
    return () => {
      chart.current?.destroy();
      chart.current = undefined;
    };
    // The chart is made once per kind; data changes go through the effect below.
  }, [config.type]);
  useEffect(() => {
    const c = chart.current;
    if (!c) return;
    c.data = config.data;
    c.update('none');
  }, [config.data]);
  return (
    <div className="chart-box">
      <canvas ref={canvas} role="img" aria-label={label} />
    </div>
  );
}
