import { startEmbeddedForTest } from '@mail/testing';
import { connectorScenarios } from './connector-scenarios.js';

connectorScenarios('embedded', (env) => startEmbeddedForTest({ env }));
