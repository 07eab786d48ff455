/**
 * `switchboard chat`: a terminal client for people, built on the SDK. Lines are sent to the
 * current channel; slash commands do the rest (see HELP). The session token is kept in a file
 * so the next run comes back as the same user.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface, clearLine, cursorTo, moveCursor, type Interface } from 'node:readline';
import { Option, type Command } from 'commander';
import { WebSocket } from 'ws';
import { SwitchboardClient, type SendOptions } from '../client/index.js';
import { SwitchboardError } from '../errors.js';
import { dmChannel, parseChannel, roomChannel, type ChatMessage } from '../protocol/index.js';
import { mentionsMe } from '../client/channel-book.js';
import { HELP, clean, formatMessage, roomEventLines, roomLines } from './chat-format.js';
import { logCommands, printChanges, type ChatCommand } from './chat-log-commands.js';
import { accountToken, httpBase, readPassword } from './sign-in.js';

export interface ChatOptions {
  url: string;
  handle?: string;
  room: string;
  tokenFile?: string;
  /** Sign in to the account `handle` with a password prompt. */
  login?: boolean;
  /** Create the account `handle` with a password prompt. */
  register?: boolean;
}

const TYPING_NOTICE_MS = 5_000;
const DRAIN_ON_EXIT_MS = 5_000;

export function registerChat(program: Command): void {
  program
    .command('chat')
    .description('Chat in the terminal: lines go to the current room, /help lists commands')
    .addOption(
      new Option('--url <ws-url>', 'server WebSocket URL')
        .env('SWITCHBOARD_URL')
        .default('ws://localhost:8080/ws'),
    )
    .addOption(
      new Option('--handle <name>', 'your handle (claimed on first use)').env('SWITCHBOARD_HANDLE'),
    )
    .option('--room <room>', 'room to open first', 'general')
    .option('--token-file <path>', 'session token file (default ~/.switchboard/token-<handle>)')
    .option('--login', 'sign in to your account: asks for the password (or reads it from stdin)')
    .option('--register', 'create an account for --handle: asks for a password')
    .action((o: ChatOptions) => runChat(o));
}

/** Where the current input goes: a room or a DM partner. */
interface Target {
  channel: string;
  kind: 'room' | 'dm';
  name: string;
}

export async function runChat(o: ChatOptions): Promise<void> {
  if (!o.handle)
    throw new SwitchboardError(
      'SB_ERR_CONFIG_INVALID',
      'give --handle <name> (or SWITCHBOARD_HANDLE)',
    );
  const handle = o.handle.toLowerCase();
  const tokenFile = o.tokenFile ?? join(homedir(), '.switchboard', `token-${handle}`);
  let token = readToken(tokenFile);
  if (o.login || o.register) {
    const password = await readPassword(`Password for ${handle}: `);
    token = await accountToken(o.url, handle, password, Boolean(o.register));
    saveToken(tokenFile, token);
  }
  const tty = Boolean(process.stdout.isTTY);
  const client = new SwitchboardClient({
    url: o.url,
    handle,
    ...(token ? { token } : {}),
    WebSocket,
  });
  let rl: Interface | null = null;
  let current: Target = { channel: roomChannel(o.room), kind: 'room', name: o.room };
  let quitting = false;
  const online = new Set<string>();
  const typingShown = new Map<string, number>();

  const print = (line: string): void => {
    if (rl && tty) {
      clearLine(process.stdout, 0);
      cursorTo(process.stdout, 0);
      process.stdout.write(`${line}\n`);
      rl.prompt(true);
    } else {
      process.stdout.write(`${line}\n`);
    }
  };
  const fail = (err: unknown): void => {
    const code = (err as { code?: unknown }).code;
    print(
      `! ${typeof code === 'string' ? `${code}: ` : ''}${clean(err instanceof Error ? err.message : String(err))}`,
    );
  };
  const setTarget = (t: Target): void => {
    current = t;
    rl?.setPrompt(promptFor(t));
    print(`* now talking in ${describe(t)}`);
    for (const line of roomLines(client.channels.get(t.channel))) print(line);
  };

  client.on('state', (state) => {
    if (state === 'connecting') print(`* connecting to ${clean(o.url)}`);
    else if (state === 'reconnecting') print('* connection lost, reconnecting…');
  });
  client.on('ready', (hello) => {
    if (hello.token) saveToken(tokenFile, hello.token);
    online.clear();
    for (const u of hello.online) online.add(u.user);
    print(`* connected as ${clean(hello.user)} (${hello.online.length} online)`);
  });
  client.on('message', (m: ChatMessage) => {
    typingShown.delete(`${m.channel} ${m.from}`);
    // Another room's message shows when it mentions me (its mention marked).
    if (
      m.channel === current.channel ||
      m.channel.startsWith('dm:') ||
      m.from === client.user ||
      mentionsMe(m, client.user)
    ) {
      print(formatMessage(m, client.user, tty ? 'bold' : 'brackets'));
      if (m.channel === current.channel && m.from !== client.user) scheduleRead(m.channel, m.seq);
    } else {
      const state = client.channels.get(m.channel);
      const parsed = parseChannel(m.channel);
      if (parsed?.kind === 'room' && state)
        print(`* #${clean(parsed.room)}: ${state.unread} unread`);
    }
  });
  client.on('presence', (users) => {
    for (const u of users) {
      if (u.user === client.user) continue;
      if (u.connections > 0 && !online.has(u.user)) print(`* ${clean(u.user)} is online`);
      if (u.connections === 0 && online.has(u.user)) print(`* ${clean(u.user)} went offline`);
      if (u.connections > 0) online.add(u.user);
      else online.delete(u.user);
    }
  });
  client.on('typing', ({ channel, user }) => {
    if (channel !== current.channel || user === client.user) return;
    const key = `${channel} ${user}`;
    const now = Date.now();
    if (now - (typingShown.get(key) ?? 0) < TYPING_NOTICE_MS) return;
    typingShown.set(key, now);
    print(`* ${clean(user)} is typing…`);
  });
  client.on('member', ({ room, user, joined }) => {
    if (roomChannel(room) !== current.channel || user === client.user) return;
    print(`* ${clean(user)} ${joined ? 'joined' : 'left'} #${clean(room)}`);
  });
  client.on('room', (e) => {
    if (roomChannel(e.room) === current.channel) for (const line of roomEventLines(e)) print(line);
  });
  client.on('error', fail);
  client.on('closed', (ev) => {
    if (ev.reconnect || quitting) return;
    print(`* disconnected${ev.error ? `: ${ev.error.code}` : ''}`);
    process.exit(1);
  });

  let readTimer: ReturnType<typeof setTimeout> | null = null;
  let readSeq = 0;
  /** Lines shown on screen count as read, on every device; batched to one frame per half second. */
  function scheduleRead(channel: string, seq: number): void {
    readSeq = Math.max(readSeq, seq);
    if (readTimer) return;
    readTimer = setTimeout(() => {
      readTimer = null;
      const upTo = readSeq;
      readSeq = 0;
      if (channel === current.channel) client.markRead(channel, upTo).catch(() => {});
    }, 500);
  }

  await client.connect();
  if (!client.channels.has(current.channel)) {
    try {
      await client.joinRoom(o.room);
    } catch (err) {
      fail(err);
      const fallback = [...client.channels.values()].find((c) => c.kind === 'room');
      if (fallback) current = { channel: fallback.channel, kind: 'room', name: fallback.name };
    }
  }
  print(`* talking in ${describe(current)}; /help lists commands`);
  for (const line of roomLines(client.channels.get(current.channel))) print(line);

  const quit = async (): Promise<void> => {
    if (quitting) return;
    quitting = true;
    const until = Date.now() + DRAIN_ON_EXIT_MS;
    while (client.outboxSize > 0 && client.state !== 'closed' && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 50));
    }
    client.close();
    rl?.close();
    process.exit(0);
  };

  /** Sends to the current room or DM partner (the outbox keeps the order through reconnects). */
  const sendCurrent = (text: string, options?: SendOptions): Promise<ChatMessage> =>
    current.kind === 'room'
      ? client.sendToRoom(current.name, text, options)
      : client.sendDm(current.name, text, options);
  const onLog = { client, channel: () => current.channel, print };
  printChanges(onLog);
  const commands: Record<string, ChatCommand> = {
    ...logCommands({
      ...onLog,
      send: sendCurrent,
      marks: tty ? 'bold' : 'brackets',
      baseUrl: httpBase(o.url),
    }),
    help: async () => print(HELP),
    quit,
    join: async ([room]) => {
      if (!room) return print('usage: /join <room>');
      const s = await client.joinRoom(room.replace(/^#/, ''));
      setTarget({ channel: s.channel, kind: 'room', name: s.name });
    },
    create: async ([room]) => {
      if (!room) return print('usage: /create <room>');
      const s = await client.createRoom(room.replace(/^#/, ''));
      setTarget({ channel: s.channel, kind: 'room', name: s.name });
    },
    leave: async ([room]) => {
      const name = room?.replace(/^#/, '') ?? (current.kind === 'room' ? current.name : '');
      if (!name) return print('usage: /leave <room>');
      await client.leaveRoom(name);
      print(`* left #${clean(name)}`);
      if (current.channel === roomChannel(name)) {
        const next = [...client.channels.values()].find((c) => c.kind === 'room');
        if (next) setTarget({ channel: next.channel, kind: 'room', name: next.name });
      }
    },
    switch: async ([to]) => {
      if (!to) return print('usage: /switch <room|@user>');
      if (to.startsWith('@')) {
        const user = to.slice(1).toLowerCase();
        return setTarget({
          channel: dmChannel(client.user ?? handle, user),
          kind: 'dm',
          name: user,
        });
      }
      const name = to.replace(/^#/, '');
      if (!client.channels.has(roomChannel(name)))
        return print(`* not in #${clean(name)}: /join ${clean(name)}`);
      setTarget({ channel: roomChannel(name), kind: 'room', name });
    },
    rooms: async () => {
      for (const r of await client.listRooms()) {
        const mine = client.channels.has(roomChannel(r.room)) ? ' (joined)' : '';
        print(`  #${clean(r.room)}  ${r.members} members${mine}`);
      }
    },
    users: async () => {
      for (const u of await client.users())
        print(`  ${clean(u.user)}  ${u.connections} connection(s)`);
    },
    members: async ([room]) => {
      const name = room?.replace(/^#/, '') ?? (current.kind === 'room' ? current.name : '');
      if (!name) return print('usage: /members <room>');
      for (const m of await client.members(name)) {
        print(`  ${clean(m.user)}${m.connections > 0 ? '  (online)' : ''}`);
      }
    },
    dm: async ([user], rest) => {
      const text = rest.slice((user ?? '').length).trim();
      if (!user || !text) return print('usage: /dm <user> <text>');
      await client.sendDm(user.replace(/^@/, ''), text);
    },
    history: async ([n]) => {
      const limit = Math.min(500, Math.max(1, Number(n ?? 20) || 20));
      const page = await client.history(current.channel, { limit });
      print(`* last ${page.messages.length} messages in ${describe(current)}:`);
      for (const m of page.messages)
        print(formatMessage(m, client.user, tty ? 'bold' : 'brackets'));
      if (page.hasMore) print(`* older messages exist: /history ${Math.min(500, limit * 2)}`);
    },
  };

  const onLine = async (line: string): Promise<void> => {
    const text = line.trim();
    if (text.startsWith('/')) {
      const rest = text.slice(1);
      const [name = '', ...args] = rest.split(/\s+/);
      const command = commands[name.toLowerCase()];
      if (!command) print(`* unknown command /${clean(name)}; /help lists commands`);
      else await command(args, rest.slice(name.length).trim()).catch(fail);
    } else if (text) {
      if (tty) {
        // Replace the echoed input line with the message as the server stored it.
        moveCursor(process.stdout, 0, -1);
        clearLine(process.stdout, 0);
      }
      // Not awaited: the outbox keeps the order, and holds sends through a reconnect.
      sendCurrent(line).catch(fail);
    }
    if (tty) rl?.prompt();
  };
  // Lines run one after another, so a message typed after /join goes to the joined room.
  let lines = Promise.resolve();
  rl = createInterface({
    input: process.stdin,
    output: process.stdout,
    prompt: promptFor(current),
    terminal: tty,
  });
  rl.on('line', (line) => {
    lines = lines.then(() => onLine(line));
  });
  rl.on('close', () => void lines.then(quit));
  rl.on('SIGINT', () => void quit());
  if (tty) {
    process.stdin.on('keypress', () => {
      if (rl && !rl.line.startsWith('/') && client.state === 'ready')
        client.typing(current.channel).catch(() => {});
    });
  }
  if (tty) rl.prompt();
}

function promptFor(t: Target): string {
  return t.kind === 'room' ? `[${t.name}]> ` : `[dm ${t.name}]> `;
}

function describe(t: Target): string {
  return t.kind === 'room' ? `#${clean(t.name)}` : `a DM with ${clean(t.name)}`;
}

function readToken(file: string): string | null {
  try {
    return readFileSync(file, 'utf8').trim() || null;
  } catch {
    return null;
  }
}

function saveToken(file: string, token: string): void {
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, `${token}\n`, { mode: 0o600 });
  } catch (err) {
    process.stderr.write(`switchboard: cannot save the session token to ${file}: ${String(err)}\n`);
  }
}
