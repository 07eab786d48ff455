// How long one core takes to hand one message to every socket of a 1,000-client room, with
// nothing else in the way: a bare `ws` server (this process) calls `send` once per client, and the
// clients (a child process, the `ws` client) only count what arrives. Each broadcast's loop is
// timed on the server: on Linux `ws.send` writes to the socket before it returns, and on loopback
// the write also runs the receiving side's TCP input, so the loop's wall time is what the server
// core spends before its last client has the message (bench/README.md, "The one-node floor, and
// one frame per broadcast").
//   taskset -c 0 node bench/load/fanout-floor.mjs   (the clients pin themselves to CPU 1)
// Env: CLIENTS (default 1000), MESSAGES (default 200), RATE (messages/s, default 34), MODE: how the
// server sends each broadcast: `string` (ws.send of the text, per client), `buffer` (ws.send of
// one Buffer: Switchboard before ws-frame.ts) or `shared` (the default: one frame built once and
// written whole, through sendShared of DIST/transport/ws-frame.js, DIST default dist/).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { WebSocket, WebSocketServer } from 'ws';

const clients = Number(process.env.CLIENTS ?? 1000);
const messages = Number(process.env.MESSAGES ?? 200);
const rate = Number(process.env.RATE ?? 34);
const mode = process.env.MODE ?? 'shared';
if (!['string', 'buffer', 'shared'].includes(mode))
  throw new Error(`MODE: string, buffer or shared`);
if (process.argv[2] === 'clients') {
  // The client side: `clients` sockets; exits once each has `messages` messages (or after 60 s).
  const url = process.argv[3];
  let got = 0;
  const all = [];
  for (let i = 0; i < clients; i++) {
    const ws = new WebSocket(url);
    ws.on('message', () => {
      if (++got === clients * messages) process.exit(0);
    });
    all.push(once(ws, 'open'));
  }
  await Promise.all(all);
  process.send?.('ready');
  setTimeout(() => process.exit(1), 60_000).unref();
} else {
  const { sendShared } = await import(
    pathToFileURL(resolve(process.env.DIST ?? 'dist', 'transport/ws-frame.js')).href
  );
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  const url = `ws://127.0.0.1:${wss.address().port}`;
  const child = spawn('taskset', ['-c', '1', process.execPath, process.argv[1], 'clients', url], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = once(child, 'exit');
  await Promise.race([
    once(child, 'message'),
    exited.then(([code]) => Promise.reject(new Error(`clients exited (${code}) before ready`))),
  ]);
  while (wss.clients.size < clients) await new Promise((r) => setTimeout(r, 10));
  const sockets = [...wss.clients];
  const loops = [];
  const cpu0 = process.cpuUsage();
  for (let m = 0; m < messages; m++) {
    const text = `{"type":"message","room":"general","seq":${m},"text":"${'x'.repeat(40)}"}`;
    const buf = Buffer.from(text);
    const t0 = performance.now();
    if (mode === 'string') for (const ws of sockets) ws.send(text);
    else if (mode === 'buffer') for (const ws of sockets) ws.send(buf, { binary: false });
    else for (const ws of sockets) if (!sendShared(ws, buf)) ws.send(buf, { binary: false });
    loops.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 1000 / rate));
  }
  const cpu = process.cpuUsage(cpu0);
  const [code] = await exited;
  loops.sort((a, b) => a - b);
  const at = (q) => loops[Math.min(loops.length - 1, Math.floor(q * loops.length))];
  const out = {
    mode,
    clients,
    messages,
    rate,
    delivered: code === 0,
    loopMsP50: +at(0.5).toFixed(2),
    loopMsP99: +at(0.99).toFixed(2),
    loopMsMax: +loops[loops.length - 1].toFixed(2),
    serverCpuUsPerDelivery: +((cpu.user + cpu.system) / (clients * messages)).toFixed(2),
  };
  console.log(JSON.stringify(out));
  wss.close();
  process.exit(code === 0 ? 0 : 1);
}
