/**
 * Sessions per account on this process (issue 14's per-user limit). One account's clients (a
 * phone, a desktop client opening five connections, a misconfigured sync tool) may not take the
 * whole server; Dovecot's mail_max_userip_connections is the same guard per user and address.
 */
export class UserConnections {
  private readonly held = new Map<string, number>();

  /** `max` 0: no limit */
  constructor(readonly max: number) {}

  /** A slot for one more session of `accountId`, and the function that gives it back; undefined when the account holds `max`. */
  take(accountId: string): (() => void) | undefined {
    if (this.max <= 0) return () => undefined;
    const n = this.held.get(accountId) ?? 0;
    if (n >= this.max) return undefined;
    this.held.set(accountId, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.held.get(accountId) ?? 1) - 1;
      if (left > 0) this.held.set(accountId, left);
      else this.held.delete(accountId);
    };
  }

  /** sessions counted for `accountId` */
  count(accountId: string): number {
    return this.held.get(accountId) ?? 0;
  }
}
