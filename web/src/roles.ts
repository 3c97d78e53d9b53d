// Who may do what (SPEC §1.7): a user's role is a Cognito group of the access token's `cognito:groups`.
// The console offers only what the role may use; the APIs decide (a refusal is a 403 shown as it comes).
import type { Service } from "./config";
import { ACCESS } from "./openapi/access";

export const ROLES = ["viewer", "operator", "privacy", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** `read`: the GETs of a service; `write`: everything else it answers (create, edit, delete, seed, upload,
 * submit). The privacy API has only requests, which the privacy role both submits and reads. */
export type Access = "read" | "write";

/** Which roles may read and write each API: generated from the one table the APIs enforce
 * (src/patron/identity/access.py, by `patron openapi`), so the console never offers what they refuse. */
const GRANTS: Record<Service, Record<Access, readonly string[]>> = ACCESS;

/** The roles among a user's groups (other groups grant nothing). */
export function rolesOf(groups: readonly string[]): Role[] {
  return ROLES.filter((role) => groups.includes(role));
}

export function can(roles: readonly Role[], service: Service, access: Access): boolean {
  return roles.some((role) => GRANTS[service][access].includes(role));
}
