import type { Pop3Maildrop, Pop3MessageInfo } from './pop3-maildrop.port.js';

/** The TRANSACTION-state view of a maildrop: message numbers, deletion marks, the totals STAT reports. */
export class Pop3MaildropView {
  private readonly deleted: boolean[];

  constructor(readonly maildrop: Pop3Maildrop) {
    this.deleted = maildrop.messages.map(() => false);
  }

  /** undefined for numbers out of range and for messages marked deleted (RFC 1939 treats both as absent) */
  get(msg: number): Pop3MessageInfo | undefined {
    if (!Number.isInteger(msg) || msg < 1 || msg > this.deleted.length || this.deleted[msg - 1]) return undefined;
    return this.maildrop.messages[msg - 1];
  }

  isDeleted(msg: number): boolean {
    return this.deleted[msg - 1] === true;
  }

  markDeleted(msg: number): boolean {
    if (!this.get(msg)) return false;
    this.deleted[msg - 1] = true;
    return true;
  }

  reset(): void {
    this.deleted.fill(false);
  }

  /** live messages with their numbers */
  *entries(): Generator<[number, Pop3MessageInfo]> {
    for (const [i, m] of this.maildrop.messages.entries()) if (!this.deleted[i]) yield [i + 1, m];
  }

  stat(): { count: number; size: number } {
    let count = 0;
    let size = 0;
    for (const [, m] of this.entries()) {
      count++;
      size += m.size;
    }
    return { count, size };
  }

  deletedUids(): number[] {
    return this.maildrop.messages.filter((_, i) => this.deleted[i]).map((m) => m.uid);
  }
}
