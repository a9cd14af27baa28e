import { readFileSync } from 'node:fs';
import { rootCertificates, type TLSSocket } from 'node:tls';
import type { SMTPServerOptions } from 'smtp-server';
import type { InboundConnectors } from './inbound-connectors.js';
import type { SmtpInConfig } from './smtp-in.config.js';

/**
 * The MX listener asks every TLS client for a certificate (never requires one), verified against
 * TLS_CLIENT_CA_FILE or the system CAs: a connector's tlsSenderCertificateName is then matched
 * against the names of a certificate that verified. An unverified certificate counts as none.
 */
export function inboundConnectorTls(config: SmtpInConfig, connectors: InboundConnectors): SMTPServerOptions {
  const ca = config.tlsClientCaFile ? readFileSync(config.tlsClientCaFile, 'utf8') : [...rootCertificates];
  return {
    requestCert: true,
    rejectUnauthorized: false,
    ca,
    onSecure: (socket, session, cb) => {
      connectors.onSecure(socket as TLSSocket, session);
      cb();
    },
  };
}
