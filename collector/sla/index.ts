// The SLA maths in one import: pure functions over transitions and intervals (no I/O, clock or state).
export * from './types.js';
export * from './policy.js';
export * from './intervals.js';
export * from './compute.js';
export * from './periods.js';
export * from './service.js';
