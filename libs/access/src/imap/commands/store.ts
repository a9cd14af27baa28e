import { fetchFlagsResponse, modifiedCode } from '@mail/imap-protocol';
import { checkFlags } from '../flag-arguments.js';
import { no, ok } from '../reply.js';
import type { Command, CommandSpec } from '../session-handle.js';
import { uidRangeBatches } from '../uid-batches.js';

type Store = Command<'STORE'>;

/** a STORE's FETCH responses go out in writes of about this many characters */
const WRITE_CHARS = 64 * 1024;

/** STORE and UID STORE (RFC 3501 6.4.6), with UNCHANGEDSINCE (RFC 7162 3.1.3). */
export const store: CommandSpec<Store> = {
  state: 'selected',
  async run(s, cmd, user, mailbox) {
    if (mailbox.readOnly) return no('Mailbox is read-only', 'READ-ONLY');
    const flags = checkFlags(cmd.flags);
    const view = mailbox.view;
    const targets = view.select(cmd.sequence, cmd.uid);
    const conflicts: number[] = [];
    const updated = new Set<number>();
    // the flags each message has now: with another session's keywords too, which this one may not know yet
    const shown: string[][] = cmd.mode === 'remove' ? [] : [flags];
    for (const ranges of uidRangeBatches(targets.map(([, uid]) => uid))) {
      const res = await s.ctx.store.updateFlags({
        accountId: user.accountId,
        mailboxId: mailbox.mailboxId,
        uids: ranges,
        mode: cmd.mode,
        flags,
        unchangedSince: cmd.unchangedSince ?? undefined,
      });
      for (const state of res.updated) {
        view.setFlags(state.uid, state.flags, state.modseq);
        updated.add(state.uid);
        shown.push(state.flags);
      }
      // the echo of our own change then costs no MailboxChanges request before the next reply
      if (res.updated[0]) mailbox.followOwn(res.updated[0].modseq, { kind: 'flags', uids: res.updated.map((u) => u.uid), changed: res.updated });
      conflicts.push(...res.conflicts);
    }
    // a keyword new to the mailbox is announced before any FETCH shows it, also to a .SILENT STORE;
    // so is one another session (on any replica) gave these messages before its event reached us
    const announcement = mailbox.announceKeywords(shown);
    if (announcement) await s.out.send(announcement);
    // with CONDSTORE even .SILENT tells what changed, MODSEQ included (RFC 7162 3.1.3)
    const silentlyChanged = cmd.silent && mailbox.condstore;
    if (!cmd.silent || silentlyChanged) {
      let text = '';
      for (const [seq, uid] of targets) {
        if (!view.seqOf(uid) || (silentlyChanged && !updated.has(uid))) continue;
        // with CONDSTORE each FETCH carries the message's MODSEQ (RFC 7162 3.1.3)
        const modseq = mailbox.condstore ? view.modseqOf(uid) : undefined;
        text += fetchFlagsResponse({ seq, uid: cmd.uid ? uid : undefined, flags: view.flagsOf(uid), modseq });
        if (text.length > WRITE_CHARS) {
          await s.out.send(text);
          text = '';
        }
      }
      if (text) await s.out.send(text);
    }
    if (conflicts.length) {
      const named = cmd.uid ? conflicts : conflicts.map((u) => view.seqOf(u)).filter((n) => n > 0);
      return ok('Conditional STORE failed for some messages', modifiedCode(named));
    }
    return ok(`${cmd.uid ? 'UID ' : ''}STORE completed`);
  },
};
