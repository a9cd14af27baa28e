import { startEmbeddedForTest } from '@mail/testing';
import { fetchScenarios } from './fetch-scenario.js';

fetchScenarios('embedded', (env) => startEmbeddedForTest({ env }));
