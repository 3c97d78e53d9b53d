// Runtime configuration, fetched from /config.json at start: one build serves every stage.
// `patron dev` answers it; on AWS the stack writes it into the console's bucket.

export const SERVICES = ["ids", "crm", "enrollment", "marketing", "privacy"] as const;
export type Service = (typeof SERVICES)[number];

/** The stage's Cognito user pool and the console's app client (no secret): where users sign in. */
export interface AuthConfig {
  region: string;
  userPoolId: string;
  clientId: string;
  /** The Cognito IdP endpoint: the local cloud's AWS endpoint; absent on AWS (the region's own). */
  endpoint?: string;
}

export interface ConsoleConfig {
  /** Base URL of each deployed API, absolute or relative to this origin. Absent = not deployed. */
  apis: Partial<Record<Service, string>>;
  apiKey: string;
  auth: AuthConfig;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const text = (value: unknown) => (typeof value === "string" && value.trim() !== "" ? value.trim() : undefined);

/** A pool id names its region: `us-east-1_AbCd`. */
export const regionOf = (userPoolId: string) => userPoolId.split("_")[0] ?? "";

function parseAuth(raw: unknown): AuthConfig | undefined {
  if (!isRecord(raw)) return undefined;
  const userPoolId = text(raw.userPoolId);
  const clientId = text(raw.clientId);
  if (!userPoolId || !clientId) return undefined;
  const endpoint = text(raw.endpoint);
  return { region: text(raw.region) ?? regionOf(userPoolId), userPoolId, clientId, ...(endpoint ? { endpoint } : {}) };
}

export function parseConfig(raw: unknown): ConsoleConfig {
  if (!isRecord(raw) || !isRecord(raw.apis) || typeof raw.apiKey !== "string") {
    throw new Error('config.json must be {"apis": {...}, "apiKey": "...", "auth": {...}}');
  }
  const auth = parseAuth(raw.auth);
  if (!auth) throw new Error('config.json has no "auth" with the user pool\'s "userPoolId" and "clientId": sign-in needs them');
  const apis: Partial<Record<Service, string>> = {};
  for (const service of SERVICES) {
    const base = raw.apis[service];
    if (typeof base === "string" && base !== "") apis[service] = base.replace(/\/+$/, "");
  }
  return { apis, apiKey: raw.apiKey, auth };
}

export async function loadConfig(url = "/config.json"): Promise<ConsoleConfig> {
  const response = await fetch(url, { cache: "no-store" });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return parseConfig(await response.json());
}

/** Connection settings a user saved in this browser (the console served from elsewhere, without a
 * config.json of its own; brief 001's app had such a panel): one base URL serving every API under
 * /<service> (as `patron dev` does), the key, and where to sign in (the user pool, its app client and,
 * for a local cloud, the Cognito endpoint). */
export interface SavedSettings {
  baseUrl: string;
  apiKey: string;
  userPoolId: string;
  clientId: string;
  authEndpoint?: string;
}

const STORAGE_KEY = "patron.console.settings";

export function savedSettings(): SavedSettings | null {
  try {
    const raw: unknown = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? "null");
    if (isRecord(raw) && typeof raw.baseUrl === "string" && typeof raw.apiKey === "string") {
      const [userPoolId, clientId, authEndpoint] = [text(raw.userPoolId), text(raw.clientId), text(raw.authEndpoint)];
      // settings saved before sign-in existed name no pool: they are asked for again
      if (userPoolId && clientId) {
        return { baseUrl: raw.baseUrl, apiKey: raw.apiKey, userPoolId, clientId, ...(authEndpoint ? { authEndpoint } : {}) };
      }
    }
  } catch {
    // unreadable settings are no settings
  }
  return null;
}

export function saveSettings(settings: SavedSettings | null): void {
  if (settings) localStorage.setItem(STORAGE_KEY, JSON.stringify(settings));
  else localStorage.removeItem(STORAGE_KEY);
}

/** The configuration the saved settings describe: every API at `<baseUrl>/<service>`. */
export function configOf(settings: SavedSettings): ConsoleConfig {
  const base = settings.baseUrl.trim().replace(/\/+$/, "");
  const { userPoolId, clientId, authEndpoint } = settings;
  return {
    apis: Object.fromEntries(SERVICES.map((s) => [s, `${base}/${s}`])),
    apiKey: settings.apiKey,
    auth: { region: regionOf(userPoolId), userPoolId, clientId, ...(authEndpoint ? { endpoint: authEndpoint } : {}) },
  };
}

/** What the console starts with: the saved settings when there are some (the user's choice), else
 * config.json. Without either, the error asks for settings. */
export async function startingConfig(): Promise<ConsoleConfig> {
  const saved = savedSettings();
  if (saved) return configOf(saved);
  return loadConfig();
}
