import { freePort, startEmbeddedForTest } from '@mail/testing';
import { PROXY_ENV, proxyProtocolScenario } from './proxy-protocol.js';

proxyProtocolScenario('embedded', async () => {
  const pop3s = await freePort();
  return { ...(await startEmbeddedForTest({ env: { ...PROXY_ENV, POP3S_PORT: String(pop3s) } })), pop3s };
});
