import { enabledResponse } from '@mail/imap-protocol';
import { ok } from '../reply.js';
import type { Command, CommandSpec } from '../session-handle.js';

/**
 * ENABLE (RFC 5161): CONDSTORE and QRESYNC (RFC 7162 3.1, 3.2.3), IMAP4rev2 (RFC 9051) and UTF8=ACCEPT (RFC 6855) are the extensions here that need enabling; unknown
 * names are ignored, and ENABLED lists only what this command newly enabled.
 */
export const enable: CommandSpec<Command<'ENABLE'>> = {
  state: 'authenticated',
  async run(s, cmd) {
    const enabled: string[] = [];
    for (const name of cmd.capabilities.map((c) => c.toUpperCase())) {
      if (name === 'CONDSTORE' && !s.condstore && !enabled.includes(name)) {
        s.enableCondstore();
        enabled.push(name);
      } else if (name === 'IMAP4REV2' && !s.imap4rev2) {
        // RFC 9051 appendix E: the differences this session now follows (see ADR 0035)
        s.enableImap4rev2();
        enabled.push('IMAP4rev2');
      } else if (name === 'UTF8=ACCEPT' && !s.utf8Accept) {
        // RFC 6855 3: mailbox names and quoted strings in UTF-8 from now on
        s.enableUtf8Accept();
        enabled.push('UTF8=ACCEPT');
      } else if (name === 'QRESYNC' && !s.qresync) {
        // QRESYNC implies CONDSTORE (RFC 7162 3.2.3); ENABLED names only what was asked for
        s.enableQresync();
        enabled.push(name);
      }
    }
    await s.out.send(enabledResponse(enabled));
    return ok('ENABLE completed');
  },
};
