/**
 * "alice is typing…" for the open channel. Each typing event lasts TYPING_TTL_MS unless
 * renewed; a message from the typist ends it at once.
 */
const TYPING_TTL_MS = 5000;

export class TypingIndicator {
  /** channel -> user -> expiry timer */
  private readonly typists = new Map<string, Map<string, ReturnType<typeof setTimeout>>>();
  private channel: string | null = null;

  constructor(private readonly el: HTMLElement) {}

  show(channel: string): void {
    this.channel = channel;
    this.render();
  }

  typing(channel: string, user: string): void {
    let users = this.typists.get(channel);
    if (!users)
      this.typists.set(channel, (users = new Map<string, ReturnType<typeof setTimeout>>()));
    const old = users.get(user);
    if (old) clearTimeout(old);
    users.set(
      user,
      setTimeout(() => this.stop(channel, user), TYPING_TTL_MS),
    );
    this.render();
  }

  stop(channel: string, user: string): void {
    const users = this.typists.get(channel);
    const timer = users?.get(user);
    if (!users || timer === undefined) return;
    clearTimeout(timer);
    users.delete(user);
    this.render();
  }

  private render(): void {
    const names = [...(this.typists.get(this.channel ?? '')?.keys() ?? [])].sort();
    let text = '';
    if (names.length === 1) text = `${names[0]} is typing…`;
    else if (names.length === 2) text = `${names[0]} and ${names[1]} are typing…`;
    else if (names.length > 2) text = `${names.length} people are typing…`;
    this.el.textContent = text;
    this.el.classList.toggle('active', text !== '');
  }
}
