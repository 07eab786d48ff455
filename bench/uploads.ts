/**
 * Upload throughput and server memory per concurrent upload (part of a plain run; alone: `--scenario uploads`): one
 * Switchboard server (filesystem blob store in its data dir), uploads of FILE_MB each streamed
 * over HTTP from this process at 1, 8 and 32 (× scale) at once. Server RSS is sampled every 20 ms;
 * (peak − RSS before the phase) ÷ concurrency is the memory one upload in flight costs, which
 * stays far below the file size when uploads are streamed, not buffered. Not images: the
 * thumbnail step (sharp, which reads the image whole) is left out on purpose.
 */
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { cpuMs, rssBytes } from './lib/proc.js';
import { note, status } from './lib/progress.js';
import { f, table } from './lib/report.js';
import { startSwitchboard } from './lib/servers.js';

export type UploadsScenarioName = 'uploads';
export const UPLOADS_SCENARIOS: readonly UploadsScenarioName[] = ['uploads'];

const FILE_MB = 8;
const CHUNK = 64 * 1024;

export interface UploadsPhase {
  concurrency: number;
  fileBytes: number;
  wallMs: number;
  mbPerS: number;
  serverCpuMsPerMb: number;
  rssBeforeMb: number;
  rssPeakMb: number;
  rssPerUploadMb: number;
}

export interface UploadsResult {
  scenario: UploadsScenarioName;
  phases: UploadsPhase[];
}

async function guestToken(wsUrl: string): Promise<string> {
  const ws = new WebSocket(`${wsUrl}/ws`);
  await new Promise<void>((res, rej) => {
    ws.once('open', () => res());
    ws.once('error', rej);
  });
  const reply = new Promise<string>((res) =>
    ws.on('message', (d: Buffer) => {
      const f = JSON.parse(String(d).split('\n')[0]!) as { data?: { token?: string } };
      if (f.data?.token) res(f.data.token);
    }),
  );
  ws.send(
    JSON.stringify({ type: 'hello', id: 1, protocol: 1, handle: 'uploader', presence: false }),
  );
  const token = await reply;
  ws.close();
  return token;
}

/** Streams `bytes` of a non-text pattern in CHUNK writes, honouring backpressure. */
function uploadOne(port: number, token: string, bytes: number, n: number): Promise<void> {
  const chunk = Buffer.alloc(CHUNK, n % 251);
  chunk[0] = 0;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: `/api/v1/uploads?channel=room:general&name=bench-${n}.bin`,
        headers: { authorization: `Bearer ${token}`, 'content-length': String(bytes) },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 201 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    let left = bytes;
    const pump = (): void => {
      while (left > 0) {
        const piece = left >= CHUNK ? chunk : chunk.subarray(0, left);
        left -= piece.length;
        if (!req.write(piece)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

export async function runUploadsScenario(o: { scale: number }): Promise<UploadsResult> {
  const server = await startSwitchboard({ tag: 'uploads', args: ['--upload-quota-bytes', '0'] });
  const port = Number(new URL(server.url).port);
  const phases: UploadsPhase[] = [];
  try {
    const token = await guestToken(server.url);
    const levels = [1, 8, 32].map((c) => Math.max(1, Math.round(c * Math.min(1, o.scale))));
    for (const concurrency of [...new Set(levels)]) {
      status(`uploads: ${concurrency} × ${FILE_MB} MB at once`);
      const fileBytes = FILE_MB * 1024 * 1024;
      await new Promise((r) => setTimeout(r, 500));
      const rssBefore = rssBytes(server.pid);
      let peak = rssBefore;
      const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(server.pid))), 20);
      const cpu0 = cpuMs(server.pid);
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, (_, n) => uploadOne(port, token, fileBytes, n)),
      );
      const wallMs = performance.now() - t0;
      clearInterval(sampler);
      peak = Math.max(peak, rssBytes(server.pid));
      const mb = (concurrency * fileBytes) / 2 ** 20;
      phases.push({
        concurrency,
        fileBytes,
        wallMs,
        mbPerS: mb / (wallMs / 1000),
        serverCpuMsPerMb: (cpuMs(server.pid) - cpu0) / mb,
        rssBeforeMb: rssBefore / 2 ** 20,
        rssPeakMb: peak / 2 ** 20,
        rssPerUploadMb: (peak - rssBefore) / 2 ** 20 / concurrency,
      });
    }
  } finally {
    await server.stop();
  }
  note('uploads: done');
  return { scenario: 'uploads', phases };
}

export function renderUploads(results: UploadsResult[]): string {
  const rows = results.flatMap((r) =>
    r.phases.map((p) => [
      String(p.concurrency),
      `${f(p.fileBytes / 2 ** 20, 0)} MB`,
      f(p.mbPerS, 0),
      f(p.serverCpuMsPerMb, 2),
      f(p.rssBeforeMb, 0),
      f(p.rssPeakMb, 0),
      f(p.rssPerUploadMb, 2),
    ]),
  );
  if (rows.length === 0) return '';
  return table(
    [
      'uploads at once',
      'file',
      'MB/s',
      'CPU ms/MB',
      'RSS before MB',
      'RSS peak MB',
      'RSS MB/upload',
    ],
    rows,
  );
}
