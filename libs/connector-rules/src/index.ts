export { IpSet, plainIp } from './ip-set.js';
export { domainMatches, patternSpecificity, bestMatch, certificateNameMatches, domainOf } from './domain-pattern.js';
export { receivedFromIp, originalClientIp } from './received-chain.js';
export { compileInbound, type InboundConnector, type OutboundConnector } from './compiled-connector.js';
export {
  identifyClient,
  decideInbound,
  grantsOf,
  authenticationSubject,
  type InboundClient,
  type InboundDecision,
  type RefusalReason,
  type ConnectorGrants,
  type AuthenticationSubject,
} from './inbound-policy.js';
export { selectOutbound } from './outbound-route.js';
export { ConnectorSet, type ConnectorSetOptions } from './connector-set.js';
export { connectorMetrics, type ConnectorResult } from './connector-metrics.js';
