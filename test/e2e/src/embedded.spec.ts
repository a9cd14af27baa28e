import { startEmbeddedForTest } from '@mail/testing';
import { mailRoundTrip } from './scenario.js';

mailRoundTrip('embedded mode', () => startEmbeddedForTest());
