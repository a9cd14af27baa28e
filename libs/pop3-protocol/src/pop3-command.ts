/** A POP3 command as the session sees it, after syntax checks (state checks are the session's job). */
export type Pop3Command =
  | { name: 'USER'; user: string }
  | { name: 'PASS'; password: string }
  | { name: 'AUTH'; mechanism?: string; initialResponse?: string }
  | { name: 'STAT' }
  | { name: 'LIST'; msg?: number }
  | { name: 'UIDL'; msg?: number }
  | { name: 'TOP'; msg: number; lines: number }
  | { name: 'RETR'; msg: number }
  | { name: 'DELE'; msg: number }
  | { name: 'RSET' }
  | { name: 'NOOP' }
  | { name: 'QUIT' }
  | { name: 'CAPA' }
  | { name: 'STLS' };

export type Pop3CommandName = Pop3Command['name'];

export type Pop3ParseErrorCode =
  | 'line-too-long'
  | 'empty-line'
  | 'bad-encoding'
  | 'unknown-command'
  | 'bad-arguments';

/** Why a line is not a command; `message` is safe to echo in an -ERR line. */
export class Pop3ParseError extends Error {
  constructor(
    readonly code: Pop3ParseErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'Pop3ParseError';
  }
}

export type Pop3ParseResult = { ok: true; command: Pop3Command } | { ok: false; error: Pop3ParseError };
