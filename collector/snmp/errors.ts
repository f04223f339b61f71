// Typed errors of the SNMP face, with stable codes for logs and callers.

export const SNMP_ERRORS = {
  /** The MIB file is missing, does not parse, or lacks an object the agent serves. */
  mib: 'snmp.mib',
  /** Bad agent or notification options (community, user, key length, port). */
  config: 'snmp.config',
  /** The UDP socket could not be bound. */
  listen: 'snmp.listen',
  /** A value does not fit its MIB object (unknown enum label, bad address). */
  value: 'snmp.value',
  /** A notification could not be sent or was not acknowledged. */
  notify: 'snmp.notify',
} as const;
export type SnmpErrorCode = (typeof SNMP_ERRORS)[keyof typeof SNMP_ERRORS];

export class SnmpError extends Error {
  override readonly name = 'SnmpError';
  constructor(
    readonly code: SnmpErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
