import type { TestDnsServer } from './dns-server.js';

export interface PlatformUnderTest {
  mode: 'embedded' | 'distributed';
  host: string;
  ports: { smtp: number; submission: number; imap: number; pop3: number; admin: number };
  adminUrl: string;
  adminToken: string;
  /**
   * the loopback DNS server the platform asks (`DNS_SERVERS`), started with the platform unless the
   * test passed DNS_SERVERS itself: a test sets the records it needs, and nothing reaches the machine's resolver
   */
  dns?: TestDnsServer;
  close(): Promise<void>;
}
