// The one API client: a fetch wrapper that attaches x-api-key and the signed-in user's access token
// (SPEC §1.7), parses SPEC §1's error shape and sorts every failure into a kind a page can act on. The API
// shapes are the types generated from docs/openapi/*.json into ./openapi/ (`patron openapi`); pages import
// them from there.
import type { components } from "./openapi/ids";

export type ErrorKind =
  | "network" // the request never got an answer (server down, CORS, offline)
  | "auth" // API Gateway's 403 {"message": "Forbidden"}: missing or wrong key
  | "unauthorized" // 401, or no session to take a token from: the session is gone, sign in again
  | "forbidden" // 403 naming the role or scope the route needs: this user's role may not
  | "not_deployed" // no base URL in config.json, or 403 "Missing Authentication Token" (no such route)
  | "validation" // 400, with one detail per invalid field
  | "not_found" // 404
  | "conflict" // 409
  | "http"; // anything else (413, 415, 5xx, ...)

/** One invalid field of a 400 (`error.details[]`), the same in every API's document. */
export type FieldError = components["schemas"]["ErrorDetail"];

export class ApiError extends Error {
  readonly kind: ErrorKind;
  readonly status: number;
  readonly code: string;
  readonly details: FieldError[];

  constructor(kind: ErrorKind, message: string, status = 0, code = "", details: FieldError[] = []) {
    super(message);
    this.name = "ApiError";
    this.kind = kind;
    this.status = status;
    this.code = code;
    this.details = details;
  }

  /** The message for a form field: a detail whose field is `name` or ends in `.name`. */
  fieldError(name: string): string | undefined {
    return this.details.find((d) => d.field === name || d.field.endsWith(`.${name}`))?.message;
  }
}

export interface ApiResponse<T> {
  status: number;
  data: T;
}

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function kindOf(status: number): ErrorKind {
  if (status === 400) return "validation";
  if (status === 401) return "unauthorized";
  if (status === 403) return "forbidden";
  if (status === 404) return "not_found";
  if (status === 409) return "conflict";
  return "http";
}

export function parseError(status: number, body: unknown): ApiError {
  // every error carries a top-level `message` (SPEC §1), API Gateway's own and Patron's alike;
  // Patron's also carry `error: {code, message, details}`
  const topMessage = isRecord(body) && typeof body.message === "string" ? body.message : "";
  if (isRecord(body) && isRecord(body.error)) {
    const { code, message, details } = body.error;
    const fields = Array.isArray(details)
      ? details.filter(isRecord).map((d) => ({ field: String(d.field ?? ""), message: String(d.message ?? "") }))
      : [];
    return new ApiError(
      kindOf(status),
      topMessage || (typeof message === "string" ? message : `The API answered ${status}.`),
      status,
      typeof code === "string" ? code : "",
      fields,
    );
  }
  const gatewayMessage = topMessage;
  if (status === 403 && gatewayMessage === "Missing Authentication Token") {
    return new ApiError("not_deployed", "This API does not have that route: the service is not deployed.", status);
  }
  if (status === 403 && (gatewayMessage === "Forbidden" || gatewayMessage === "")) {
    return new ApiError("auth", "The API refused the key (403 Forbidden): check the API key.", status);
  }
  if (status === 401) return new ApiError("unauthorized", SESSION_EXPIRED, status);
  return new ApiError(kindOf(status), gatewayMessage || `The API answered ${status}.`, status);
}

export const SESSION_EXPIRED = "Your session has expired; sign in again.";

/** Where the client takes the caller's access token from, and whom it tells that the session is gone. */
export interface Credentials {
  /** A valid access token (refreshed first when it is about to expire); throws an ApiError: "unauthorized"
   * when there is no session, "network" when the sign-in service cannot be reached. */
  token: () => Promise<string>;
  /** A 401, or no token to be had: back to the sign-in page. */
  expired: () => void;
}

export class ApiClient {
  readonly service: string;
  readonly base: string | undefined;
  private readonly apiKey: string;
  private readonly credentials: Credentials;

  constructor(service: string, base: string | undefined, apiKey: string, credentials: Credentials) {
    this.service = service;
    this.base = base;
    this.apiKey = apiKey;
    this.credentials = credentials;
  }

  private async authorization(): Promise<string> {
    try {
      return `Bearer ${await this.credentials.token()}`;
    } catch (error) {
      if (error instanceof ApiError && error.kind === "unauthorized") this.credentials.expired();
      throw error;
    }
  }

  get deployed(): boolean {
    return this.base !== undefined;
  }

  async request<T>(method: Method, path: string, body?: unknown, signal?: AbortSignal): Promise<ApiResponse<T>> {
    if (this.base === undefined) {
      throw new ApiError("not_deployed", `The ${this.service} API is not deployed on this stage.`);
    }
    const headers: Record<string, string> = { "x-api-key": this.apiKey, Authorization: await this.authorization() };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response: Response;
    try {
      response = await fetch(this.base + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      });
    } catch (error) {
      if (error instanceof DOMException && error.name === "AbortError") throw error;
      throw new ApiError("network", `Cannot reach the ${this.service} API: check your connection.`);
    }
    const text = await response.text();
    let parsed: unknown = null;
    if (text !== "") {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    if (!response.ok) {
      const error = parseError(response.status, parsed);
      if (error.kind === "unauthorized") this.credentials.expired();
      throw error;
    }
    return { status: response.status, data: parsed as T };
  }

  get<T>(path: string, signal?: AbortSignal) {
    return this.request<T>("GET", path, undefined, signal);
  }
  post<T>(path: string, body?: unknown) {
    return this.request<T>("POST", path, body);
  }
  put<T>(path: string, body?: unknown) {
    return this.request<T>("PUT", path, body);
  }
  delete<T>(path: string) {
    return this.request<T>("DELETE", path);
  }
}

/**
 * PUT `body` to a presigned upload URL (S3, or the local AWS endpoint), reporting the fraction sent.
 * XMLHttpRequest, since fetch reports no upload progress. The content type is part of the signature.
 */
export function putUpload(url: string, body: string, onProgress: (fraction: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("PUT", url);
    request.setRequestHeader("Content-Type", "application/json");
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    request.onload = () =>
      request.status < 300
        ? resolve()
        : reject(new ApiError("http", `The upload was refused (${request.status}).`, request.status));
    request.onerror = () => reject(new ApiError("network", "Cannot reach the upload URL: check your connection."));
    request.send(body);
  });
}

/** One path segment, percent-encoded. */
export const seg = (value: string) => encodeURIComponent(value);

/** A sentence for a status message, by kind of failure. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    switch (error.kind) {
      case "network":
      case "auth":
      case "unauthorized":
      case "forbidden":
      case "not_deployed":
        return error.message;
      case "validation": {
        // the message names the first invalid fields already; add the ones it leaves out
        const fields = error.details
          .filter((d) => !error.message.includes(`${d.field} ${d.message}`))
          .map((d) => (d.field ? `${d.field}: ${d.message}` : d.message));
        return fields.length ? `${error.message} ${fields.join("; ")}` : error.message;
      }
      default:
        return error.message;
    }
  }
  return error instanceof Error ? error.message : String(error);
}

/** Calls `load` every `intervalMs` until `done` says so, the signal aborts, or `timeoutMs` passes. */
export async function pollUntil<T>(
  load: () => Promise<T>,
  done: (value: T) => boolean,
  onUpdate: (value: T) => void,
  { intervalMs = 1000, timeoutMs = 120_000, signal }: { intervalMs?: number; timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await load();
    if (signal?.aborted) throw new DOMException("polling stopped", "AbortError");
    onUpdate(value);
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`Still not finished after ${Math.round(timeoutMs / 1000)} s.`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    if (signal?.aborted) throw new DOMException("polling stopped", "AbortError");
  }
}
