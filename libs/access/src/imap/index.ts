export { ImapServer, type ImapServerOptions } from './imap-server.js';
export { ImapSession, type ImapSessionContext, type ImapState } from './imap-session.js';
export { MailboxView } from './mailbox-view.js';
