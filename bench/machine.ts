import { cpus, release, totalmem, type as osType } from 'node:os';

/** The machine the figures come from, for the report's header. */
export interface Machine {
  os: string;
  cpu: string;
  cores: number;
  ramGiB: number;
  node: string;
}

export function machine(): Machine {
  const cpu = cpus();
  return {
    os: `${osType()} ${release()} (${process.platform}/${process.arch})`,
    cpu: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    ramGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
  };
}
