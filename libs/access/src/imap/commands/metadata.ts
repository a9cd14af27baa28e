import { ContractError, METADATA_LIMITS } from '@mail/contracts';
import { canonicalEntry, metadataResponse } from '@mail/imap-protocol';
import { tenantOf } from '../caller.js';
import { mailboxArgument } from '../mailbox-argument.js';
import { bad, no, ok } from '../reply.js';
import type { Command, CommandSpec } from '../session-handle.js';

/** "" names the server (RFC 5464 3.2); anything else is a mailbox. */
function target(mailbox: string, utf8: boolean): string {
  return mailbox === '' ? '' : mailboxArgument(mailbox, utf8);
}

/**
 * GETMETADATA (RFC 5464 4.2): the entries asked for, with DEPTH those below them; with MAXSIZE,
 * values longer than it are left out and the longest left out is named in OK [METADATA LONGENTRIES n].
 */
export const getmetadata: CommandSpec<Command<'GETMETADATA'>> = {
  state: 'authenticated',
  async run(s, cmd, user) {
    const entries: string[] = [];
    for (const e of cmd.entries) {
      const canonical = canonicalEntry(e);
      if (!canonical) return bad(`Invalid entry name ${e.slice(0, 60)}`);
      entries.push(canonical);
    }
    const res = await s.ctx.store.getMetadata({ accountId: user.accountId, tenant: tenantOf(user), mailbox: target(cmd.mailbox, s.utf8Names), entries, depth: cmd.options.depth });
    const max = cmd.options.maxSize;
    let longest = 0;
    const shown: Array<[string, string | null]> = res.entries.filter(([, value]) => {
      const size = Buffer.byteLength(value);
      if (max === null || size <= max) return true;
      longest = Math.max(longest, size);
      return false;
    });
    // an entry asked for by name that does not exist is answered NIL (as Dovecot does)
    const found = new Set(res.entries.map(([e]) => e));
    for (const e of new Set(entries)) if (!found.has(e)) shown.push([e, null]);
    if (shown.length) await s.out.send(metadataResponse(target(cmd.mailbox, s.utf8Names), shown, s.utf8Names));
    return ok('GETMETADATA completed', longest ? `METADATA LONGENTRIES ${longest}` : null);
  },
};

/** SETMETADATA (RFC 5464 4.3): all values or none; NIL removes; the limits answer with their codes. */
export const setmetadata: CommandSpec<Command<'SETMETADATA'>> = {
  state: 'authenticated',
  async run(s, cmd, user) {
    const values: Array<[string, string | null]> = [];
    for (const [e, value] of cmd.values) {
      const canonical = canonicalEntry(e);
      if (!canonical) return bad(`Invalid entry name ${e.slice(0, 60)}`);
      if (value !== null && Buffer.byteLength(value) > METADATA_LIMITS.maxValueBytes) return no('Annotation too large', `METADATA MAXSIZE ${METADATA_LIMITS.maxValueBytes}`);
      values.push([canonical, value]);
    }
    try {
      await s.ctx.store.setMetadata({ accountId: user.accountId, tenant: tenantOf(user), mailbox: target(cmd.mailbox, s.utf8Names), values });
    } catch (err) {
      if (err instanceof ContractError && err.code === 'OVER_QUOTA') return no('Too many annotations', 'METADATA TOOMANY');
      throw err;
    }
    return ok('SETMETADATA completed');
  },
};
