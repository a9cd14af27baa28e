import { Bus } from '@mail/bus';
import { ExpungeMessages, FetchMessages, ListMailboxes, VERIFY_LOGIN_TIMEOUT_MS, VerifyLogin, type UidRanges } from '@mail/contracts';
import { Pop3Backend, type Pop3Identity, type Pop3Maildrop, type Pop3MessageInfo } from './pop3-maildrop.port.js';

/** UidRanges has a length cap; a maildrop's uids are sparse after deletions, so requests are split. */
const MAX_RANGES_PER_REQUEST = 5000;

/** `Pop3Backend` over the bus: logins through auth, INBOX through store. */
export class BusPop3Backend extends Pop3Backend {
  constructor(private readonly bus: Bus) {
    super();
  }

  async verifyLogin(username: string, password: string, remoteAddress?: string): Promise<Pop3Identity | null> {
    if (username.length > 320 || password.length > 1024) return null;
    const result = await this.bus.request(
      VerifyLogin,
      { username, password, protocol: 'pop3', remoteAddress: remoteAddress?.slice(0, 64) },
      { timeoutMs: VERIFY_LOGIN_TIMEOUT_MS },
    );
    // a temporary refusal is not a wrong password: the session answers -ERR [SYS/TEMP]
    if (!result.ok && (result.reason === 'busy' || result.reason === 'throttled')) throw new Error(`login ${result.reason}, try again later`);
    return result.ok ? { accountId: result.accountId, address: result.address } : null;
  }

  async openMaildrop(accountId: string): Promise<Pop3Maildrop> {
    const { mailboxes } = await this.bus.request(ListMailboxes, { accountId });
    const inbox = mailboxes.find((m) => m.name.toUpperCase() === 'INBOX');
    if (!inbox) throw new Error('account has no INBOX');
    const messages: Pop3MessageInfo[] = [];
    const lastUid = inbox.uidNext - 1;
    let from = 1;
    // page by uid: every reply starts after the last uid the previous one returned
    while (from <= lastUid) {
      const page = await this.bus.request(FetchMessages, { accountId, mailboxId: inbox.id, uids: [[from, lastUid]] });
      for (const m of page.messages) {
        if (!m.blobKey) throw new Error(`message ${m.uid} came without its blob key`);
        messages.push({ uid: m.uid, size: m.size, blobKey: m.blobKey, uidl: `${inbox.uidValidity}.${m.uid}` });
      }
      const last = page.messages.at(-1);
      if (!page.more || !last) break;
      from = last.uid + 1;
    }
    messages.sort((a, b) => a.uid - b.uid);
    return { mailboxId: inbox.id, messages };
  }

  async deleteMessages(accountId: string, mailboxId: string, uids: number[]): Promise<void> {
    const ranges = toRanges(uids);
    for (let i = 0; i < ranges.length; i += MAX_RANGES_PER_REQUEST) {
      await this.bus.request(ExpungeMessages, {
        accountId,
        mailboxId,
        uids: ranges.slice(i, i + MAX_RANGES_PER_REQUEST),
        onlyDeleted: false,
      });
    }
  }
}

/** Sorted, merged inclusive ranges: [1,2,3,7] -> [[1,3],[7,7]]. */
export function toRanges(uids: number[]): UidRanges {
  const sorted = [...new Set(uids)].sort((a, b) => a - b);
  const ranges: [number, number][] = [];
  for (const uid of sorted) {
    const last = ranges.at(-1);
    if (last && uid === last[1] + 1) last[1] = uid;
    else ranges.push([uid, uid]);
  }
  return ranges;
}
