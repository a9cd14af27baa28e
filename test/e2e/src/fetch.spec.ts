import { startEmbeddedForTest } from '@mail/testing';
import { fetchScenarios } from './fetch-scenario.js';

fetchScenarios(
  'embedded',
  (env) => startEmbeddedForTest({ env }),
  async (p) => (await fetch(`${p.adminUrl}/metrics`)).text(),
);
