import { startEmbeddedForTest } from '@mail/testing';
import { imapTranscripts } from './protocol-transcripts.js';

imapTranscripts('embedded mode', () => startEmbeddedForTest({ env: { ALLOW_PLAINTEXT_AUTH: 'true' } }));
