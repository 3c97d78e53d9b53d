// Brief 004: age groups and enrollments (SPEC §1.3). An enrollment is followed from PENDING to
// PROCESSED by polling GET /enrollments/{id}.
import { type FormEvent, useCallback, useEffect, useState } from "react";
import { ApiError, type ApiClient, pollUntil, seg } from "../api";
import type { components } from "../openapi/enrollment";
import { useApi, useCan } from "../session";
import { Button, Card, errorStatus, Field, formErrorStatus, NotDeployed, OtherFieldErrors, ReadOnlyNote, type Status, StatusMessage } from "../ui";

type AgeGroup = components["schemas"]["AgeGroup"];
type Enrollment = components["schemas"]["Enrollment"];
type EnrollmentAccepted = components["schemas"]["EnrollmentAccepted"];

/** An integer when the text is one; otherwise the text itself, for the API to refuse and explain. */
function integerOrText(value: string): number | string {
  const trimmed = value.trim();
  return /^-?\d+$/.test(trimmed) ? Number(trimmed) : trimmed;
}

function AgeGroups({ api, onNotDeployed }: { api: ApiClient; onNotDeployed: (error: unknown) => void }) {
  const write = useCan("enrollment", "write");
  const [groups, setGroups] = useState<AgeGroup[] | null>(null);
  const [draft, setDraft] = useState({ min: "", max: "" });
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState<Status | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    try {
      const { data } = await api.get<AgeGroup[]>("/age-groups");
      setGroups([...data].sort((a, b) => a.min_age - b.min_age || a.max_age - b.max_age));
    } catch (caught) {
      if (caught instanceof ApiError && caught.kind === "not_deployed") onNotDeployed(caught);
      else setStatus(errorStatus(caught));
    }
  }, [api, onNotDeployed]);

  useEffect(() => {
    void load();
  }, [load]);

  async function create(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setStatus({ tone: "pending", text: "Creating the age group…" });
    try {
      const { data } = await api.post<AgeGroup>("/age-groups", { min_age: integerOrText(draft.min), max_age: integerOrText(draft.max) });
      setStatus({ tone: "success", text: `Created the age group for ages ${data.min_age} to ${data.max_age}.` });
      setDraft({ min: "", max: "" });
      await load();
    } catch (caught) {
      const duplicate = caught instanceof ApiError && caught.kind === "conflict";
      setError(duplicate ? null : caught);
      setStatus(
        duplicate
          ? { tone: "info", text: `Ages ${draft.min} to ${draft.max} are a group already.` }
          : formErrorStatus(caught, ["min_age", "max_age"]),
      );
    } finally {
      setBusy(false);
    }
  }

  async function remove(group: AgeGroup) {
    try {
      await api.delete(`/age-groups/${seg(group.id)}`);
      setStatus({ tone: "success", text: `Deleted the age group for ages ${group.min_age} to ${group.max_age}.` });
    } catch (caught) {
      setStatus(caught instanceof ApiError && caught.kind === "not_found" ? { tone: "info", text: "That age group was already deleted." } : errorStatus(caught));
    }
    await load();
  }

  const fieldError = (name: string) => (error instanceof ApiError ? error.fieldError(name) : undefined);
  return (
    <Card title="Age groups">
      {groups === null ? (
        <p className="text-sm text-slate-600">Loading…</p>
      ) : groups.length === 0 ? (
        <p className="text-sm text-slate-600">No age groups yet: an enrollment needs an age inside one.</p>
      ) : (
        <ul className="divide-y divide-slate-200 rounded-md border border-slate-200" data-testid="age-groups">
          {groups.map((group) => (
            <li key={group.id} className="flex items-center justify-between gap-2 px-3 py-2 text-sm">
              <span>
                Ages <strong>{group.min_age}</strong> to <strong>{group.max_age}</strong>
              </span>
              {write && (
                <Button variant="secondary" onClick={() => void remove(group)} aria-label={`Delete age group ${group.min_age} to ${group.max_age}`}>
                  Delete
                </Button>
              )}
            </li>
          ))}
        </ul>
      )}
      {write ? (
        <form noValidate onSubmit={create} aria-busy={busy} className="mt-4" data-testid="age-group-create">
          <div className="grid grid-cols-2 gap-3">
            <Field label="Minimum age" name="min_age" inputMode="numeric" value={draft.min} error={fieldError("min_age")}
              onChange={(e) => setDraft({ ...draft, min: e.target.value })} />
            <Field label="Maximum age" name="max_age" inputMode="numeric" value={draft.max} error={fieldError("max_age")}
              onChange={(e) => setDraft({ ...draft, max: e.target.value })} />
          </div>
          <OtherFieldErrors error={error} known={["min_age", "max_age"]} />
          <Button type="submit" disabled={busy} className="mt-3">Add age group</Button>
          <StatusMessage status={status} testId="age-groups-status" />
        </form>
      ) : (
        <StatusMessage status={status} testId="age-groups-status" />
      )}
    </Card>
  );
}

function TrackedEnrollment({ api, initial }: { api: ApiClient; initial: Enrollment }) {
  const [enrollment, setEnrollment] = useState(initial);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    pollUntil(
      async () => (await api.get<Enrollment>(`/enrollments/${seg(initial.enrollment_id)}`, controller.signal)).data,
      (e) => e.status !== "PENDING",
      setEnrollment,
      { intervalMs: 1000, timeoutMs: 120_000, signal: controller.signal },
    ).catch((error: unknown) => {
      if (!(error instanceof DOMException && error.name === "AbortError")) setProblem(errorStatus(error).text);
    });
    return () => controller.abort();
  }, [api, initial.enrollment_id]);

  const processed = enrollment.status === "PROCESSED";
  return (
    <li className="px-3 py-2 text-sm" data-testid="enrollment" data-enrollment-id={enrollment.enrollment_id}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <span className="font-medium">{enrollment.name ?? "Enrollment"}{enrollment.age !== undefined ? `, ${enrollment.age}` : ""}</span>
        <span
          data-testid="enrollment-status"
          className={`rounded-full px-2 py-0.5 text-xs font-semibold ${processed ? "bg-emerald-100 text-emerald-900" : "bg-amber-100 text-amber-900"}`}
        >
          {enrollment.status}
        </span>
      </div>
      <p className="mt-1 break-all font-mono text-xs text-slate-600">{enrollment.enrollment_id}</p>
      <p className="text-xs text-slate-600">
        {processed && enrollment.processed_at
          ? `Processed at ${new Date(enrollment.processed_at).toLocaleString()}`
          : problem ?? "Waiting for the processor (checking every second)…"}
      </p>
    </li>
  );
}

export function EnrollmentsPage() {
  const api = useApi("enrollment");
  const write = useCan("enrollment", "write");
  const [missing, setMissing] = useState<unknown>(null);
  const [draft, setDraft] = useState({ name: "", age: "", cpf: "" });
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState<Status | null>(null);
  const [busy, setBusy] = useState(false);
  const [tracked, setTracked] = useState<Enrollment[]>([]);
  const [lookup, setLookup] = useState("");
  const [lookupStatus, setLookupStatus] = useState<Status | null>(null);
  const onNotDeployed = useCallback((e: unknown) => setMissing(e), []);

  if (!api.deployed || missing) return <NotDeployed service="enrollment" error={missing} />;

  async function enroll(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setStatus({ tone: "pending", text: "Sending the enrollment…" });
    try {
      const body = { name: draft.name.trim(), age: integerOrText(draft.age), cpf: draft.cpf.trim() };
      const { data } = await api.post<EnrollmentAccepted>("/enrollments", body);
      setStatus({ tone: "success", text: `Enrollment accepted (${data.status}); it is followed below until it is processed.` });
      setTracked((list) => [{ ...data, name: body.name, age: Number(body.age) }, ...list]);
      setDraft({ name: "", age: "", cpf: "" });
    } catch (caught) {
      setError(caught);
      setStatus(formErrorStatus(caught, ["name", "age", "cpf"]));
    } finally {
      setBusy(false);
    }
  }

  async function find(event: FormEvent) {
    event.preventDefault();
    const id = lookup.trim();
    if (!id) return;
    try {
      const { data } = await api.get<Enrollment>(`/enrollments/${seg(id)}`);
      setLookupStatus({ tone: "success", text: `${data.name ?? id}: ${data.status}.` });
      setTracked((list) => [data, ...list.filter((e) => e.enrollment_id !== data.enrollment_id)]);
    } catch (caught) {
      setLookupStatus(caught instanceof ApiError && caught.kind === "not_found" ? { tone: "info", text: `No enrollment ${id}.` } : errorStatus(caught));
    }
  }

  const fieldError = (name: string) => (error instanceof ApiError ? error.fieldError(name) : undefined);
  return (
    <div className="grid gap-4 lg:grid-cols-2">
      <AgeGroups api={api} onNotDeployed={onNotDeployed} />
      {write ? (
        <Card title="Enroll">
          <form noValidate onSubmit={enroll} aria-busy={busy} data-testid="enroll">
            <div className="grid gap-3 sm:grid-cols-2">
              <Field className="sm:col-span-2" label="Name" name="name" autoComplete="name" value={draft.name} error={fieldError("name")}
                onChange={(e) => setDraft({ ...draft, name: e.target.value })} />
              <Field label="Age" name="age" inputMode="numeric" value={draft.age} error={fieldError("age")}
                onChange={(e) => setDraft({ ...draft, age: e.target.value })} />
              <Field label="CPF" name="cpf" inputMode="numeric" hint="11 digits; dots and dashes allowed" value={draft.cpf}
                error={fieldError("cpf")} onChange={(e) => setDraft({ ...draft, cpf: e.target.value })} />
            </div>
            <OtherFieldErrors error={error} known={["name", "age", "cpf"]} />
            <Button type="submit" disabled={busy} className="mt-3">Enroll</Button>
            <StatusMessage status={status} testId="enroll-status" />
          </form>
        </Card>
      ) : (
        <ReadOnlyNote>Your role may look enrollments up; enrolling and age groups need the operator role.</ReadOnlyNote>
      )}
      <Card title="Enrollments in this session">
        {tracked.length === 0 ? (
          <p className="text-sm text-slate-600">Enroll someone, or look an enrollment up by its id.</p>
        ) : (
          <ul className="divide-y divide-slate-200 rounded-md border border-slate-200" aria-live="polite" aria-relevant="text">
            {tracked.map((e) => (
              <TrackedEnrollment key={e.enrollment_id} api={api} initial={e} />
            ))}
          </ul>
        )}
      </Card>
      <Card title="Look up an enrollment">
        <form noValidate onSubmit={find} className="flex flex-col gap-2 sm:flex-row sm:items-start">
          <Field className="grow" label="Enrollment id" value={lookup} autoComplete="off" spellCheck={false}
            onChange={(e) => setLookup(e.target.value)} />
          <Button type="submit" variant="secondary" className="sm:mt-6">Look up</Button>
        </form>
        <StatusMessage status={lookupStatus} testId="enrollment-lookup-status" />
      </Card>
    </div>
  );
}
