/**
 * The only error the parser throws. `tag` is set when the command's tag was readable, so the
 * session can answer `<tag> BAD ...`; otherwise it answers `* BAD ...`. `fatal` means the stream
 * can no longer be framed (the session should say BYE and close).
 */
export class ImapParseError extends Error {
  constructor(
    message: string,
    readonly tag: string | null = null,
    readonly fatal = false,
    /** response code to put in brackets, e.g. TOOBIG */
    readonly code: string | null = null,
  ) {
    super(message);
    this.name = 'ImapParseError';
  }

  withTag(tag: string | null): ImapParseError {
    return new ImapParseError(this.message, tag, this.fatal, this.code);
  }
}
