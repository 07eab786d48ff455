/**
 * "Seen by …" under my newest message in a DM or a small room: the read receipts of the other
 * members (SDK `receipts`, then `receipt` events). Hidden in rooms too large for receipts, while
 * my own receipts are off (the server then shows me no one's), and until someone has seen it.
 */
import type { SwitchboardClient } from '../client/client.js';
import type { ReceiptEvent } from '../client/types.js';

export class SeenBy {
  private channel: string | null = null;
  private positions = new Map<string, number>();

  constructor(private readonly el: HTMLElement) {}

  /** Reads the receipts of `channel` (null: none open); a failure or `off` shows nothing. */
  async load(client: SwitchboardClient, channel: string | null): Promise<void> {
    this.channel = channel;
    this.positions = new Map();
    if (!channel || client.state !== 'ready' || !client.settings.receipts) return;
    try {
      const r = await client.receipts(channel);
      if (this.channel !== channel) return;
      this.positions = new Map(r.receipts.map((p) => [p.user, p.seq]));
    } catch {
      // A room too large for receipts, or a DM nobody wrote in yet: nothing to show.
    }
  }

  onReceipt(ev: ReceiptEvent): void {
    if (ev.channel !== this.channel) return;
    this.positions.set(ev.user, Math.max(ev.seq, this.positions.get(ev.user) ?? 0));
  }

  /** Shows who has seen my message `seq` (0: I have none loaded here). */
  render(seq: number, dm: boolean): void {
    const who = seq > 0 ? [...this.positions].filter(([, s]) => s >= seq).map(([u]) => u) : [];
    this.el.hidden = who.length === 0;
    this.el.textContent = who.length === 0 ? '' : dm ? 'Seen' : `Seen by ${who.sort().join(', ')}`;
  }
}
