import type { FuzzTarget } from '../target.js';
import { imapCommand } from './imap-command.js';
import { mime } from './mime.js';
import { pop3Command } from './pop3-command.js';
import { proxyHeader } from './proxy-header.js';
import { smtpLine } from './smtp-line.js';

export const TARGETS: FuzzTarget[] = [imapCommand, pop3Command, mime, proxyHeader, smtpLine];
