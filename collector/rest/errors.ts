// One JSON error shape for every failure, modelled on Redfish's, and never a stack trace.
export interface ApiErrorBody {
  error: {
    code: string;
    message: string;
    '@Message.ExtendedInfo': { MessageId: string; Message: string }[];
  };
}

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details: string[] = [],
  ) {
    super(message);
  }
}

export const errorBody = (code: string, message: string, details: readonly string[] = []): ApiErrorBody => ({
  error: {
    code,
    message,
    '@Message.ExtendedInfo': details.map((d) => ({ MessageId: code, Message: d })),
  },
});
