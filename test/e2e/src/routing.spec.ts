import { startEmbeddedForTest } from '@mail/testing';
import { localRouting } from './routing-scenario.js';

localRouting('embedded mode', () => startEmbeddedForTest());
