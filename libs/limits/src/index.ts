export { clientKey, plainAddress, expandIPv6, NetworkList } from './client-key.js';
export { ConnectionBudget, descriptorLimit, processConnectionMax, processConnectionBudget } from './connection-budget.js';
export { ConnectionLimiter, type Admission, type ConnectionLimits, type ConnectionLimiterOptions, type RefusedBy } from './connection-limiter.js';
export { ConcurrencyGate, GateFullError } from './concurrency-gate.js';
export { LogThrottle } from './log-throttle.js';
export { connectionMetrics } from './limit-metrics.js';
export { admitSocket, armDeadline, type DeadlineOptions } from './socket-guard.js';
export { RateWindow } from './rate-window.js';
export { TokenBucket, paceCommand, commandPacer } from './token-bucket.js';
