import { CommandReader, ImapParseError, parseCommand } from '@mail/imap-protocol';
import { invariant, type FuzzTarget } from '../target.js';

/** The IMAP command reader (framing, literals) and the command parser behind it. */
export const imapCommand: FuzzTarget = {
  name: 'imap-command',
  dictionary: ['a1 ', 'UID ', 'FETCH ', 'STORE ', 'SEARCH ', 'APPEND ', 'LIST ', 'SELECT ', 'LOGIN ', 'AUTHENTICATE ', 'IDLE', 'SORT ', 'THREAD ', 'BODY[', 'BODY.PEEK[', 'HEADER.FIELDS (', ']<0.10>', '1:*', '*', '{5}\r\n', '{0+}\r\n', '~{3}\r\n', '(', ')', '"', '\\', '\r\n', ' ', 'NIL', '\\Seen', 'CHARSET UTF-8 ', '(UNCHANGEDSINCE 5)', 'BINARY[1]', 'RETURN (', '"INBOX"', '&AMk-'],
  run(data) {
    // the whole input as one command line, as the reader hands it over
    try {
      const cmd = parseCommand(data);
      invariant(typeof cmd.tag === 'string' && typeof cmd.name === 'string', 'a parsed command has a tag and a name');
    } catch (err) {
      if (!(err instanceof ImapParseError)) throw err;
    }
    // and as a byte stream through the reader, in two chunks
    const reader = new CommandReader({ maxCommandSize: 4096, maxLiteralSize: 4096 });
    const cut = data.length >> 1;
    reader.push(data.subarray(0, cut));
    for (let ev = reader.next(), n = 0; ev && n < 10_000; ev = reader.next(), n++) invariant(typeof ev.type === 'string', 'reader events are typed');
    reader.push(data.subarray(cut));
    for (let ev = reader.next(), n = 0; ev && n < 10_000; ev = reader.next(), n++) invariant(typeof ev.type === 'string', 'reader events are typed');
  },
};
