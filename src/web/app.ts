/**
 * The Switchboard chat page: wires the SDK client to the DOM. Plain DOM, no framework; every
 * piece of user text goes through textContent (see dom.ts).
 */
import { fileLink, upload } from '../client/files.js';
import { fileDrop, progressBar } from './attachments.js';
import * as accounts from '../client/accounts.js';
import { SwitchboardClient, type PendingSend } from '../client/index.js';
import type { ChannelState, ChatMessage, HelloResult, RoomKind } from '../protocol/frames.js';
import { ROOM_RE, dmPeer, parseChannel, roomChannel } from '../protocol/channels.js';
import { search } from '../client/search.js';
import { Channels } from './channels.js';
import { multiLineComposer } from './composer-input.js';
import { CreateRoomDialog } from './create-room.js';
import { byTestId, setUserText } from './dom.js';
import { DevicesDialog } from './devices.js';
import { NotificationsDialog } from './notifications.js';
import { LoginForm, describeError, errorCode } from './login.js';
import { MemberPanel } from './member-panel.js';
import { showOidcButton, takeOidcLanding } from './oidc.js';
import { MessageView, type HistoryPage } from './message-view.js';
import { editDialog, messageActions } from './message-actions.js';
import { followedThreads, react } from '../client/message-model.js';
import { openMenu } from './menu.js';
import { PendingList, pendingChannel } from './pending-list.js';
import { ReportList } from './reports.js';
import { RoomBrowser } from './room-browser.js';
import { RoomHeader } from './room-header.js';
import { SearchPanel } from './search-panel.js';
import * as session from './session.js';
import { MentionComplete } from './mention-complete.js';
import { SeenBy } from './seen-by.js';
import { Sidebar } from './sidebar.js';
import { hideToast, renderConnState, toast } from './status.js';
import { ThreadPanel } from './thread-panel.js';
import { TypingIndicator } from './typing.js';

const WS_URL = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
const DEFAULT_CHANNEL = roomChannel('general');
const AUTH_ERRORS = new Set([
  'SB_ERR_TOKEN_INVALID',
  'SB_ERR_TOKEN_EXPIRED',
  'SB_ERR_SESSION_REVOKED',
]);

let client: SwitchboardClient | null = null;
let me = '';
/** True once the current client's first hello succeeded; before that, start() reports failures. */
let signedIn = false;
let maxMessageBytes = Infinity;
/** Highest seq this page already sent a read for, per channel. */
const marked = new Map<string, number>();
/** Rooms (channel ids) where this user's sends were refused as muted. */
const mutedIn = new Set<string>();

const appEl = byTestId('app');
const composer = byTestId<HTMLFormElement>('composer');
const composerInput = byTestId<HTMLTextAreaElement>('composer-input');
const fitComposer = multiLineComposer(composer, composerInput);
const title = byTestId('channel-title');
const leaveButton = byTestId<HTMLButtonElement>('leave-room');
const notifyButton = byTestId<HTMLButtonElement>('notify-open');
const menuToggle = byTestId<HTMLButtonElement>('menu-toggle');

const channels = new Channels(() => me);
const typing = new TypingIndicator(byTestId('typing'));
const view = new MessageView(
  byTestId('messages'),
  byTestId('message-list'),
  byTestId<HTMLButtonElement>('load-older'),
  byTestId('empty'),
  loadHistory,
  () => me,
  (err) => toast(describeError(err), errorCode(err)),
  (msg, at) => {
    const c = client;
    if (!c) return;
    const items = messageActions(c, msg, {
      me,
      kind: memberPanel.roomKind,
      role: memberPanel.myRole,
      error: (err) => toast(describeError(err), errorCode(err)),
      notice: (text) => toast(text),
      reply: (m) => replyTo(m),
      thread: (channel, root) => void threadPanel.open(channel, root),
    });
    openMenu(items, at, `Actions for the message from ${msg.from}`);
  },
  (msg, emoji, on) => {
    const c = client;
    if (c)
      void react(c, msg.channel, msg.seq, emoji, on).catch((err: unknown) =>
        toast(describeError(err), errorCode(err)),
      );
  },
  (id) => fileLink(id, { token: client?.token ?? '' }),
  (channel, root) => void threadPanel.open(channel, root),
);
const threadPanel = new ThreadPanel({
  client: () => client,
  me: () => me,
  channelName: (channel) => channelName(channel),
  error: (err) => toast(describeError(err), errorCode(err)),
  toggled: (open) => appEl.classList.toggle('thread-open', open),
  read: (channel, root, unread) => view.setThreadUnread(channel, root, unread),
});
const memberPanel = new MemberPanel({
  client: () => client,
  me: () => me,
  error: (err) => toast(describeError(err), errorCode(err)),
  notice: (text) => toast(text),
  muted: (room, muted) => setMuted(roomChannel(room), muted),
  loaded: () => render(),
});
const roomHeader = new RoomHeader({
  client: () => client,
  role: () => memberPanel.myRole,
  kind: () => memberPanel.roomKind,
  error: (err) => toast(describeError(err), errorCode(err)),
  notice: (text) => toast(text),
});
const reports = new ReportList((channel) => {
  if (channels.has(channel)) openChannel(channel);
});
new CreateRoomDialog(async (room, kind) => {
  const c = client;
  if (!c) throw new Error('Not connected.');
  await createRoom(c, room, kind);
  openChannel(roomChannel(room));
});
const pending = new PendingList(byTestId('pending-list'), {
  retry: (cid) => void client?.retrySend(cid),
  discard: (cid) => void client?.discardSend(cid),
  describe: (err) => describeError(err),
});
const sidebar = new Sidebar(channels, { openChannel, openDm });
const seenBy = new SeenBy(byTestId('seen-by'));
const receiptsToggle = byTestId<HTMLInputElement>('receipts-toggle');
/** Who the composer offers to mention in the open channel (its members but me). */
let mentionable: string[] = [];
const mentionComplete = new MentionComplete(
  composerInput,
  byTestId('mention-list'),
  () => ({ users: mentionable, everyone: channels.get(view.current ?? '')?.kind === 'room' }),
  fitComposer,
);
receiptsToggle.addEventListener('change', () => {
  const c = client;
  if (!c) return;
  const on = receiptsToggle.checked;
  c.setReceipts(on).then(loadChannelExtras, (err: unknown) => {
    receiptsToggle.checked = !on;
    toast(describeError(err), errorCode(err));
  });
});
// The remembered token comes along when the same handle signs in again (after a final close),
// so the user keeps their rooms instead of claiming the handle anew.
const login = new LoginForm((request) => {
  const { handle } = request;
  if (request.mode === 'guest') {
    const saved = session.loadSession();
    void start({ handle, token: saved?.handle === handle ? saved.token : null });
    return;
  }
  const asking =
    request.mode === 'signup'
      ? accounts.register(handle, request.password)
      : accounts.signIn(handle, request.password);
  asking.then(
    (token) => {
      login.clearPassword();
      return start({ handle, token });
    },
    (err: unknown) => showLogin(handle, describeError(err, handle), errorCode(err)),
  );
});
new DevicesDialog(() => (client ? (session.loadSession()?.token ?? null) : null));
/** Forgets this browser's push subscription, if any; never rejects. */
async function dropPushSubscription(): Promise<void> {
  try {
    const reg = await navigator.serviceWorker?.getRegistration('/');
    await (await reg?.pushManager.getSubscription())?.unsubscribe();
  } catch {
    // Nothing to drop, or the browser cannot say: the server forgot it anyway.
  }
}

// A click on a push notification (src/web/sw.ts) opens its channel here.
navigator.serviceWorker?.addEventListener('message', (ev: MessageEvent) => {
  const data = ev.data as { type?: unknown; channel?: unknown } | null;
  if (data?.type === 'switchboard-open' && typeof data.channel === 'string')
    openChannel(data.channel);
});
new NotificationsDialog(
  () => client,
  () => {
    const info = view.current ? channels.get(view.current) : undefined;
    if (!info || !view.current) return null;
    return { channel: view.current, label: info.kind === 'room' ? `#${info.name}` : info.name };
  },
);
const roomBrowser = new RoomBrowser({
  list: () => (client ? client.listRooms() : Promise.reject(new Error('Not connected.'))),
  isJoined: (room) => channels.has(roomChannel(room)),
  join: (room) =>
    client ? enterRoom(client, room, false) : Promise.reject(new Error('Not connected.')),
  open: (room) => openChannel(roomChannel(room)),
});

const searchPanel = new SearchPanel({
  search: (query, cursor) =>
    client ? search(client, query, { cursor }) : Promise.reject(new Error('Not connected.')),
  channelName,
  open: (hit) => {
    const parsed = parseChannel(hit.channel);
    if (parsed?.kind === 'dm') channels.ensureDm(dmPeer(parsed.users, me));
    openChannel(hit.channel, hit.seq);
  },
  describe: (err) => describeError(err),
});

/** `#room`, or `@user` for my DM with them. */
function channelName(channel: string): string {
  const parsed = parseChannel(channel);
  if (parsed?.kind === 'room') return `#${parsed.room}`;
  if (parsed?.kind === 'dm') return `@${dmPeer(parsed.users, me)}`;
  return channel;
}

/** The open channel's unsent messages, from the SDK's outbox. */
function renderPending(): void {
  const c = client;
  pending.render(c ? c.pending() : [], view.current, me, c?.state === 'ready');
}

function render(): void {
  sidebar.render(view.current, client?.online ?? new Map(), me);
  // The open room's topic, badge and composer follow its state (room events arrive as `channel`).
  roomHeader.show(channels.get(view.current ?? ''));
  seenBy.render(view.latestFrom(me), channels.get(view.current ?? '')?.kind === 'dm');
  const total = channels.totalUnread();
  document.title = total > 0 ? `(${total}) Switchboard` : 'Switchboard';
}

async function loadHistory(
  channel: string,
  options: { before?: number; after?: number; limit?: number },
): Promise<HistoryPage> {
  if (!client) throw new Error('not connected');
  try {
    return await client.history(channel, options);
  } catch (err) {
    // A DM nobody has written in yet does not exist on the server: show it empty.
    if (errorCode(err) === 'SB_ERR_CHANNEL_INVALID')
      return { messages: [], firstSeq: 1, hasMore: false };
    throw err;
  }
}

/** Marks the open channel read up to the newest message, when the person can see it. */
function markViewed(): void {
  const channel = view.current;
  const c = client;
  if (!channel || !c || c.state !== 'ready' || document.visibilityState !== 'visible') return;
  // Opened at an older message (a search hit), only what is loaded has been seen.
  const newest = channels.get(channel)?.lastSeq ?? 0;
  const seq = view.reachesNewest ? Math.max(newest, view.newestSeq) : view.newestSeq;
  channels.onRead(channel, seq);
  if (seq > 0 && seq > (marked.get(channel) ?? 0)) {
    marked.set(channel, seq);
    Promise.resolve(c.markRead(channel, seq)).catch(() => marked.delete(channel));
  }
  render();
}

view.onNewerShown = markViewed;

/** Opens `channel` at its newest message, or with `at` at that message (a search hit). */
function openChannel(channel: string, at?: number): void {
  const info = channels.get(channel);
  if (!info) return;
  session.rememberChannel(channel);
  if (replying && replying.channel !== channel) cancelReply();
  if (threadPanel.current?.channel !== channel) threadPanel.close();
  setUserText(title, info.kind === 'room' ? `#${info.name}` : `@${info.name}`);
  title.dataset.channel = channel;
  leaveButton.hidden = info.kind !== 'room';
  notifyButton.hidden = false;
  memberPanel.show(info.kind === 'room' ? info.name : null);
  renderMuted();
  typing.show(channel);
  setNavOpen(false);
  const opening = view.open(channel, at, info.readSeq);
  mentionable = info.kind === 'dm' ? [info.name] : [];
  void loadChannelExtras();
  renderPending();
  render();
  void opening.then(markViewed).then(() => showThreadUnread(channel));
  // A search hit takes the focus itself: the message opened at.
  if (at === undefined && window.matchMedia('(min-width: 721px)').matches) composerInput.focus();
}

/**
 * What the open channel shows beside its messages: who may be mentioned (a room's members) and
 * the read receipts. Receipts are state: read again after every (re)connect.
 */
async function loadChannelExtras(): Promise<void> {
  const c = client;
  const channel = view.current;
  if (!c || !channel || c.state !== 'ready') return;
  const info = channels.get(channel);
  await seenBy.load(c, channel);
  if (info?.kind === 'room') {
    const members = await c.members(info.name).catch(() => []);
    if (view.current === channel) {
      mentionable = members.map((m) => m.user).filter((u) => u !== me);
      // A mention typed before the members arrived gets its list now.
      if (document.activeElement === composerInput) mentionComplete.update();
    }
  }
  render();
}

/** The unread counts of the followed threads of `channel`, on their roots. */
async function showThreadUnread(channel: string): Promise<void> {
  const c = client;
  if (!c || view.current !== channel) return;
  try {
    for (const t of await followedThreads(c, channel))
      view.setThreadUnread(channel, t.root, t.unread);
  } catch {
    // Unread badges of threads are a nicety; the thread itself still opens.
  }
}

/** #general, or the first room when the user left it, or nothing. */
function openDefault(): void {
  const fallback = channels.has(DEFAULT_CHANNEL) ? DEFAULT_CHANNEL : channels.rooms()[0]?.channel;
  if (fallback) openChannel(fallback);
}

function openDm(user: string): void {
  openChannel(channels.ensureDm(user).channel);
}

function onHello(hello: HelloResult): void {
  me = hello.user;
  maxMessageBytes = hello.maxMessageBytes;
  setUserText(byTestId('me'), me);
  session.saveSession({ handle: hello.user, token: hello.token ?? null });
  for (const state of hello.channels) channels.merge(state);
  marked.clear();
  render();
}

/** The composer says so while the user is muted in the open room. */
function setMuted(channel: string, muted: boolean): void {
  if (muted) mutedIn.add(channel);
  else mutedIn.delete(channel);
  renderMuted();
}

function renderMuted(): void {
  const channel = view.current;
  const muted = channel !== null && mutedIn.has(channel);
  composer.classList.toggle('muted', muted);
  const note = byTestId('composer-muted');
  note.hidden = !muted;
  note.textContent = muted ? describeError({ code: 'SB_ERR_MUTED' }) : '';
}

function onMessage(msg: ChatMessage): void {
  channels.onMessage(msg);
  typing.stop(msg.channel, msg.from);
  threadPanel.add(msg);
  if (view.add(msg) && msg.from !== me) markViewed();
  render();
}

function wire(c: SwitchboardClient, handle: string): void {
  const mine = () => client === c;
  c.on('state', (state) => {
    if (!mine()) return;
    renderConnState(state);
    renderPending();
    if (state === 'reconnecting' && appEl.hidden) {
      login.notice('Cannot reach the server. Still trying…');
    }
  });
  c.on('ready', (hello) => {
    if (!mine()) return;
    onHello(hello);
    receiptsToggle.checked = c.settings.receipts;
    void loadChannelExtras();
    roomBrowser.reconnected();
    // Safety net over the SDK's resume: anything newer than what the view shows.
    if (view.current) void view.catchUp().then(markViewed, () => undefined);
  });
  c.on('message', (msg) => mine() && onMessage(msg));
  c.on('delete', (ev) => {
    if (!mine()) return;
    view.markDeleted(ev.channel, ev.seq, ev.by);
    threadPanel.markDeleted(ev.channel, ev.seq);
  });
  // A followed thread's news (or a read of it on another device): the open thread is read at
  // once, any other shows its unread count on its root.
  c.on('thread', (ev) => {
    if (!mine()) return;
    if (ev.from !== undefined && threadPanel.onThreadNews(ev.channel, ev.root)) return;
    view.setThreadUnread(ev.channel, ev.root, ev.unread);
  });
  c.on('edit', (ev) => mine() && view.applyEdit(ev));
  c.on('reaction', (ev) => mine() && view.applyReaction(ev));
  c.on('preview', (ev) => mine() && view.applyPreview(ev));
  c.on('report', (r) => mine() && reports.add(r));
  c.on('receipt', (ev) => {
    if (!mine()) return;
    seenBy.onReceipt(ev);
    render();
  });
  c.on('settings', (s) => {
    if (!mine()) return;
    receiptsToggle.checked = s.receipts;
    void loadChannelExtras();
  });
  c.on('presence', () => mine() && render());
  c.on('typing', (ev) => {
    if (mine() && ev.user !== me) typing.typing(ev.channel, ev.user);
  });
  c.on('read', (ev) => {
    if (!mine()) return;
    channels.onRead(ev.channel, ev.seq, ev.mentions);
    render();
  });
  c.on('channel', (state: ChannelState) => {
    if (!mine()) return;
    channels.merge(state);
    render();
  });
  c.on('channelRemoved', (channel) => {
    if (!mine()) return;
    channels.remove(channel);
    if (view.current === channel) openDefault();
    render();
  });
  c.on('member', (ev) => {
    if (!mine()) return;
    if (view.current === roomChannel(ev.room) && ev.user !== me) void memberPanel.refresh();
    if (ev.user !== me || ev.joined) return;
    const channel = roomChannel(ev.room);
    if (ev.removed === 'ban') toast(`You were banned from #${ev.room}.`, 'SB_ERR_BANNED');
    else if (ev.removed === 'kick') toast(`You were removed from #${ev.room} by a moderator.`);
    channels.remove(channel);
    if (view.current === channel) openDefault();
    render();
  });
  // A role change anywhere in the open room: its member list reads again.
  c.on('role', (ev) => {
    if (mine() && view.current === roomChannel(ev.room)) void memberPanel.refresh();
  });
  // What a moderator did to me, before its effect (a kick or ban: the member event above).
  c.on('moderated', (ev) => {
    if (!mine()) return;
    const channel = roomChannel(ev.room);
    const until = ev.until === undefined ? '' : ` until ${new Date(ev.until).toLocaleString()}`;
    if (ev.action === 'mute') {
      setMuted(channel, true);
      toast(`You were muted in #${ev.room}${until}.`, 'SB_ERR_MUTED');
    } else if (ev.action === 'unmute') {
      setMuted(channel, false);
      toast(`You can write in #${ev.room} again.`);
    } else if (ev.action === 'role' && ev.role) {
      toast(`Your role in #${ev.room} is now ${ev.role}.`);
      if (view.current === channel) void memberPanel.refresh();
    }
  });
  c.on('error', (err) => mine() && toast(describeError(err), errorCode(err)));
  const outboxChanged = onOutbox(handle);
  c.on('outbox', (list) => mine() && outboxChanged(list));
  c.on('closed', (ev) => {
    if (!mine()) return;
    renderConnState(c.state);
    // Before the first hello, connect() rejects too and start() puts the reason on the form.
    if (ev.reconnect || !signedIn) return;
    const error = ev.error ?? { code: 'SB_ERR_CONNECTION_CLOSED' };
    if (AUTH_ERRORS.has(error.code)) session.forgetToken();
    showLogin(me, describeError(error, me), error.code);
  });
}

/** Saves and shows `handle`'s outbox on every change of one client's outbox. */
function onOutbox(handle: string): (list: PendingSend[]) => void {
  const failed = new Set<string>();
  return (list) => {
    session.saveOutbox(handle, list);
    renderPending();
    // A refusal for a channel that is not open would go unseen in the list: say it once.
    for (const p of list) {
      if (p.state === 'failed' && p.error?.code === 'SB_ERR_MUTED')
        setMuted(pendingChannel(p, me), true);
      if (p.state !== 'failed' || failed.has(p.cid)) continue;
      failed.add(p.cid);
      if (pendingChannel(p, me) !== view.current) {
        const to = 'room' in p.target ? `#${p.target.room}` : p.target.to;
        toast(`A message to ${to} was not sent: ${describeError(p.error)}`, p.error?.code);
      }
    }
  };
}

/**
 * Connects as a remembered session (token) or claims a handle. `sessionEnded`: this claim
 * follows a token the server no longer accepts.
 */
async function start(opts: session.Session & { sessionEnded?: boolean }): Promise<void> {
  client?.close();
  signedIn = false;
  const c = new SwitchboardClient({
    url: WS_URL,
    handle: opts.handle,
    ...(opts.token ? { token: opts.token } : {}),
    presence: true,
    outbox: session.loadOutbox(opts.handle),
  });
  client = c;
  wire(c, opts.handle);
  renderConnState(c.state);
  try {
    const hello = await c.connect();
    if (!mine(c)) return;
    signedIn = true;
    hideToast();
    onHello(hello);
    login.hide();
    appEl.hidden = false;
    const wanted = session.lastChannel();
    if (wanted && channels.has(wanted)) openChannel(wanted);
    else openDefault();
  } catch (err) {
    if (!mine(c)) return;
    c.close();
    client = null;
    const code = errorCode(err);
    if (opts.token && code && AUTH_ERRORS.has(code)) {
      session.forgetToken();
      // A guest whose session ended claims the handle again; an account's handle stays its
      // own, so that claim is refused: then the person signs in again.
      return start({ handle: opts.handle, token: null, sessionEnded: true });
    }
    if (opts.sessionEnded && code === 'SB_ERR_HANDLE_TAKEN') {
      showLogin(opts.handle, describeError({ code: 'SB_ERR_SESSION_REVOKED' }), code);
      return;
    }
    showLogin(opts.handle, describeError(err, opts.handle), code);
  }
}

function mine(c: SwitchboardClient): boolean {
  return client === c;
}

function showLogin(handle: string, error: string | null = null, code?: string): void {
  roomBrowser.close();
  searchPanel.close();
  reports.clear();
  mutedIn.clear();
  hideToast();
  client?.close();
  client = null;
  signedIn = false;
  appEl.hidden = true;
  login.show(handle, error, code);
}

function setNavOpen(open: boolean): void {
  appEl.classList.toggle('nav-open', open);
  menuToggle.setAttribute('aria-expanded', String(open));
}

/** The message the composer answers (in the open channel), or null. */
let replying: { channel: string; seq: number } | null = null;

/** Quotes `msg` above the composer: the next message sent answers it. */
function replyTo(msg: ChatMessage): void {
  replying = { channel: msg.channel, seq: msg.seq };
  const excerpt = msg.text.length > 80 ? `${msg.text.slice(0, 80)}…` : msg.text;
  byTestId('replying-to').textContent = `Replying to ${msg.from}: ${excerpt}`;
  byTestId('replying').hidden = false;
  composerInput.focus();
}

function cancelReply(): void {
  replying = null;
  byTestId('replying').hidden = true;
}
byTestId('replying-cancel').addEventListener('click', () => {
  cancelReply();
  composerInput.focus();
});

async function send(text: string): Promise<void> {
  const c = client;
  const info = view.current ? channels.get(view.current) : undefined;
  if (!c || !info) return;
  const options = replying?.channel === info.channel ? { replyTo: replying.seq } : {};
  if (new TextEncoder().encode(text).length > maxMessageBytes) {
    toast(`Message is too long (max ${maxMessageBytes} bytes).`, 'SB_ERR_MESSAGE_TOO_LARGE');
    return;
  }
  composerInput.value = '';
  fitComposer();
  cancelReply();
  // Shown at once as pending (the outbox event), as failed with Retry/Discard if refused.
  const sending =
    info.kind === 'room'
      ? c.sendToRoom(info.name, text, options)
      : c.sendDm(info.name, text, options);
  view.scrollToBottom();
  try {
    const sent = await sending;
    if (mutedIn.has(sent.channel)) setMuted(sent.channel, false);
    onMessage(sent);
  } catch (err) {
    if (c.state !== 'closed') return;
    // A closed client takes nothing into its outbox: give the text back.
    if (!composerInput.value) {
      composerInput.value = text;
      fitComposer();
    }
    toast(describeError(err), errorCode(err));
  }
}

/** Joins `room` (with `create`, creates it when missing) and adds it to the sidebar. Throws. */
async function enterRoom(c: SwitchboardClient, room: string, create: boolean): Promise<void> {
  let state: unknown;
  try {
    state = await c.joinRoom(room);
  } catch (err) {
    if (!create || errorCode(err) !== 'SB_ERR_ROOM_NOT_FOUND') throw err;
    state = await c.createRoom(room);
  }
  addRoom(c, room, state);
}

/** Creates a room of `kind` (the viewer owns it) and adds it to the sidebar. Throws. */
async function createRoom(c: SwitchboardClient, room: string, kind: RoomKind): Promise<void> {
  addRoom(c, room, await c.createRoom(room, kind));
}

function addRoom(c: SwitchboardClient, room: string, state: unknown): void {
  if (state && typeof state === 'object' && 'channel' in state)
    channels.merge(state as ChannelState);
  const known = c.channels.get(roomChannel(room));
  if (known) channels.merge(known);
  else if (!channels.has(roomChannel(room)))
    channels.merge({
      channel: roomChannel(room),
      kind: 'room',
      name: room,
      lastSeq: 0,
      readSeq: 0,
      unread: 0,
      mentions: 0,
      firstSeq: 1,
    });
}

async function joinOrCreate(room: string): Promise<void> {
  const c = client;
  if (!c) return;
  if (!ROOM_RE.test(room)) {
    toast(describeError({ code: 'SB_ERR_ROOM_NAME_INVALID' }), 'SB_ERR_ROOM_NAME_INVALID');
    return;
  }
  try {
    await enterRoom(c, room, true);
    openChannel(roomChannel(room));
  } catch (err) {
    toast(describeError(err), errorCode(err));
  }
}

const uploadProgress = progressBar(byTestId('upload-progress'));

/** Uploads `files` to the open channel, then sends them with the composer's text. */
async function sendFiles(files: File[]): Promise<void> {
  const c = client;
  const info = view.current ? channels.get(view.current) : undefined;
  if (!c || !info || !c.token) return;
  const ids: string[] = [];
  try {
    for (const file of files) {
      const done = await upload(info.channel, file, {
        token: c.token,
        onProgress: (sent, total) => uploadProgress.show(file.name, sent, total),
      });
      ids.push(done.id);
    }
  } catch (err) {
    toast(describeError(err), errorCode(err));
    return;
  } finally {
    uploadProgress.done();
  }
  const text = composerInput.value;
  composerInput.value = '';
  fitComposer();
  const options = { attachments: ids };
  const sending =
    info.kind === 'room'
      ? c.sendToRoom(info.name, text, options)
      : c.sendDm(info.name, text, options);
  view.scrollToBottom();
  sending.then(onMessage, (err: unknown) => toast(describeError(err), errorCode(err)));
}

fileDrop(
  byTestId<HTMLInputElement>('attach-input'),
  byTestId<HTMLButtonElement>('attach'),
  [byTestId('messages'), composer],
  (files) => void sendFiles(files),
);

composer.addEventListener('submit', (ev) => {
  ev.preventDefault();
  const text = composerInput.value;
  if (text.trim()) void send(text);
});

// Up-arrow in the empty composer edits my last message, as in Slack and Discord.
composerInput.addEventListener('keydown', (ev) => {
  if (ev.key !== 'ArrowUp' || composerInput.value || ev.shiftKey || ev.altKey) return;
  if (ev.ctrlKey || ev.metaKey || ev.isComposing) return;
  const msg = view.lastOwn();
  if (!client || !msg) return;
  ev.preventDefault();
  void editDialog(client, msg, { error: (err) => toast(describeError(err), errorCode(err)) }).then(
    () => composerInput.focus(),
  );
});

composerInput.addEventListener('input', () => {
  const channel = view.current;
  const c = client;
  if (!channel || !c || c.state !== 'ready' || !composerInput.value) return;
  // The SDK sends at most one typing frame per channel every 3 s; extra calls are free.
  c.typing(channel).catch(() => undefined);
});

byTestId<HTMLFormElement>('join-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const input = byTestId<HTMLInputElement>('room-input');
  const room = input.value.trim().replace(/^#/, '').toLowerCase();
  if (!room) return;
  input.value = '';
  void joinOrCreate(room);
});

leaveButton.addEventListener('click', () => {
  const info = view.current ? channels.get(view.current) : undefined;
  if (!client || info?.kind !== 'room') return;
  const channel = info.channel;
  Promise.resolve(client.leaveRoom(info.name)).then(
    () => {
      channels.remove(channel);
      if (view.current === channel) openDefault();
    },
    (err: unknown) => toast(describeError(err), errorCode(err)),
  );
});

// Signing out revokes the session on the server (every connection of it closes, on every node),
// then forgets it here.
const signOutButton = byTestId<HTMLButtonElement>('sign-out');
signOutButton.addEventListener('click', () => {
  const token = session.loadSession()?.token;
  // Detached before it closes: closing emits `closed` at once, which for the page's own client
  // would show the login form with a connection error while the sign-out is still on its way.
  // The page stays as it is, saying so, until the reload below shows the form.
  const c = client;
  client = null;
  c?.close();
  signOutButton.disabled = true;
  signOutButton.textContent = 'Signing out…';
  if (me) session.clearOutbox(me);
  session.clearSession();
  // A sign-out the server cannot take now still forgets the session here. The server drops the
  // session's push subscriptions; the browser's own is dropped too (docs/push.md).
  void Promise.all([
    token ? accounts.signOut(token).catch(() => undefined) : undefined,
    dropPushSubscription(),
  ]).then(() => location.reload());
});

menuToggle.addEventListener('click', () => setNavOpen(!appEl.classList.contains('nav-open')));
byTestId('scrim').addEventListener('click', () => setNavOpen(false));
// Back online, or back to the tab (timers may have been throttled meanwhile): do not sit out the
// rest of the SDK's backoff wait.
window.addEventListener('online', () => {
  renderConnState(client?.state ?? 'idle');
  client?.reconnectNow();
});
// Offline: the socket cannot work, and its close may not complete before the network is back;
// drop it so the page says so at once and new messages wait, shown as pending, in the outbox.
window.addEventListener('offline', () => {
  client?.dropConnection();
  renderConnState(client?.state ?? 'idle');
});
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') client?.reconnectNow();
  markViewed();
});

const saved = session.loadSession();
const landing = takeOidcLanding();
showOidcButton((modes) => {
  if (modes.length > 0) login.setModes(modes);
});
if (landing && 'token' in landing) {
  // Back from the provider with a new account session: stored like a password sign-in's.
  accounts.whoAmI(landing.token).then(
    ({ user }) => start({ handle: user, token: landing.token }),
    (err: unknown) => login.show(saved?.handle ?? '', describeError(err), errorCode(err)),
  );
} else if (landing) {
  login.show(saved?.handle ?? '', describeError({ code: landing.error }), landing.error);
} else if (saved?.token) {
  // Show the shell at once; the connection indicator says "connecting" until hello returns.
  me = saved.handle;
  setUserText(byTestId('me'), me);
  appEl.hidden = false;
  void start(saved);
} else {
  login.show(saved?.handle ?? '');
}
