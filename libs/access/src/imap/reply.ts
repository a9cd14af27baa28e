import { ContractError } from '@mail/contracts';
import type { TaggedStatus } from '@mail/imap-protocol';

/** The tagged completion of a command. */
export interface Reply {
  status: TaggedStatus;
  text: string;
  code?: string | null;
}

export const ok = (text: string, code?: string | null): Reply => ({ status: 'OK', text, code });
export const no = (text: string, code?: string | null): Reply => ({ status: 'NO', text, code });
export const bad = (text: string, code?: string | null): Reply => ({ status: 'BAD', text, code });

/** A refusal decided deep inside a command, carried to the dispatcher as an exception. */
export class ReplyError extends Error {
  constructor(readonly reply: Reply) {
    super(reply.text);
    this.name = 'ReplyError';
  }
}

/**
 * The one place store/auth errors become IMAP replies (RFC 5530 response codes). `missingTarget`:
 * for APPEND/COPY/MOVE a missing mailbox asks the client to create it.
 */
export function replyForError(err: unknown, missingTarget = false): Reply | null {
  if (err instanceof ReplyError) return err.reply;
  if (!(err instanceof ContractError)) return null;
  switch (err.code) {
    case 'NOT_FOUND':
      return missingTarget ? no('Mailbox does not exist', 'TRYCREATE') : no('No such mailbox', 'NONEXISTENT');
    case 'CONFLICT':
      return no('Mailbox already exists', 'ALREADYEXISTS');
    case 'OVER_QUOTA':
      return no('Quota exceeded', 'OVERQUOTA');
    case 'FORBIDDEN':
      return no('Not permitted', 'NOPERM');
    case 'INVALID':
      return no(err.message.slice(0, 200) || 'Invalid request', 'CANNOT');
    case 'UNAVAILABLE':
    case 'TIMEOUT':
      return no('Service temporarily unavailable, try again', 'UNAVAILABLE');
    default:
      return no('Internal error', 'SERVERBUG');
  }
}
