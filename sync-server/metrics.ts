/**
 * Counters and a latency histogram, served as Prometheus text at GET /metrics. Kept in-process and cheap:
 * a few integer increments per message. The process's memory (read when /metrics is asked for) is there so
 * an operator, or the soak run (bench/soak.ts), can watch a long-running server for growth.
 */
const LATENCY_BUCKETS_MS = [0.5, 1, 2, 5, 10, 25, 50, 100, 250, 1000];

export class Metrics {
  connections = 0;
  docsLoaded = 0;
  updatesIn = 0;
  updatesOut = 0;
  updatesRejected = 0;
  persistFailures = 0;
  /** Awareness messages refused (too large, too many clients, too fast, or from a role with no presence). */
  awarenessRefused = 0;
  /** Requests answered 429 by the HTTP rate limits, per limit (http/rate-limits.ts). */
  readonly rateLimited = new Map<string, number>();
  /** Documents refused because their stored data is damaged (start-up verification or a failed load). */
  docsDamaged = 0;
  private readonly buckets = LATENCY_BUCKETS_MS.map(() => 0);
  private persistCount = 0;
  private persistSumMs = 0;

  observePersist(ms: number): void {
    this.persistCount++;
    this.persistSumMs += ms;
    LATENCY_BUCKETS_MS.forEach((b, i) => {
      if (ms <= b) this.buckets[i]!++;
    });
  }

  render(): string {
    const lines = [
      '# HELP popup_connections Open WebSocket connections.',
      '# TYPE popup_connections gauge',
      `popup_connections ${this.connections}`,
      '# HELP popup_documents_loaded Documents held in memory.',
      '# TYPE popup_documents_loaded gauge',
      `popup_documents_loaded ${this.docsLoaded}`,
      '# HELP popup_updates_in_total Updates received from clients and accepted.',
      '# TYPE popup_updates_in_total counter',
      `popup_updates_in_total ${this.updatesIn}`,
      '# HELP popup_updates_out_total Update messages sent to clients.',
      '# TYPE popup_updates_out_total counter',
      `popup_updates_out_total ${this.updatesOut}`,
      '# HELP popup_updates_rejected_total Updates refused by validation or permissions.',
      '# TYPE popup_updates_rejected_total counter',
      `popup_updates_rejected_total ${this.updatesRejected}`,
      '# HELP popup_persist_failures_total Writes to storage that failed.',
      '# TYPE popup_persist_failures_total counter',
      `popup_persist_failures_total ${this.persistFailures}`,
      '# HELP popup_documents_damaged Stored documents found damaged and refused until rebuilt (see /healthz).',
      '# TYPE popup_documents_damaged gauge',
      `popup_documents_damaged ${this.docsDamaged}`,
      '# HELP popup_persist_latency_ms Time from an update being applied to it being durable.',
      '# TYPE popup_persist_latency_ms histogram',
      ...LATENCY_BUCKETS_MS.map((b, i) => `popup_persist_latency_ms_bucket{le="${b}"} ${this.buckets[i]}`),
      `popup_persist_latency_ms_bucket{le="+Inf"} ${this.persistCount}`,
      `popup_persist_latency_ms_sum ${this.persistSumMs.toFixed(3)}`,
      `popup_persist_latency_ms_count ${this.persistCount}`,
      '# HELP popup_awareness_refused_total Awareness messages refused; the connection was closed.',
      '# TYPE popup_awareness_refused_total counter',
      `popup_awareness_refused_total ${this.awarenessRefused}`,
      '# HELP popup_rate_limited_total HTTP requests answered 429, by limit.',
      '# TYPE popup_rate_limited_total counter',
      ...[...this.rateLimited].map(([limit, n]) => `popup_rate_limited_total{limit="${limit}"} ${n}`),
      ...memoryLines(),
    ];
    return `${lines.join('\n')}\n`;
  }
}

/** process.memoryUsage() as gauges: resident set, V8 heap used and reserved, and off-heap buffers. */
function memoryLines(): string[] {
  const m = process.memoryUsage();
  const gauge = (name: string, help: string, value: number) => [`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${value}`];
  return [
    ...gauge('popup_process_resident_memory_bytes', 'Resident set size of the server process.', m.rss),
    ...gauge('popup_process_heap_used_bytes', 'V8 heap in use (live objects and garbage not yet collected).', m.heapUsed),
    ...gauge('popup_process_heap_total_bytes', 'V8 heap reserved.', m.heapTotal),
    ...gauge('popup_process_external_bytes', 'Memory of buffers and C++ objects bound to JavaScript objects (ArrayBuffers included).', m.external),
  ];
}
