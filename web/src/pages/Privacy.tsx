// SPEC §1.6: export or erase everything the platform holds about a person, watch the request finish,
// download the export. An erase asks for confirmation first: it cannot be undone.
import { type FormEvent, useEffect, useRef, useState } from "react";
import { ApiError, pollUntil, seg } from "../api";
import type { components } from "../openapi/privacy";
import { useApi } from "../session";
import { Button, Card, errorStatus, Field, OtherFieldErrors, Select, type Status, StatusMessage } from "../ui";

type Schemas = components["schemas"];
type RequestType = Schemas["PrivacyRequest"]["type"];
type Identifier = "email" | "cpf" | "customer_id" | "id";

const IDENTIFIERS: { name: Identifier; label: string; hint: string }[] = [
  { name: "email", label: "E-mail", hint: "crm customers and marketing interests" },
  { name: "cpf", label: "CPF", hint: "enrollments; 11 digits, '.' and '-' allowed" },
  { name: "customer_id", label: "crm customer id", hint: "a UUID" },
  { name: "id", label: "Customer ID (ids)", hint: "an entry of the ids registry" },
];

const SERVICES = ["crm", "enrollment", "marketing", "ids"] as const;

export function PrivacyPage() {
  const api = useApi("privacy");
  const [type, setType] = useState<RequestType>("export");
  const [values, setValues] = useState<Record<Identifier, string>>({ email: "", cpf: "", customer_id: "", id: "" });
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<Status | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [request, setRequest] = useState<Schemas["PrivacyRequest"] | null>(null);
  const stop = useRef<AbortController | null>(null);
  useEffect(() => () => stop.current?.abort(), []);

  const body = () => {
    const given: Record<string, string> = { type };
    for (const { name } of IDENTIFIERS) if (values[name].trim() !== "") given[name] = values[name].trim();
    return given;
  };

  async function send() {
    stop.current?.abort();
    const controller = new AbortController();
    stop.current = controller;
    setConfirming(false);
    setBusy(true);
    setError(null);
    setRequest(null);
    setStatus({ tone: "pending", text: `Submitting the ${type} request…` });
    try {
      const { data: accepted } = await api.post<Schemas["PrivacyRequestAccepted"]>("/requests", body());
      setStatus({ tone: "pending", text: `Request ${accepted.request_id} is running…` });
      const final = await pollUntil(
        async () => (await api.get<Schemas["PrivacyRequest"]>(`/requests/${seg(accepted.request_id)}`, controller.signal)).data,
        (r) => r.status !== "RUNNING",
        setRequest,
        { intervalMs: 500, signal: controller.signal },
      );
      const total = SERVICES.reduce((sum, s) => sum + final.found[s], 0);
      setStatus(
        final.status === "SUCCEEDED"
          ? {
              tone: "success",
              text: final.type === "erase" ? `Erased ${total} item(s).` : `Exported ${total} item(s).`,
            }
          : { tone: "error", text: "The request failed; see the privacy-requests execution." },
      );
    } catch (caught) {
      if (caught instanceof DOMException && caught.name === "AbortError") return;
      setError(caught);
      setStatus(errorStatus(caught));
    } finally {
      setBusy(false);
    }
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    if (IDENTIFIERS.every(({ name }) => values[name].trim() === "")) {
      setStatus({ tone: "error", text: "Enter at least one identifier." });
      return;
    }
    if (type === "erase") setConfirming(true);
    else void send();
  }

  const fieldError = (name: string) => (error instanceof ApiError ? error.fieldError(name) : undefined);

  return (
    <div className="grid gap-6 lg:grid-cols-2">
      <Card title="Submit a request">
        <form noValidate onSubmit={submit} data-testid="privacy-form" aria-busy={busy} className="flex flex-col gap-3">
          <Select label="Request" value={type} onChange={(e) => setType(e.target.value as RequestType)}>
            <option value="export">Export: a copy of everything held</option>
            <option value="erase">Erase: delete everything held</option>
          </Select>
          {IDENTIFIERS.map(({ name, label, hint }) => (
            <Field
              key={name}
              label={label}
              name={name}
              autoComplete="off"
              spellCheck={false}
              value={values[name]}
              onChange={(e) => setValues({ ...values, [name]: e.target.value })}
              hint={hint}
              error={fieldError(name)}
            />
          ))}
          <OtherFieldErrors error={error} known={IDENTIFIERS.map((i) => i.name)} />
          <Button type="submit" variant={type === "erase" ? "danger" : "primary"} disabled={busy}>
            {type === "erase" ? "Erase…" : "Export"}
          </Button>
          {confirming && (
            <div role="alertdialog" aria-label="Confirm the erasure" data-testid="privacy-confirm" className="rounded-md border border-rose-300 bg-rose-50 p-3 text-sm text-rose-950">
              <p className="font-semibold">Erase this person from every service? This cannot be undone.</p>
              <div className="mt-2 flex gap-2">
                <Button variant="danger" onClick={() => void send()}>
                  Yes, erase
                </Button>
                <Button variant="secondary" onClick={() => setConfirming(false)}>
                  Cancel
                </Button>
              </div>
            </div>
          )}
          <StatusMessage status={status} testId="privacy-status" />
        </form>
      </Card>
      <Card title="Request">
        {request === null ? (
          <p className="text-sm text-slate-600">Submit a request to follow it here.</p>
        ) : (
          <div data-testid="privacy-request" className="text-sm">
            <p>
              <span className="font-medium">{request.type}</span> {request.request_id}:{" "}
              <span data-testid="privacy-request-status">{request.status}</span>
            </p>
            <table className="mt-2 w-full text-left">
              <thead>
                <tr>
                  <th className="py-1">Service</th>
                  <th className="py-1">Found</th>
                </tr>
              </thead>
              <tbody>
                {SERVICES.map((service) => (
                  <tr key={service}>
                    <td className="py-1">{service}</td>
                    <td className="py-1" data-testid={`privacy-found-${service}`}>
                      {request.found[service]}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <p className="mt-2 text-slate-600">
              Submitted {request.submitted_at}
              {request.completed_at ? `, completed ${request.completed_at}` : ""}
            </p>
            {request.export_url && (
              <a href={request.export_url} download={`privacy-export-${request.request_id}.json`} className="mt-3 inline-block font-semibold text-indigo-700 underline">
                Download the export
              </a>
            )}
          </div>
        )}
      </Card>
    </div>
  );
}
