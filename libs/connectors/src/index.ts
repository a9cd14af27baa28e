export { ConnectorsModule, type ConnectorsConfig } from './connectors.module.js';
export { ConnectorService, type ImportChange, type ImportResult } from './connector.service.js';
export { SecretSealer, NoSecretSealer } from './connector-secrets.js';
export { connectorMigrations } from './migrations/001-connectors.js';
