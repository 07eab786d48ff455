/**
 * `switchboard chat`'s commands on the channel log: /search and /more, /seen (read receipts),
 * /upload, and /reply, /thread, /edit, /delete, /react and /unreact on message #seq of the
 * current channel (the seq formatMessage prints).
 * Each is one SDK call; the server decides what is allowed and a refusal prints its code. The
 * changes come back as the client's 'edit', 'delete' and 'reaction' events, printed by
 * `printChanges` like anyone else's, so a change is printed once whoever made it.
 */
import { editMessage, react } from '../client/message-model.js';
import { deleteMessage } from '../client/moderation.js';
import { search } from '../client/search.js';
import { upload } from '../client/files.js';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { SendOptions, SwitchboardClient } from '../client/index.js';
import {
  clean,
  formatChange,
  formatHit,
  formatMessage,
  type ChangeEvent,
  type MarkStyle,
} from './chat-format.js';

export type ChatCommand = (args: string[], rest: string) => Promise<void>;

export interface LogCommandContext {
  client: SwitchboardClient;
  /** The channel the commands act on. */
  channel: () => string;
  /** Sends to that channel (its room, or the DM partner). */
  send: (text: string, options?: SendOptions) => Promise<unknown>;
  print: (line: string) => void;
  marks: MarkStyle;
  /** The server's HTTP origin (uploads), e.g. `http://localhost:8080`. */
  baseUrl: string;
}

const SEARCH_PAGE = 10;
/** Thread messages /thread <#seq> shows: the newest ones. */
const THREAD_PAGE = 50;

/** `7` or `#7` as a seq; null when it is not one. */
function parseSeq(word: string | undefined): number | null {
  const n = Number(word?.replace(/^#/, ''));
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

export function logCommands(ctx: LogCommandContext): Record<string, ChatCommand> {
  const { client, print } = ctx;
  /** The last search, for /more. */
  let last: { query: string; cursor?: string } | null = null;

  const showPage = async (query: string, cursor?: string): Promise<void> => {
    const page = await search(client, query, { limit: SEARCH_PAGE, cursor });
    if (!cursor && page.hits.length === 0) print('* no messages found');
    for (const hit of page.hits) print(formatHit(hit, client.user, ctx.marks));
    last = page.cursor ? { query, cursor: page.cursor } : null;
    if (last) print('* more results: /more');
  };
  const reaction =
    (on: boolean): ChatCommand =>
    async ([word, emoji]) => {
      const seq = parseSeq(word);
      if (seq === null || !emoji) return print(`usage: /${on ? '' : 'un'}react <#seq> <emoji>`);
      await react(client, ctx.channel(), seq, emoji, on);
    };

  return {
    search: async (_args, query) => {
      if (!query) return print('usage: /search <query>');
      await showPage(query);
    },
    more: async () => {
      if (!last) return print('* nothing more: /search <query> first');
      await showPage(last.query, last.cursor);
    },
    upload: async ([path], rest) => {
      if (!path) return print('usage: /upload <path> [text]');
      const text = rest.slice(path.length).trim();
      const bytes = await readFile(path).catch(() => null);
      if (!bytes) return print(`* cannot read ${path}`);
      const file = await upload(ctx.channel(), bytes, {
        token: client.token ?? '',
        baseUrl: ctx.baseUrl,
        name: basename(path),
      });
      await ctx.send(text, { attachments: [file.id] });
    },
    reply: async ([word], rest) => {
      const seq = parseSeq(word);
      const text = rest.slice((word ?? '').length).trim();
      if (seq === null || !text) return print('usage: /reply <#seq> <text>');
      await ctx.send(text, { replyTo: seq });
    },
    /** With text: posts in the thread under #seq; without: prints its root and messages. */
    thread: async ([word], rest) => {
      const seq = parseSeq(word);
      const text = rest.slice((word ?? '').length).trim();
      if (seq === null) return print('usage: /thread <#seq> [text]');
      if (text) {
        await ctx.send(text, { thread: seq });
        return;
      }
      const page = await client.history(ctx.channel(), { thread: seq, limit: THREAD_PAGE });
      if (page.root) print(formatMessage(page.root, client.user));
      if (page.messages.length === 0) print('* no messages in this thread yet');
      for (const m of page.messages) print(formatMessage(m, client.user));
    },
    edit: async ([word], rest) => {
      const seq = parseSeq(word);
      const text = rest.slice((word ?? '').length).trim();
      if (seq === null || !text) return print('usage: /edit <#seq> <new text>');
      await editMessage(client, ctx.channel(), seq, text);
    },
    delete: async ([word]) => {
      const seq = parseSeq(word);
      if (seq === null) return print('usage: /delete <#seq>');
      await deleteMessage(client, ctx.channel(), seq);
    },
    react: reaction(true),
    unreact: reaction(false),
    seen: async () => {
      const channel = ctx.channel();
      const r = await client.receipts(channel);
      if (r.off) return print('* your read receipts are off: you see no one’s');
      const latest = client.channels.get(channel)?.lastSeq ?? 0;
      const seen = r.receipts.filter((p) => p.seq >= latest).map((p) => clean(p.user));
      const not = r.receipts
        .filter((p) => p.seq < latest)
        .map((p) => `${clean(p.user)} (#${p.seq})`);
      print(`* seen #${latest}: ${seen.length ? seen.join(', ') : 'nobody yet'}`);
      if (not.length) print(`* not yet: ${not.join(', ')}`);
    },
  };
}

/** Prints the edits, deletes and reactions of the current channel as they arrive. */
export function printChanges(ctx: Omit<LogCommandContext, 'marks' | 'send' | 'baseUrl'>): void {
  const show = (e: ChangeEvent): void => {
    if (e.channel === ctx.channel()) ctx.print(formatChange(e, ctx.client.user));
  };
  ctx.client.on('edit', show);
  ctx.client.on('delete', show);
  ctx.client.on('reaction', show);
}
