// SLA reports: the model, its JSON/CSV/HTML renderings, the monthly schedule, and the REST-backed source.
export * from './model.js';
export * from './format.js';
export * from './csv.js';
export * from './html.js';
export * from './render.js';
export * from './schedule.js';
export * from './rest-source.js';
export * from './cli.js';
