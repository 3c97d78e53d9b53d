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
