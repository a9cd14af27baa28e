export { SmtpInModule } from './smtp-in.module.js';
export { SmtpInService, type SmtpPorts } from './smtp-in.service.js';
export type { SmtpInConfig, DnsResolver } from './smtp-in.config.js';
