// GoTrue's error values (status + code + message) as the double throws them; rendered in error-envelope.ts.

export type WeakPasswordReason = 'length' | 'characters' | 'pwned';

/** An API error GoTrue reports with an error code (shapes A and B of the reference, section 1.5). */
export class GoTrueError extends Error {
  readonly status: number;
  readonly code: string;
  readonly weakPasswordReasons: readonly WeakPasswordReason[] | undefined;

  constructor(
    status: number,
    code: string,
    message: string,
    weakPasswordReasons?: readonly WeakPasswordReason[],
  ) {
    super(message);
    this.name = 'GoTrueError';
    this.status = status;
    this.code = code;
    this.weakPasswordReasons = weakPasswordReasons;
  }
}

/** An OAuth-shaped failure (shape C): `{error, error_description}`, no error code header. */
export class OAuthStyleError extends Error {
  readonly status: number;
  readonly error: string;

  constructor(status: number, error: string, description: string) {
    super(description);
    this.name = 'OAuthStyleError';
    this.status = status;
    this.error = error;
  }
}

/** The catalogue entries the double uses (reference section 4). Match on code, not on message. */
export const goTrueErrors = {
  badJson: (detail: string) =>
    new GoTrueError(400, 'bad_json', `Could not parse request body as JSON: ${detail}`),
  bodyTooLarge: () => new GoTrueError(413, 'request_entity_too_large', 'Request body too large'),
  validationFailed: (message: string) => new GoTrueError(400, 'validation_failed', message),
  invalidCredentials: (message = 'Invalid login credentials') =>
    new GoTrueError(400, 'invalid_credentials', message),
  emailNotConfirmed: () => new GoTrueError(400, 'email_not_confirmed', 'Email not confirmed'),
  weakPassword: (message: string, reasons: readonly WeakPasswordReason[]) =>
    new GoTrueError(422, 'weak_password', message, reasons),
  passwordTooLong: () =>
    new GoTrueError(400, 'validation_failed', 'Password cannot be longer than 72 characters'),
  userAlreadyExists: () => new GoTrueError(422, 'user_already_exists', 'User already registered'),
  emailExists: () =>
    new GoTrueError(
      422,
      'email_exists',
      'A user with this email address has already been registered',
    ),
  signupDisabled: () =>
    new GoTrueError(422, 'signup_disabled', 'Signups not allowed for this instance'),
  anonymousDisabled: () =>
    new GoTrueError(422, 'anonymous_provider_disabled', 'Anonymous sign-ins are disabled'),
  phoneProviderDisabled: () =>
    new GoTrueError(400, 'phone_provider_disabled', 'Phone signups are disabled'),
  emailWindow: (seconds: number) =>
    new GoTrueError(
      429,
      'over_email_send_rate_limit',
      `For security purposes, you can only request this after ${seconds} seconds.`,
    ),
  emailBudget: () =>
    new GoTrueError(429, 'over_email_send_rate_limit', 'email rate limit exceeded'),
  requestRateLimit: () =>
    new GoTrueError(429, 'over_request_rate_limit', 'Request rate limit reached'),
  samePassword: () =>
    new GoTrueError(
      422,
      'same_password',
      'New password should be different from the old password.',
    ),
  otpExpired: () => new GoTrueError(403, 'otp_expired', 'Email link is invalid or has expired'),
  noAuthorization: () =>
    new GoTrueError(401, 'no_authorization', 'This endpoint requires a valid Bearer token'),
  badJwt: (detail: string) =>
    new GoTrueError(403, 'bad_jwt', `invalid JWT: unable to parse or verify signature, ${detail}`),
  jwtUserMissing: () =>
    new GoTrueError(403, 'user_not_found', 'User from sub claim in JWT does not exist'),
  jwtSessionMissing: () =>
    new GoTrueError(
      403,
      'session_not_found',
      'Session from session_id claim in JWT does not exist',
    ),
  notAdmin: () => new GoTrueError(403, 'not_admin', 'User not allowed'),
  // A ban (`banned_until` in the future): 400 on the password grant, 403 on user routes and
  // /verify, and its own message on the refresh grant (token.go, auth.go, verify.go, tokens/service.go).
  userBannedAtSignIn: () => new GoTrueError(400, 'user_banned', 'User is banned'),
  userBanned: () => new GoTrueError(403, 'user_banned', 'User is banned'),
  refreshUserBanned: () =>
    new GoTrueError(400, 'user_banned', 'Invalid Refresh Token: User Banned'),
  badBanDuration: (detail: string) =>
    new GoTrueError(400, 'validation_failed', `invalid format for ban duration: ${detail}`),
  badPagination: (detail: string) =>
    new GoTrueError(400, 'validation_failed', `Bad Pagination Parameters: ${detail}`),
  adminUserMissing: () => new GoTrueError(404, 'user_not_found', 'User not found'),
  refreshTokenMissing: () =>
    new GoTrueError(
      400,
      'refresh_token_not_found',
      'Invalid Refresh Token: Refresh Token Not Found',
    ),
  refreshTokenUsed: () =>
    new GoTrueError(400, 'refresh_token_already_used', 'Invalid Refresh Token: Already Used'),
  refreshSessionMissing: () =>
    new GoTrueError(400, 'session_not_found', 'Invalid Refresh Token: No Valid Session Found'),
  unexpectedFailure: (
    message = 'Unexpected failure, please check server logs for more information',
  ) => new GoTrueError(500, 'unexpected_failure', message),
  refreshTokenRequired: () => new OAuthStyleError(400, 'invalid_request', 'refresh_token required'),
  // MFA (reference section 9; `internal/api/mfa.go`). `insufficient_aal` is 403 on enrol, 422 on
  // unenrol and 401 on `PUT /user`, as GoTrue has it.
  insufficientAalToEnroll: () =>
    new GoTrueError(403, 'insufficient_aal', 'AAL2 required to enroll a new factor'),
  insufficientAalToUnenroll: () =>
    new GoTrueError(422, 'insufficient_aal', 'AAL2 required to unenroll verified factor'),
  insufficientAalToUpdate: () =>
    new GoTrueError(
      401,
      'insufficient_aal',
      'AAL2 session is required to update email or password when MFA is enabled.',
    ),
  factorIdInvalid: () => new GoTrueError(404, 'validation_failed', 'factor_id must be an UUID'),
  factorMissing: () => new GoTrueError(404, 'mfa_factor_not_found', 'Factor not found'),
  factorTypeInvalid: () =>
    new GoTrueError(400, 'validation_failed', 'factor_type needs to be totp, phone, or webauthn'),
  factorEnrollDisabled: (type: 'totp' | 'phone' | 'webauthn') =>
    new GoTrueError(
      422,
      `mfa_${type === 'webauthn' ? 'webauthn' : type}_enroll_not_enabled`,
      `MFA enroll is disabled for ${{ totp: 'TOTP', phone: 'Phone', webauthn: 'WebAuthn' }[type]}`,
    ),
  totpVerifyDisabled: () =>
    new GoTrueError(422, 'mfa_totp_verify_not_enabled', 'MFA verification is disabled for TOTP'),
  factorNameConflict: (name: string) =>
    new GoTrueError(
      422,
      'mfa_factor_name_conflict',
      `A factor with the friendly name ${JSON.stringify(name)} for this user already exists`,
    ),
  tooManyFactors: () =>
    new GoTrueError(
      422,
      'too_many_enrolled_mfa_factors',
      'Maximum number of verified factors reached, unenroll to continue',
    ),
  challengeMissing: () =>
    new GoTrueError(
      422,
      'mfa_factor_not_found',
      'MFA factor with the provided challenge ID not found',
    ),
  challengeIpMismatch: () =>
    new GoTrueError(422, 'mfa_ip_address_mismatch', 'Challenge and verify IP addresses mismatch.'),
  challengeExpired: (id: string) =>
    new GoTrueError(
      422,
      'mfa_challenge_expired',
      `MFA challenge ${id} has expired, verify against another challenge or create a new challenge.`,
    ),
  mfaCodeRequired: () => new GoTrueError(400, 'validation_failed', 'Code needs to be non-empty'),
  totpCodeInvalid: () =>
    new GoTrueError(422, 'mfa_verification_failed', 'Invalid TOTP code entered'),
} as const;
