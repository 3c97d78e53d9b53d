// Signing in to the stage's Cognito user pool (SPEC §1.7) with AWS's own amazon-cognito-identity-js: SRP
// sign-in, the first sign-in's new-password challenge, a fresh access token for every API call (refreshed
// with the refresh token shortly before it expires), sign-out. The tokens stay in the SDK's storage
// (localStorage), which is read anew for every call: a sign-out in another tab signs this one out too.
// The password is never kept.
import {
  AuthenticationDetails,
  CognitoUser,
  CognitoUserPool,
  type CognitoUserSession,
  type IAuthenticationCallback,
} from "amazon-cognito-identity-js";
import type { AuthConfig } from "./config";
import { type Role, rolesOf } from "./roles";

// in the SDK (CognitoUserSession.js), missing from its index.d.ts: the local clock minus the server's at sign-in
declare module "amazon-cognito-identity-js" {
  interface CognitoUserSession {
    getClockDrift(): number;
  }
}

export interface SignedInUser {
  username: string;
  groups: string[];
  /** The groups that are roles of the console; empty = the account may do nothing. */
  roles: Role[];
}

/** The session is gone: never signed in, signed out (here or in another tab), refresh token expired or revoked. */
export class SessionExpired extends Error {
  constructor() {
    super("Your session has expired; sign in again.");
    this.name = "SessionExpired";
  }
}

/** Cognito could not be reached (network, CORS, endpoint down): the session may still be fine. */
export class AuthUnreachable extends Error {
  constructor() {
    super("Cannot reach the sign-in service (Cognito): check your connection.");
    this.name = "AuthUnreachable";
  }
}

export type SignInResult =
  | { kind: "signed_in"; user: SignedInUser }
  /** The first sign-in with a temporary password: the user chooses a new one. */
  | { kind: "new_password"; complete: (newPassword: string) => Promise<SignInResult> };

/** An access token with less than this left is refreshed before it is sent (Cognito's shortest lifetime
 * is 5 minutes). */
const REFRESH_MARGIN_S = 60;

interface CognitoError {
  code?: string;
  name?: string;
  message?: string;
}

const isNetworkError = (error: unknown) => {
  const { code, message } = (error ?? {}) as CognitoError;
  return code === "NetworkError" || message === "Network error";
};

/** What the sign-in form says for a refusal. A NotAuthorizedException's own message is shown only when it
 * is one of Cognito's known sentences: a local emulator may put anything there. */
const KNOWN_REFUSALS = new Set(["User is disabled.", "Password attempts exceeded."]);

function signInError(error: unknown): Error {
  if (isNetworkError(error)) return new AuthUnreachable();
  const { code, name, message = "" } = (error ?? {}) as CognitoError;
  switch (code ?? name) {
    case "NotAuthorizedException":
      return new Error(KNOWN_REFUSALS.has(message) ? message : "Incorrect username or password.");
    case "UserNotFoundException":
      return new Error("Incorrect username or password.");
    case "PasswordResetRequiredException":
      return new Error("Your password must be reset: ask an administrator.");
    case "UserNotConfirmedException":
      return new Error("Your account is not confirmed yet: ask an administrator.");
    case "InvalidPasswordException":
      return new Error(message || "That password does not meet the pool's password policy.");
    case "TooManyRequestsException":
    case "LimitExceededException":
      return new Error("Too many attempts: wait a minute, then try again.");
    default:
      return new Error(message ? `Sign-in failed: ${message}` : "Sign-in failed.");
  }
}

function userOf(session: CognitoUserSession): SignedInUser {
  const claims = session.getAccessToken().decodePayload();
  const raw: unknown = claims["cognito:groups"];
  const groups = Array.isArray(raw) ? raw.filter((g): g is string => typeof g === "string") : [];
  const username = typeof claims.username === "string" ? claims.username : "";
  return { username, groups, roles: rolesOf(groups) };
}

function expiresSoon(session: CognitoUserSession): boolean {
  const now = Math.floor(Date.now() / 1000) - session.getClockDrift(); // the server's clock
  return session.getAccessToken().getExpiration() - REFRESH_MARGIN_S <= now;
}

export class Auth {
  private readonly pool: CognitoUserPool;
  private pending: Promise<CognitoUserSession> | null = null;

  constructor(config: AuthConfig) {
    this.pool = new CognitoUserPool({
      UserPoolId: config.userPoolId,
      ClientId: config.clientId,
      ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    });
  }

  /** Username and password, by SRP (the password never leaves the browser). */
  signIn(username: string, password: string): Promise<SignInResult> {
    const user = new CognitoUser({ Username: username, Pool: this.pool });
    const details = new AuthenticationDetails({ Username: username, Password: password });
    return new Promise((resolve, reject) => user.authenticateUser(details, this.callbacks(user, resolve, reject)));
  }

  private callbacks(
    user: CognitoUser,
    resolve: (result: SignInResult) => void,
    reject: (error: Error) => void,
  ): IAuthenticationCallback {
    const unsupported = () => reject(new Error("This account needs a second factor (MFA), which the console does not offer yet."));
    return {
      onSuccess: (session) => resolve({ kind: "signed_in", user: userOf(session) }),
      onFailure: (error: unknown) => reject(signInError(error)),
      newPasswordRequired: () =>
        resolve({
          kind: "new_password",
          complete: (newPassword) =>
            new Promise((done, fail) => user.completeNewPasswordChallenge(newPassword, {}, this.callbacks(user, done, fail))),
        }),
      mfaRequired: unsupported,
      totpRequired: unsupported,
      mfaSetup: unsupported,
      selectMFAType: unsupported,
      customChallenge: unsupported,
    };
  }

  /** The signed-in user of the stored session (refreshed if need be), or null when no one signed in here.
   * Throws SessionExpired when the stored session cannot be refreshed, AuthUnreachable without Cognito. */
  async currentUser(): Promise<SignedInUser | null> {
    if (!this.pool.getCurrentUser()) return null;
    return userOf(await this.session());
  }

  /** A valid access token for an API call: refreshed first when it expires within a minute. Throws
   * SessionExpired when there is no session to refresh, AuthUnreachable when Cognito cannot be reached. */
  async accessToken(): Promise<string> {
    return (await this.session()).getAccessToken().getJwtToken();
  }

  /** Forget this browser's session (the SDK's local sign-out): the next call asks to sign in again. */
  signOut(): void {
    this.pool.getCurrentUser()?.signOut();
  }

  /** One lookup (and at most one refresh) at a time, whatever the number of calls waiting for a token. */
  private session(): Promise<CognitoUserSession> {
    this.pending ??= this.freshSession().finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  private async freshSession(): Promise<CognitoUserSession> {
    const user = this.pool.getCurrentUser(); // from storage, every time
    if (!user) throw new SessionExpired();
    const stored = await new Promise<CognitoUserSession>((resolve, reject) =>
      user.getSession((error: unknown, session: CognitoUserSession | null) =>
        error || !session ? reject(isNetworkError(error) ? new AuthUnreachable() : new SessionExpired()) : resolve(session),
      ),
    );
    if (!expiresSoon(stored)) return stored;
    return new Promise<CognitoUserSession>((resolve, reject) =>
      user.refreshSession(stored.getRefreshToken(), (error: unknown, session: CognitoUserSession | null) =>
        error || !session ? reject(isNetworkError(error) ? new AuthUnreachable() : new SessionExpired()) : resolve(session),
      ),
    );
  }
}
