export interface PlatformUnderTest {
  mode: 'embedded' | 'distributed';
  host: string;
  ports: { smtp: number; submission: number; imap: number; pop3: number; admin: number };
  adminUrl: string;
  adminToken: string;
  close(): Promise<void>;
}
