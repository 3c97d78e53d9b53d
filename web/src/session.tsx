// The session every page shares: the runtime configuration, the API key in use, the signed-in user and
// the credentials the API client takes its token from. Apart from app.tsx so that pages import it without
// importing the shell (no cycle).
import { createContext, useContext, useMemo } from "react";
import { ApiClient, ApiError, type Credentials, SESSION_EXPIRED } from "./api";
import { type Auth, SessionExpired, type SignedInUser } from "./auth";
import type { ConsoleConfig, Service } from "./config";
import { type Access, can } from "./roles";

export interface Session {
  config: ConsoleConfig;
  apiKey: string;
  setApiKey: (key: string) => void;
  user: SignedInUser;
  credentials: Credentials;
  signOut: () => void;
}

export const SessionContext = createContext<Session | null>(null);

function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("a session hook outside the console");
  return session;
}

/** The client of one service, with the key in use (config.json's unless the user changed it) and the
 * signed-in user's token. */
export function useApi(service: Service): ApiClient {
  const { config, apiKey, credentials } = useSession();
  return useMemo(
    () => new ApiClient(service, config.apis[service], apiKey, credentials),
    [service, config, apiKey, credentials],
  );
}

/** Whether the signed-in user's role may read or write through a service's API: the controls it may not
 * use are not shown (the API refuses them anyway). */
export function useCan(service: Service, access: Access): boolean {
  return can(useSession().user.roles, service, access);
}

/** The API client's credentials from the signed-in session: a token from the SDK's storage (refreshed when
 * about to expire), and `expired` when the session is gone (a 401, or nothing left to refresh). */
export function credentialsOf(auth: Auth, expired: () => void): Credentials {
  return {
    token: async () => {
      try {
        return await auth.accessToken();
      } catch (error) {
        if (error instanceof SessionExpired) throw new ApiError("unauthorized", SESSION_EXPIRED);
        throw new ApiError("network", error instanceof Error ? error.message : String(error));
      }
    },
    expired,
  };
}
