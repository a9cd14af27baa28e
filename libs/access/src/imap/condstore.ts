import type { ImapCommand, SearchKey } from '@mail/imap-protocol';

function mentionsModseq(key: SearchKey): boolean {
  switch (key.op) {
    case 'modseq':
      return true;
    case 'and':
    case 'or':
      return key.of.some(mentionsModseq);
    case 'not':
      return mentionsModseq(key.of);
    default:
      return false;
  }
}

/** SEARCH answers `(MODSEQ n)` when its criteria name MODSEQ (RFC 7162 3.1.5). */
export function searchesByModseq(criteria: SearchKey): boolean {
  return mentionsModseq(criteria);
}

/**
 * The "CONDSTORE enabling commands" of RFC 7162 3.1: once one of them runs, the session's
 * unsolicited FETCH and STORE responses carry MODSEQ, as after ENABLE CONDSTORE.
 */
export function enablesCondstore(cmd: ImapCommand): boolean {
  switch (cmd.name) {
    case 'SELECT':
    case 'EXAMINE':
      return cmd.condstore;
    case 'FETCH':
      return cmd.changedSince !== null || cmd.items.some((i) => i.kind === 'MODSEQ');
    case 'STORE':
      return cmd.unchangedSince !== null && cmd.unchangedSince !== undefined;
    case 'SEARCH':
      return mentionsModseq(cmd.criteria);
    case 'STATUS':
      return cmd.items.includes('HIGHESTMODSEQ');
    default:
      return false;
  }
}
