export { SmtpInModule } from './smtp-in.module.js';
export { SmtpInService, type SmtpPorts } from './smtp-in.service.js';
export type { SmtpInConfig, DnsResolver } from './smtp-in.config.js';
// pure parsers of our own SMTP grammar, exported for the fuzz targets (test/fuzz)
export { parseBdat } from './bdat.js';
export { parseEnvid, parseNotify, parseOrcpt, parseRet } from './dsn-params.js';
