// Brief 000: marketing preferences (SPEC §1.4). A batch is sent to POST /preferences (a large one
// through an upload first) and its execution is followed until the pipeline's summary is there.
import { type ChangeEvent, type FormEvent, useEffect, useRef, useState } from "react";
import { ApiError, pollUntil, putUpload, seg } from "../api";
import type { components } from "../openapi/marketing";
import { useApi, useCan } from "../session";
import { csvToRecords, DIRECT_LIMIT_BYTES, EXAMPLE_BATCH, escapedBytes, parseBatch } from "../batch";
import { Button, Card, errorStatus, Field, NotDeployed, ReadOnlyNote, type Status, StatusMessage } from "../ui";

type Schemas = components["schemas"];
type Summary = Schemas["ExecutionSummary"];

function describeReason(reason: unknown): string {
  if (typeof reason === "string") return reason;
  if (reason && typeof reason === "object" && "message" in reason) {
    const { field, message } = reason as { field?: unknown; message: unknown };
    return field ? `${String(field)}: ${String(message)}` : String(message);
  }
  return JSON.stringify(reason);
}

function reasons(errors: unknown): string[] {
  return Array.isArray(errors) ? errors.map(describeReason) : [describeReason(errors)];
}

const COUNTS: [keyof Summary, string][] = [
  ["received", "Received"],
  ["valid", "Valid"],
  ["duplicates_removed", "Duplicates removed"],
  ["stored", "Stored"],
  ["opted_out", "Opted out"],
];

/** Files larger than this are kept aside instead of shown in the text area (a browser chokes on it). */
const SHOWN_FILE_BYTES = 1024 * 1024;

function SummaryView({ summary, batch }: { summary: Summary; batch: unknown[] }) {
  const rejected = summary.rejected ?? [];
  const rejectedCount = summary.rejected_count ?? rejected.length;
  return (
    <div data-testid="marketing-summary">
      <dl className="grid grid-cols-2 gap-2 sm:grid-cols-3 lg:grid-cols-6">
        {COUNTS.map(([key, label]) => (
          <div key={key} className="rounded-md border border-slate-200 bg-slate-50 px-3 py-2">
            <dt className="text-xs text-slate-600">{label}</dt>
            <dd className="text-xl font-semibold tabular-nums" data-testid={`summary-${key}`}>
              {String(summary[key] ?? "—")}
            </dd>
          </div>
        ))}
        <div className="rounded-md border border-slate-200 bg-slate-50 px-3 py-2">
          <dt className="text-xs text-slate-600">Rejected</dt>
          <dd className="text-xl font-semibold tabular-nums" data-testid="summary-rejected">{rejectedCount}</dd>
        </div>
      </dl>
      {summary.rejected_report_url && (
        <p className="mt-3 text-sm">
          The first {rejected.length} rejections are listed below;{" "}
          <a className="font-medium text-indigo-700 underline" href={summary.rejected_report_url} data-testid="rejected-report">
            download all {rejectedCount} (JSON)
          </a>
          .
        </p>
      )}
      {rejected.length > 0 && (
        <div className="relative mt-4 overflow-x-auto" tabIndex={0} role="region" aria-label="Rejected records">
          <table className="w-full min-w-[28rem] text-left text-sm" data-testid="rejected-rows">
            <caption className="mb-1 text-left font-semibold">Rejected records</caption>
            <thead className="bg-slate-100 text-xs uppercase tracking-wide text-slate-700">
              <tr>
                <th scope="col" className="px-3 py-2">Row</th>
                <th scope="col" className="px-3 py-2">Record</th>
                <th scope="col" className="px-3 py-2">Why</th>
              </tr>
            </thead>
            <tbody>
              {rejected.map((row) => (
                <tr key={row.index} className="border-t border-slate-200 align-top">
                  <td className="px-3 py-2 tabular-nums">{row.index}</td>
                  <td className="px-3 py-2 break-all font-mono text-xs">{JSON.stringify(batch[row.index] ?? null)}</td>
                  <td className="px-3 py-2">
                    <ul className="list-disc pl-4">
                      {reasons(row.errors).map((reason, i) => (
                        <li key={i}>{reason}</li>
                      ))}
                    </ul>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function StoredLookup() {
  const api = useApi("marketing");
  const [email, setEmail] = useState("");
  const [status, setStatus] = useState<Status | null>(null);
  const [found, setFound] = useState<Schemas["StoredInterests"] | null>(null);

  async function find(event: FormEvent) {
    event.preventDefault();
    setFound(null);
    try {
      const { data } = await api.get<Schemas["StoredInterests"]>(`/preferences/${seg(email.trim())}`);
      setFound(data);
      setStatus({ tone: "success", text: `${data.Name} is opted in.` });
    } catch (error) {
      setStatus(
        error instanceof ApiError && error.kind === "not_found"
          ? { tone: "info", text: `No stored interests for ${email.trim()} (never opted in, or opted out).` }
          : errorStatus(error),
      );
    }
  }

  return (
    <Card title="Stored interests" className="self-start">
      <form noValidate onSubmit={find} className="flex flex-col gap-2 sm:flex-row sm:items-start">
        <Field className="grow" label="E-mail" type="email" value={email} onChange={(e) => setEmail(e.target.value)} />
        <Button type="submit" variant="secondary" className="sm:mt-6">Look up</Button>
      </form>
      <StatusMessage status={status} testId="preferences-lookup-status" />
      {found && (
        <p className="mt-2 text-sm">
          Interests: {found.MarketingInterests?.length ? found.MarketingInterests.join(", ") : "none"}
          {found.updated_at ? ` (updated ${new Date(found.updated_at).toLocaleString()})` : ""}
        </p>
      )}
    </Card>
  );
}

export function MarketingPage() {
  const api = useApi("marketing");
  const write = useCan("marketing", "write");
  const [text, setText] = useState("");
  const [inputError, setInputError] = useState<string>();
  const [status, setStatus] = useState<Status | null>(null);
  const [execution, setExecution] = useState<(Schemas["ExecutionStatus"] & { name: string }) | null>(null);
  const [sent, setSent] = useState<unknown[]>([]);
  const [loaded, setLoaded] = useState<{ records: unknown[]; name: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [missing, setMissing] = useState<unknown>(null);
  const stop = useRef<AbortController | null>(null);
  useEffect(() => () => stop.current?.abort(), []);

  if (!api.deployed || missing) return <NotDeployed service="marketing" error={missing} />;
  if (!write) {
    return (
      <div className="grid gap-4 lg:grid-cols-[1fr_22rem]">
        <ReadOnlyNote>Your role may look stored interests up; submitting and uploading batches need the operator role.</ReadOnlyNote>
        <StoredLookup />
      </div>
    );
  }

  async function upload(event: ChangeEvent<HTMLInputElement>) {
    const file = event.target.files?.[0];
    if (!file) return;
    try {
      const content = await file.text();
      const records = file.name.toLowerCase().endsWith(".csv") ? csvToRecords(content) : parseBatch(content);
      setInputError(undefined);
      if (file.size > SHOWN_FILE_BYTES) {
        setText("");
        setLoaded({ records, name: file.name });
        setStatus({ tone: "info", text: `Loaded ${records.length} records from ${file.name}: submit to send them.` });
        return;
      }
      setLoaded(null);
      setText(JSON.stringify(records, null, 2));
      setStatus({ tone: "info", text: `Loaded ${records.length} records from ${file.name}: review them, then submit.` });
    } catch (error) {
      setInputError(error instanceof Error ? error.message : String(error));
      setStatus({ tone: "error", text: `Cannot read ${file.name}.` });
    }
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    let batch: unknown[];
    try {
      batch = loaded ? loaded.records : parseBatch(text);
    } catch (error) {
      setInputError(error instanceof Error ? error.message : String(error));
      setStatus({ tone: "error", text: "Fix the batch first." });
      return;
    }
    stop.current?.abort();
    const controller = new AbortController();
    stop.current = controller;
    setInputError(undefined);
    setBusy(true);
    setExecution(null);
    setSent(batch);
    setStatus({ tone: "pending", text: `Sending ${batch.length} records…` });
    try {
      const body = JSON.stringify(batch);
      let started: Schemas["PreferencesAccepted"];
      if (escapedBytes(body) > DIRECT_LIMIT_BYTES) {
        // too large for one request on AWS: upload it to S3, then start the pipeline on the upload
        const { data: upload } = await api.post<Schemas["UploadCreated"]>("/uploads", {});
        const megabytes = (new TextEncoder().encode(body).length / 1e6).toFixed(1);
        await putUpload(upload.upload_url, body, (fraction) =>
          setStatus({ tone: "pending", text: `Uploading ${batch.length} records (${megabytes} MB): ${Math.round(fraction * 100)} %` }),
        );
        started = (await api.post<Schemas["PreferencesAccepted"]>("/preferences", { upload_id: upload.upload_id })).data;
      } else {
        started = (await api.post<Schemas["PreferencesAccepted"]>("/preferences", batch)).data;
      }
      setStatus({ tone: "pending", text: `Execution ${started.executionName} is running…` });
      const final = await pollUntil(
        async () => (await api.get<Schemas["ExecutionStatus"]>(`/executions/${seg(started.executionName)}`, controller.signal)).data,
        (e) => e.status !== "RUNNING",
        (e) => {
          setExecution({ ...e, name: started.executionName });
          if (e.status === "RUNNING" && e.step)
            setStatus({ tone: "pending", text: `Execution ${started.executionName}: ${e.step}…` });
        },
        { intervalMs: 1000, timeoutMs: 600_000, signal: controller.signal },
      );
      const summary = final.output ?? null;
      setStatus(
        final.status === "SUCCEEDED"
          ? {
              tone: "success",
              text: `Done: ${summary?.stored ?? 0} stored, ${summary?.opted_out ?? 0} opted out, ${summary?.rejected_count ?? summary?.rejected?.length ?? 0} rejected.`,
            }
          : { tone: "error", text: `The execution ended ${final.status}${final.error ? `: ${describeReason(final.error)}` : ""}.` },
      );
    } catch (error) {
      if (error instanceof DOMException && error.name === "AbortError") return;
      if (error instanceof ApiError && error.kind === "not_deployed") setMissing(error);
      setStatus(errorStatus(error));
    } finally {
      if (stop.current === controller) setBusy(false);
    }
  }

  const summary = execution ? execution.output ?? null : null;
  return (
    <div className="grid gap-4 lg:grid-cols-[1fr_22rem]">
      <div className="grid min-w-0 content-start gap-4">
        <Card title="Submit a batch">
          <form noValidate onSubmit={submit} aria-busy={busy} data-testid="marketing-batch">
            <label htmlFor="batch" className="block text-sm font-medium text-slate-800">
              Records (a JSON array of {"{Name, Email, MarketingOptIn, MarketingInterests}"})
            </label>
            <textarea
              id="batch"
              rows={12}
              spellCheck={false}
              value={text}
              placeholder={loaded ? `${loaded.records.length} records from ${loaded.name} (too large to show here)` : undefined}
              onChange={(e) => {
                setText(e.target.value);
                setLoaded(null);
                setInputError(undefined);
              }}
              aria-invalid={inputError ? true : undefined}
              aria-describedby={inputError ? "batch-error" : "batch-hint"}
              className="mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 font-mono text-sm aria-[invalid=true]:border-rose-500"
            />
            {inputError ? (
              <p id="batch-error" className="mt-1 text-sm font-medium text-rose-700">{inputError}</p>
            ) : (
              <p id="batch-hint" className="mt-1 text-xs text-slate-600">
                Or upload a .json file, or a .csv with the header Name,Email,MarketingOptIn,MarketingInterests (interests
                separated by ";").
              </p>
            )}
            <div className="mt-3 flex flex-wrap items-end gap-2">
              <Button type="submit" disabled={busy}>Submit batch</Button>
              <Button
                variant="secondary"
                onClick={() => {
                  setLoaded(null);
                  setText(JSON.stringify(EXAMPLE_BATCH, null, 2));
                }}
              >
                Use the example batch
              </Button>
              <div>
                <label htmlFor="batch-file" className="block text-sm font-medium text-slate-800">Upload JSON or CSV</label>
                <input id="batch-file" type="file" accept=".json,.csv,application/json,text/csv" onChange={upload}
                  className="mt-1 block text-sm file:mr-2 file:rounded-md file:border file:border-slate-300 file:bg-white file:px-3 file:py-1.5" />
              </div>
            </div>
            <StatusMessage status={status} testId="marketing-status" />
          </form>
        </Card>
        {execution && (
          <Card title="Execution">
            <p className="mb-3 text-sm">
              <span className="break-all font-mono">{execution.name}</span>:{" "}
              <strong data-testid="marketing-execution-status">{execution.status}</strong>
            </p>
            {summary ? <SummaryView summary={summary} batch={sent} /> : execution.status === "RUNNING" && <p className="text-sm">Running…</p>}
          </Card>
        )}
      </div>
      <StoredLookup />
    </div>
  );
}
