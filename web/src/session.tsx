// The session every page shares: the runtime configuration and the API key in use, and the API client
// built from them. Apart from app.tsx so that pages import it without importing the shell (no cycle).
import { createContext, useContext, useMemo } from "react";
import { ApiClient } from "./api";
import type { ConsoleConfig, Service } from "./config";

export interface Session {
  config: ConsoleConfig;
  apiKey: string;
  setApiKey: (key: string) => void;
}

export const SessionContext = createContext<Session | null>(null);

/** The client of one service, with the key in use (config.json's unless the user changed it). */
export function useApi(service: Service): ApiClient {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useApi outside the console");
  const { config, apiKey } = session;
  return useMemo(() => new ApiClient(service, config.apis[service], apiKey), [service, config, apiKey]);
}
