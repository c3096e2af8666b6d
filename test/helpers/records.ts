// Session records written by hand, for cases no real run can produce on
// demand (two ids sharing a prefix). The format is csm's record version 1
// (src/session.ts); the host is any live process the test owns.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Sandbox } from './sandbox.js';

export const canForgeRecords = process.platform === 'linux';
export const NO_FORGED_RECORDS_REASON = `process start-time tokens are read from /proc, which ${process.platform} lacks`;

/** csm's Linux start-time token: boot id and start time in clock ticks (src/process-info.ts). */
export function startTimeToken(pid: number): string {
  let boot: string;
  try {
    boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    boot = 'boot'; // csm's own fallback when a container hides boot_id
  }
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return `${boot}:${fields[19]}`;
}

/** Writes a record for session `id`, hosted (as far as csm can tell) by the live process `hostPid`. */
export function writeRecord(sb: Sandbox, id: string, hostPid: number, workingDir: string): void {
  mkdirSync(sb.sessionsDir, { recursive: true, mode: 0o700 });
  const token = startTimeToken(hostPid);
  const record = {
    version: 1,
    id,
    workingDir,
    createdAt: new Date().toISOString(),
    command: '/bin/sleep',
    args: [],
    hostPid,
    hostStartTime: token,
    pid: hostPid,
    pidStartTime: token,
    socketPath: join(sb.runtimeDir, `${id}.sock`),
  };
  writeFileSync(join(sb.sessionsDir, `${id}.json`), `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
}
