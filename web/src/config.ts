// Runtime configuration, fetched from /config.json at start: one build serves every stage.
// `patron dev` answers it; on AWS the stack writes it into the console's bucket.

export const SERVICES = ["ids", "crm", "enrollment", "marketing", "privacy"] as const;
export type Service = (typeof SERVICES)[number];

export interface ConsoleConfig {
  /** Base URL of each deployed API, absolute or relative to this origin. Absent = not deployed. */
  apis: Partial<Record<Service, string>>;
  apiKey: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function parseConfig(raw: unknown): ConsoleConfig {
  if (!isRecord(raw) || !isRecord(raw.apis) || typeof raw.apiKey !== "string") {
    throw new Error('config.json must be {"apis": {...}, "apiKey": "..."}');
  }
  const apis: Partial<Record<Service, string>> = {};
  for (const service of SERVICES) {
    const base = raw.apis[service];
    if (typeof base === "string" && base !== "") apis[service] = base.replace(/\/+$/, "");
  }
  return { apis, apiKey: raw.apiKey };
}

export async function loadConfig(url = "/config.json"): Promise<ConsoleConfig> {
  const response = await fetch(url, { cache: "no-store" });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return parseConfig(await response.json());
}

/** Connection settings a user saved in this browser (the console served from elsewhere, without a
 * config.json of its own; brief 001's app had such a panel): one base URL serving every API under
 * /<service> (as `patron dev` does) and the key. */
export interface SavedSettings {
  baseUrl: string;
  apiKey: string;
}

const STORAGE_KEY = "patron.console.settings";

export function savedSettings(): SavedSettings | null {
  try {
    const raw: unknown = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? "null");
    if (isRecord(raw) && typeof raw.baseUrl === "string" && typeof raw.apiKey === "string") {
      return { baseUrl: raw.baseUrl, apiKey: raw.apiKey };
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
  return { apis: Object.fromEntries(SERVICES.map((s) => [s, `${base}/${s}`])), apiKey: settings.apiKey };
}

/** What the console starts with: the saved settings when there are some (the user's choice), else
 * config.json. Without either, the error asks for settings. */
export async function startingConfig(): Promise<ConsoleConfig> {
  const saved = savedSettings();
  if (saved) return configOf(saved);
  return loadConfig();
}
