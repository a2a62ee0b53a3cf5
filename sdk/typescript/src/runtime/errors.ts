import { ManifestDiagnostic } from '../manifest/diagnostics';

/** Decisions the platform gives when it refuses an app's tool call. */
export type ToolDecision = 'scope_denied' | 'unknown_tool' | 'invalid_args' | 'rate_limited' | 'budget_exhausted' | 'platform_error';

/** `ctx.tools.call` failed: the platform (or the mock) answered `ok: false`, or could not be reached. */
export class ToolCallError extends Error {
  readonly decision: ToolDecision | string;
  readonly neededScopes: string[];
  /** The tool that was called. */
  readonly tool: string;
  /** HTTP status of the platform's answer, when there was one. */
  readonly status?: number;

  constructor(decision: ToolDecision | string, message: string, neededScopes: string[] = [], tool = '', status?: number) {
    super(message);
    this.name = 'ToolCallError';
    this.decision = decision;
    this.neededScopes = neededScopes;
    this.tool = tool;
    this.status = status;
  }
}

const ERROR_CODE = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * A deliberate error answer: `throw new AppError('not_found', 'no such invoice', 404)` answers
 * `404 {"error": {"code": "not_found", "message": "no such invoice"}}`.
 */
export class AppError extends Error {
  readonly code: string;
  readonly status: number;

  constructor(code: string, message: string, status = 400) {
    super(message);
    this.name = 'AppError';
    if (!ERROR_CODE.test(code)) throw new TypeError(`AppError code must match [A-Za-z0-9_.-]{1,64}: ${JSON.stringify(code)}`);
    if (!Number.isInteger(status) || status < 400 || status > 599) throw new TypeError(`AppError status must be 4xx or 5xx: ${status}`);
    this.code = code;
    this.status = status;
  }
}

export type RegistrationErrorCode =
  | 'tool_not_declared'
  | 'event_not_enabled'
  | 'unknown_event'
  | 'schedule_not_declared'
  | 'webhook_not_declared'
  | 'already_registered'
  | 'invalid_handler';

/** A handler cannot be registered: the manifest does not declare it, or it is registered already. */
export class RegistrationError extends Error {
  readonly code: RegistrationErrorCode;
  /** `tool:<name>`, `event:<type>`, `schedule:<name>` or `webhook:<name>`. */
  readonly target: string;

  constructor(code: RegistrationErrorCode, target: string, message: string) {
    super(message);
    this.name = 'RegistrationError';
    this.code = code;
    this.target = target;
  }
}

/** The app's manifest is not valid: every problem found, as `marina validate` reports them. */
export class ManifestError extends Error {
  readonly diagnostics: ManifestDiagnostic[];
  constructor(file: string, diagnostics: ManifestDiagnostic[]) {
    super(`${file} is not a valid manifest:\n` + diagnostics.map((d) => `  ${d.path || '/'}: ${d.message} [${d.code}]`).join('\n'));
    this.name = 'ManifestError';
    this.diagnostics = diagnostics;
  }
}

/** An invocation token was refused (the response is `401 invalid_token`). */
export class InvalidTokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidTokenError';
  }
}

export function isErrorCode(code: string): boolean {
  return ERROR_CODE.test(code);
}
