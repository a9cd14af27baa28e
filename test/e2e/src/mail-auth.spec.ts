import { startEmbeddedForTest } from '@mail/testing';
import { mailAuthentication } from './mail-auth-scenario.js';

mailAuthentication('embedded mode', () => startEmbeddedForTest());
