import { continuation, tagged } from '@mail/imap-protocol';
import { authAllowed } from '../capabilities.js';
import { bad, no, type Reply } from '../reply.js';
import type { Command, CommandSpec, SessionHandle } from '../session-handle.js';
import { privacyRequired, verifyCredentials } from './login.js';

type Authenticate = Command<'AUTHENTICATE'>;

/** AUTHENTICATE PLAIN (RFC 3501 6.2.2, RFC 4616), with or without SASL-IR's initial response (RFC 4959). */
export const authenticate: CommandSpec<Authenticate> = {
  state: 'any',
  async run(s, cmd) {
    if (s.user) return bad('Already logged in');
    if (cmd.mechanism !== 'PLAIN') return no('Unsupported authentication mechanism', 'CANNOT');
    if (!authAllowed({ secure: s.secure, allowPlaintextAuth: s.ctx.allowPlaintextAuth })) return privacyRequired();
    if (cmd.initialResponse !== null) return saslPlain(s, cmd.initialResponse);
    s.awaitLine(async (text) => {
      const reply = text.trim() === '*' ? bad('Authentication cancelled') : await saslPlain(s, text.trim());
      await s.out.send(tagged(cmd.tag, reply.status, reply.text, reply.code));
    }, false);
    await s.out.send(continuation(''));
    return null;
  },
};

async function saslPlain(s: SessionHandle, response: string): Promise<Reply> {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(response)) return bad('Invalid base64');
  const parts = Buffer.from(response, 'base64').toString('utf8').split('\0');
  if (parts.length !== 3) return bad('Invalid PLAIN response');
  const [authzid, authcid, password] = parts as [string, string, string];
  if (authzid && authzid !== authcid) return no('Authorization identity not permitted', 'AUTHORIZATIONFAILED');
  return verifyCredentials(s, authcid, password);
}
