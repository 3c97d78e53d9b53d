// Brief 002: add, check and delete customer IDs, and run the ids workflow (SPEC §1.1).
import { type FormEvent, useEffect, useRef, useState } from "react";
import { ApiError, pollUntil, seg } from "../api";
import type { components } from "../openapi/ids";
import { useApi, useCan } from "../session";
import { Button, Card, errorStatus, Field, ReadOnlyNote, type Status, StatusMessage } from "../ui";

const ID_PATTERN = /^[A-Za-z0-9_.:@-]{1,128}$/;

type Schemas = components["schemas"];

/** Typing feedback: what the API will say about this id, before it is sent. */
function idHint(value: string): string | undefined {
  if (value === "" || ID_PATTERN.test(value)) return undefined;
  return value.length > 128
    ? `${value.length} characters: the API accepts at most 128.`
    : "Contains characters the API refuses (allowed: letters, digits and _ . : @ -).";
}

type Action = "add" | "check" | "delete";

const ACTIONS: Record<Action, { title: string; button: string; variant: "primary" | "secondary" | "danger" }> = {
  add: { title: "Add a customer ID", button: "Add", variant: "primary" },
  check: { title: "Check a customer ID", button: "Check", variant: "secondary" },
  delete: { title: "Delete a customer ID", button: "Delete", variant: "danger" },
};

function IdForm({ action, onDone }: { action: Action; onDone: (line: string) => void }) {
  const api = useApi("ids");
  const [id, setId] = useState("");
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<Status | null>(null);
  const [fieldError, setFieldError] = useState<string>();
  const { title, button, variant } = ACTIONS[action];

  async function submit(event: FormEvent) {
    event.preventDefault();
    const value = id.trim();
    // a fault the page can see is flagged next to the field, once, and nothing is sent
    const flagged = value === "" ? "Enter a customer ID." : idHint(value);
    if (flagged) {
      setFieldError(flagged);
      setStatus(null);
      return;
    }
    setBusy(true);
    setFieldError(undefined);
    setStatus({ tone: "pending", text: `${button === "Check" ? "Checking" : button === "Add" ? "Adding" : "Deleting"} ${value}…` });
    try {
      let result: Status;
      if (action === "add") {
        const { data } = await api.put<Schemas["IdRegistration"]>(`/customers/${seg(value)}`);
        result = data.created
          ? { tone: "success", text: `Added ${data.id}.` }
          : { tone: "info", text: `${data.id} was already registered: nothing changed.` };
      } else if (action === "check") {
        const { data } = await api.get<Schemas["IdLookup"]>(`/customers/${seg(value)}`);
        result = data.exists
          ? { tone: "success", text: `${data.id} exists.` }
          : { tone: "info", text: `${data.id} was not found.` };
      } else {
        const { data } = await api.delete<Schemas["IdDeletion"]>(`/customers/${seg(value)}`);
        result = data.deleted
          ? { tone: "success", text: `Deleted ${data.id}.` }
          : { tone: "info", text: `${data.id} was not found: nothing to delete.` };
      }
      setStatus(result);
      onDone(`${button} ${value}: ${result.text}`);
    } catch (error) {
      const invalid = error instanceof ApiError && error.kind === "validation";
      if (invalid) setFieldError(error.fieldError("id") ?? error.details[0]?.message ?? error.message);
      setStatus(invalid ? null : errorStatus(error));
      onDone(`${button} ${value}: ${errorStatus(error).text}`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Card title={title}>
      <form noValidate onSubmit={submit} data-testid={`ids-${action}`} aria-busy={busy}>
        <div className="flex flex-col gap-2 sm:flex-row sm:items-start">
          <Field
            className="grow"
            label="Customer ID"
            name="id"
            autoComplete="off"
            spellCheck={false}
            value={id}
            onChange={(e) => {
              setId(e.target.value);
              setFieldError(undefined);
            }}
            hint={idHint(id.trim()) ?? "1–128 characters: letters, digits and _ . : @ -"}
            error={fieldError}
          />
          <Button type="submit" variant={variant} disabled={busy} className="sm:mt-6">
            {button}
          </Button>
        </div>
        <StatusMessage status={status} testId={`ids-${action}-status`} />
      </form>
    </Card>
  );
}

function WorkflowForm({ onDone }: { onDone: (line: string) => void }) {
  const api = useApi("ids");
  const [id, setId] = useState("");
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<Status | null>(null);
  const [execution, setExecution] = useState<(Schemas["WorkflowExecution"] & { name: string }) | null>(null);
  const stop = useRef<AbortController | null>(null);
  useEffect(() => () => stop.current?.abort(), []);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const value = id.trim();
    stop.current?.abort();
    const controller = new AbortController();
    stop.current = controller;
    setBusy(true);
    setExecution(null);
    setStatus({ tone: "pending", text: `Starting the workflow for ${value}…` });
    try {
      const { data: started } = await api.post<Schemas["WorkflowStarted"]>("/workflow/submit", { id: value });
      setStatus({ tone: "pending", text: `Execution ${started.executionName} is running…` });
      const final = await pollUntil(
        async () => (await api.get<Schemas["WorkflowExecution"]>(`/workflow/executions/${seg(started.executionName)}`, controller.signal)).data,
        (e) => e.status !== "RUNNING",
        (e) => setExecution({ ...e, name: started.executionName }),
        { intervalMs: 500, timeoutMs: 60_000, signal: controller.signal },
      );
      const text =
        final.status === "SUCCEEDED"
          ? `Workflow for ${final.id ?? value} finished: ${final.result === "Inserted" ? "Inserted (new id)" : final.result === "AlreadyExists" ? "AlreadyExists (the id was already registered)" : String(final.result)}.`
          : `Workflow for ${value} ended ${final.status}${final.error ? `: ${typeof final.error === "string" ? final.error : JSON.stringify(final.error)}` : ""}.`;
      setStatus({ tone: final.status === "SUCCEEDED" ? "success" : "error", text });
      onDone(text);
    } catch (error) {
      if (error instanceof DOMException && error.name === "AbortError") return;
      setStatus(errorStatus(error));
      onDone(`Workflow ${value}: ${errorStatus(error).text}`);
    } finally {
      if (stop.current === controller) setBusy(false);
    }
  }

  return (
    <Card title="Run the ids workflow">
      <p className="mb-3 text-sm text-slate-700">
        Starts the <code>customers-workflow</code> state machine (validate → insert or log) and follows the execution
        until it ends.
      </p>
      <form noValidate onSubmit={submit} data-testid="ids-workflow" aria-busy={busy}>
        <div className="flex flex-col gap-2 sm:flex-row sm:items-start">
          <Field
            className="grow"
            label="Customer ID for the workflow"
            name="workflow-id"
            autoComplete="off"
            spellCheck={false}
            value={id}
            onChange={(e) => setId(e.target.value)}
            hint={idHint(id.trim())}
          />
          <Button type="submit" disabled={busy} className="sm:mt-6">
            Start workflow
          </Button>
        </div>
        {execution && (
          <dl className="mt-3 grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm" data-testid="ids-workflow-execution">
            <dt className="font-medium">Execution</dt>
            <dd className="break-all font-mono">{execution.name}</dd>
            <dt className="font-medium">Status</dt>
            <dd data-testid="ids-workflow-state">{execution.status}</dd>
            <dt className="font-medium">Result</dt>
            <dd data-testid="ids-workflow-result">{execution.result ?? "—"}</dd>
          </dl>
        )}
        <StatusMessage status={status} testId="ids-workflow-status" />
      </form>
    </Card>
  );
}

export function IdsPage() {
  const write = useCan("ids", "write");
  const [log, setLog] = useState<{ at: string; line: string }[]>([]);
  const record = (line: string) =>
    setLog((entries) => [{ at: new Date().toLocaleTimeString(), line }, ...entries].slice(0, 20));
  return (
    <div className="grid gap-4 lg:grid-cols-2">
      <p className="text-sm text-slate-700 lg:col-span-2">
        The customer-ID registry (<code>customer_ids</code>): register an id, check whether it exists, or remove it.
      </p>
      {!write && (
        <div className="lg:col-span-2">
          <ReadOnlyNote>Your role may check ids; adding, deleting and the workflow need the operator role.</ReadOnlyNote>
        </div>
      )}
      {write && <IdForm action="add" onDone={record} />}
      <IdForm action="check" onDone={record} />
      {write && <IdForm action="delete" onDone={record} />}
      {write && <WorkflowForm onDone={record} />}
      <section aria-labelledby="activity" className="lg:col-span-2">
        <h2 id="activity" className="mb-2 text-lg font-semibold">
          Activity
        </h2>
        {log.length === 0 ? (
          <p className="text-sm text-slate-600">Nothing yet in this session.</p>
        ) : (
          <ol className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white text-sm" data-testid="ids-activity">
            {log.map((entry, i) => (
              <li key={log.length - i} className="px-3 py-2">
                <span className="mr-2 font-mono text-slate-500">{entry.at}</span>
                {entry.line}
              </li>
            ))}
          </ol>
        )}
      </section>
    </div>
  );
}
