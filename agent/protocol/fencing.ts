// What the fencing probe reports: the SBD devices of this node (`sbd -d DEV dump` header and timeouts, `sbd -d DEV
// list` slots and their messages) and Pacemaker's fencing history (`stonith_admin --history '*' --output-as=xml`).
import Type, { type Static } from 'typebox';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

export const FencingProblem = Type.Object({
  code: Type.String(),
  message: Type.String({ maxLength: 4096 }),
});
export type FencingProblem = Static<typeof FencingProblem>;

export const SbdHeader = Type.Object({
  /** header version, e.g. 2.1 */
  version: Type.String(),
  uuid: Nullable(Type.String()),
  slots: Type.Integer({ minimum: 0 }),
  sectorSize: Type.Integer({ minimum: 0 }),
  watchdogTimeoutSeconds: Type.Integer({ minimum: 0 }),
  allocateTimeoutSeconds: Type.Integer({ minimum: 0 }),
  loopTimeoutSeconds: Type.Integer({ minimum: 0 }),
  msgwaitTimeoutSeconds: Type.Integer({ minimum: 0 }),
});
export type SbdHeader = Static<typeof SbdHeader>;

export const SbdSlot = Type.Object({
  slot: Type.Integer({ minimum: 0 }),
  node: Type.String({ minLength: 1 }),
  /** clear, test, reset, off, exit, crashdump (as sbd prints it) */
  message: Type.String({ minLength: 1 }),
  /** the node that wrote the message; null when none (a freshly allocated slot) */
  source: Nullable(Type.String()),
});
export type SbdSlot = Static<typeof SbdSlot>;

export const SbdDevice = Type.Object({
  device: Type.String({ minLength: 1 }),
  /** null when the header could not be read */
  header: Nullable(SbdHeader),
  /** null when the slots could not be read */
  slots: Nullable(Type.Array(SbdSlot)),
  /** why the device (or part of it) could not be read */
  error: Nullable(FencingProblem),
});
export type SbdDevice = Static<typeof SbdDevice>;

export const FenceEvent = Type.Object({
  target: Type.String({ minLength: 1 }),
  /** reboot, off, on */
  action: Type.String(),
  status: Type.Union([Type.Literal('success'), Type.Literal('failed'), Type.Literal('pending')]),
  /** the node that carried it out ("a human" for a manual confirmation) */
  delegate: Nullable(Type.String()),
  client: Nullable(Type.String()),
  origin: Nullable(Type.String()),
  /** ISO 8601; null while pending */
  completed: Nullable(Type.String()),
  exitReason: Nullable(Type.String()),
});
export type FenceEvent = Static<typeof FenceEvent>;

export const StonithHistory = Type.Object({
  /** false: the fencer could not be reached (Pacemaker not running here: exit 102 "Not connected") */
  connected: Type.Boolean(),
  /** the result's status code and message (0 "OK") */
  code: Type.Integer(),
  message: Type.String(),
  errors: Type.Array(Type.String()),
  /** newest first, as Pacemaker lists them (pending ones first) */
  events: Type.Array(FenceEvent),
});
export type StonithHistory = Static<typeof StonithHistory>;

export const FencingReport = Type.Object({
  sbd: Type.Array(SbdDevice),
  /** null when not read (disabled, or stonith_admin not installed: see problems) */
  stonith: Nullable(StonithHistory),
  problems: Type.Array(FencingProblem),
});
export type FencingReport = Static<typeof FencingReport>;
