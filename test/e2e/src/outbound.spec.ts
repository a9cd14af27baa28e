import { startEmbeddedForTest } from '@mail/testing';
import { outboundMail } from './outbound-scenario.js';

outboundMail('embedded mode', (env) => startEmbeddedForTest({ env }));
