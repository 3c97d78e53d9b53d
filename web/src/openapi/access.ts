// generated from src/patron/identity/access.py by `patron openapi`; do not edit
// the Cognito groups that may call each API's reads (GET) and writes (every other method)
export const ACCESS = {
  crm: { read: ["admin", "operator", "viewer"], write: ["admin", "operator"] },
  enrollment: { read: ["admin", "operator", "viewer"], write: ["admin", "operator"] },
  ids: { read: ["admin", "operator", "viewer"], write: ["admin", "operator"] },
  marketing: { read: ["admin", "operator", "viewer"], write: ["admin", "operator"] },
  privacy: { read: ["admin", "privacy"], write: ["admin", "privacy"] },
} as const;
