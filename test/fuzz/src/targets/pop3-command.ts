import { parsePop3Command, parseSaslContinuation, Pop3LineReader } from '@mail/pop3-protocol';
import { invariant, type FuzzTarget } from '../target.js';

/** POP3 line framing, command parsing and SASL continuation lines. */
export const pop3Command: FuzzTarget = {
  name: 'pop3-command',
  dictionary: ['USER ', 'PASS ', 'APOP ', 'STAT', 'LIST ', 'RETR ', 'DELE ', 'TOP ', 'UIDL ', 'CAPA', 'STLS', 'AUTH PLAIN ', 'QUIT', 'NOOP', 'RSET', '\r\n', '\n', ' ', '4294967296', '-1', '0', '=', '*', 'AGFsaWNlAHNlY3JldA=='],
  run(data) {
    const reader = new Pop3LineReader(512);
    for (const ev of reader.push(data)) {
      if (ev.kind !== 'line') continue;
      const parsed = parsePop3Command(ev.line);
      if (parsed.ok) invariant(typeof parsed.command.name === 'string', 'a parsed command has a name');
      else invariant(typeof parsed.error.message === 'string', 'a parse error says why');
      const sasl = parseSaslContinuation(ev.line);
      invariant(['data', 'cancel', 'invalid'].includes(sasl.kind), 'a SASL line is data, cancel or invalid');
    }
  },
};
