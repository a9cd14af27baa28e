import { startEmbeddedForTest } from '@mail/testing';
import { messageTraceScenario } from './message-trace.js';

messageTraceScenario('embedded mode', (relayPort) => startEmbeddedForTest({ env: { RELAY_HOST: `127.0.0.1:${relayPort}` } }));
