/**
 * `switchboard chat --login` / `--register`: the password is asked for on the terminal (not
 * echoed) or read as the first line of a piped stdin, sent once to the server's account endpoint
 * (docs/auth.md) and forgotten; the session token it returns is what the client says hello with.
 */
import * as accounts from '../client/accounts.js';

/** `ws://host:port/ws` → `http://host:port` (wss → https). */
export function httpBase(wsUrl: string): string {
  const url = new URL(wsUrl);
  url.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  return url.origin;
}

/** Reads a password without echo on a terminal; the first line of stdin otherwise. */
export function readPassword(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    return new Promise((resolve, reject) => {
      let text = '';
      const onData = (chunk: Buffer): void => {
        text += chunk.toString('utf8');
        const nl = text.indexOf('\n');
        if (nl >= 0) done(text.slice(0, nl).replace(/\r$/, ''), text.slice(nl + 1));
      };
      const done = (line: string, rest = ''): void => {
        stdin.off('data', onData);
        stdin.off('end', onEnd);
        stdin.pause();
        // What followed the password is the chat's input: give it back to the stream.
        if (rest) stdin.unshift(Buffer.from(rest, 'utf8'));
        resolve(line);
      };
      const onEnd = (): void => (text ? done(text) : reject(new Error('no password on stdin')));
      stdin.on('data', onData);
      stdin.once('end', onEnd);
    });
  }
  process.stdout.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer): void => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return finish(() => resolve(text));
        if (ch === '\u0003') return finish(() => reject(new Error('cancelled')));
        if (ch === '\u007f' || ch === '\b') text = text.slice(0, -1);
        else text += ch;
      }
    };
    const finish = (then: () => void): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stdout.write('\n');
      then();
    };
    stdin.on('data', onData);
  });
}

/** Signs in (or registers) and resolves with the session token; rejects with the server's code. */
export function accountToken(
  wsUrl: string,
  handle: string,
  password: string,
  register: boolean,
): Promise<string> {
  const o = { baseUrl: httpBase(wsUrl), device: 'switchboard-chat' };
  return register ? accounts.register(handle, password, o) : accounts.signIn(handle, password, o);
}
