export { SecretBox, SecretBoxError, parseSecretKey, newSecretKey } from './secret-box.js';
export { secretBoxFromEnv, type SecretKeySource } from './secret-box-from-env.js';
