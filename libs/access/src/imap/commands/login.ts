import { authAllowed } from '../capabilities.js';
import { bad, no, ok, type Reply } from '../reply.js';
import type { Command, CommandSpec, SessionHandle } from '../session-handle.js';

type Login = Command<'LOGIN'>;

/** LOGIN (RFC 3501 6.2.3), only where credentials may travel (TLS, or plaintext explicitly allowed). */
export const login: CommandSpec<Login> = {
  state: 'any',
  run(s, cmd) {
    if (s.user) return bad('Already logged in');
    if (!authAllowed({ secure: s.secure, allowPlaintextAuth: s.ctx.allowPlaintextAuth })) return privacyRequired();
    return verifyCredentials(s, cmd.username, cmd.password);
  },
};

export function privacyRequired(): Reply {
  return no('Plaintext authentication is disabled; use STARTTLS first', 'PRIVACYREQUIRED');
}

/** Checks credentials with the directory; on success the session belongs to the account. */
export async function verifyCredentials(s: SessionHandle, username: string, password: string): Promise<Reply> {
  if (!username) return failedLogin(s);
  const res = await s.ctx.auth.verifyLogin({ username, password, protocol: 'imap', remoteAddress: s.remoteAddress });
  // a temporary refusal (client throttled, hash queue full) is not a wrong password (RFC 5530)
  if (!res.ok && (res.reason === 'busy' || res.reason === 'throttled')) return no('Authentication temporarily unavailable, try again later', 'UNAVAILABLE');
  if (!res.ok) return failedLogin(s);
  if (!(await s.loggedIn({ accountId: res.accountId, address: res.address }))) {
    // as a refused connection is told: the client comes back later, it does not ask for a new password
    await s.end('[UNAVAILABLE] Too many connections for this account, try again later');
    return no('Too many connections for this account', 'UNAVAILABLE');
  }
  return ok('Logged in', `CAPABILITY ${s.capabilities()}`);
}

async function failedLogin(s: SessionHandle): Promise<Reply> {
  s.authFailures++;
  // slows down password guessing; the directory does the account-wide throttling
  await new Promise((resolve) => setTimeout(resolve, s.ctx.authFailureDelayMs));
  if (s.authFailures >= s.ctx.maxAuthFailures) await s.end('Too many failed logins');
  return no('Authentication failed', 'AUTHENTICATIONFAILED');
}
