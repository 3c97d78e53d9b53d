// Brief 003: customers (SPEC §1.2) — paginated list, create, edit, delete, seed.
import { type FormEvent, useCallback, useEffect, useRef, useState } from "react";
import { ApiError, seg } from "../api";
import type { components } from "../openapi/crm";
import { useApi, useCan } from "../session";
import { Button, Card, errorStatus, Field, formErrorStatus, NotDeployed, OtherFieldErrors, ReadOnlyNote, Select, type Status, StatusMessage } from "../ui";

const CHANNELS = ["email", "text", "phone"] as const;
const STATUSES = ["active", "inactive", "canceled"] as const;
const PAGE_SIZE = 10;
// the list's ?sample= filter: every customer, only the seeded samples, only the others
const KINDS = [
  { value: "", label: "all customers" },
  { value: "true", label: "samples" },
  { value: "false", label: "real customers" },
] as const;

type Customer = components["schemas"]["Customer"];
type CustomerPage = components["schemas"]["CustomerPage"];

const TEXT_FIELDS = [
  { name: "first_name", label: "First name", required: true, autoComplete: "given-name" },
  { name: "last_name", label: "Last name", required: true, autoComplete: "family-name" },
  { name: "email_address", label: "E-mail address", required: true, autoComplete: "email", type: "email" },
  { name: "phone_number", label: "Phone number", autoComplete: "tel", type: "tel" },
  { name: "date_of_birth", label: "Date of birth", hint: "Not in the future", autoComplete: "bday", type: "date" },
  { name: "address", label: "Address", autoComplete: "street-address" },
  { name: "city", label: "City", autoComplete: "address-level2" },
  { name: "state", label: "State", autoComplete: "address-level1" },
  { name: "postal_code", label: "Postal code", autoComplete: "postal-code" },
] as const;

type TextName = (typeof TEXT_FIELDS)[number]["name"];
const REQUIRED = new Set<string>(TEXT_FIELDS.filter((f) => "required" in f).map((f) => f.name));
const FIELD_NAMES = [
  ...TEXT_FIELDS.map((f) => f.name),
  "preferred_communication_channels",
  "is_loyalty_member",
  "customer_status",
  "lifetime_value",
] as const;

interface Draft {
  text: Record<TextName, string>;
  channels: string[];
  loyalty: boolean;
  status: string;
  lifetimeValue: string;
}

function draftOf(customer?: Customer): Draft {
  const text = Object.fromEntries(TEXT_FIELDS.map((f) => [f.name, String(customer?.[f.name] ?? "")])) as Record<TextName, string>;
  return {
    text,
    channels: customer?.preferred_communication_channels ?? [],
    loyalty: customer?.is_loyalty_member === "y",
    status: customer?.customer_status ?? "active",
    lifetimeValue: String(customer?.lifetime_value ?? 0),
  };
}

/** The request body: on create every filled field; on edit only what changed (a partial update). */
function bodyOf(draft: Draft, original?: Customer): Record<string, unknown> {
  const before = draftOf(original);
  const body: Record<string, unknown> = {};
  for (const { name } of TEXT_FIELDS) {
    const value = draft.text[name].trim();
    // on edit, a cleared optional field is removed (null); a cleared required one is sent for the API to refuse
    const cleared = value === "" && !REQUIRED.has(name);
    if (original ? value !== before.text[name] : value !== "") body[name] = cleared ? null : value;
  }
  if (!original || draft.channels.join() !== before.channels.join()) body.preferred_communication_channels = draft.channels;
  if (!original || draft.loyalty !== before.loyalty) body.is_loyalty_member = draft.loyalty ? "y" : "n";
  if (!original || draft.status !== before.status) body.customer_status = draft.status;
  if (!original || draft.lifetimeValue.trim() !== before.lifetimeValue) {
    const raw = draft.lifetimeValue.trim();
    // a number when it is one; otherwise the text as typed, for the API to judge and explain
    body.lifetime_value = raw !== "" && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  }
  return body;
}

function CustomerForm({
  original,
  onSaved,
  onCancel,
}: {
  original?: Customer;
  onSaved: (customer: Customer, created: boolean) => void;
  onCancel?: () => void;
}) {
  const api = useApi("crm");
  const [draft, setDraft] = useState(() => draftOf(original));
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState<Status | null>(null);
  const [busy, setBusy] = useState(false);
  const fieldError = (name: string) => (error instanceof ApiError ? error.fieldError(name) : undefined);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const body = bodyOf(draft, original);
    if (original && Object.keys(body).length === 0) {
      setStatus({ tone: "info", text: "Nothing changed." });
      return;
    }
    setBusy(true);
    setError(null);
    setStatus({ tone: "pending", text: original ? "Saving…" : "Creating…" });
    try {
      const { data } = original
        ? await api.put<Customer>(`/customers/${seg(original.customer_id)}`, body)
        : await api.post<Customer>("/customers", body);
      setStatus({
        tone: "success",
        text: original ? `Saved ${data.first_name} ${data.last_name}.` : `Created ${data.first_name} ${data.last_name}.`,
      });
      if (!original) setDraft(draftOf());
      onSaved(data, !original);
    } catch (caught) {
      setError(caught);
      setStatus(formErrorStatus(caught, FIELD_NAMES));
    } finally {
      setBusy(false);
    }
  }

  const prefix = original ? "edit" : "create";
  return (
    <form noValidate onSubmit={submit} aria-busy={busy} data-testid={`customer-${prefix}`}>
      <div className="grid gap-3 sm:grid-cols-2">
        {TEXT_FIELDS.map((f) => (
          <Field
            key={f.name}
            label={`${f.label}${"required" in f ? " (required)" : ""}`}
            name={f.name}
            type={"type" in f ? f.type : "text"}
            autoComplete={f.autoComplete}
            hint={"hint" in f ? f.hint : undefined}
            value={draft.text[f.name]}
            onChange={(e) => setDraft({ ...draft, text: { ...draft.text, [f.name]: e.target.value } })}
            error={fieldError(f.name)}
          />
        ))}
        <Select label="Status" name="customer_status" value={draft.status} error={fieldError("customer_status")}
          onChange={(e) => setDraft({ ...draft, status: e.target.value })}>
          {STATUSES.map((s) => (
            <option key={s} value={s}>{s}</option>
          ))}
        </Select>
        <Field
          label="Lifetime value"
          name="lifetime_value"
          inputMode="decimal"
          value={draft.lifetimeValue}
          onChange={(e) => setDraft({ ...draft, lifetimeValue: e.target.value })}
          error={fieldError("lifetime_value")}
        />
        <fieldset className="sm:col-span-2" aria-describedby={fieldError("preferred_communication_channels") ? `${prefix}-channels-error` : undefined}>
          <legend className="text-sm font-medium text-slate-800">Preferred communication channels</legend>
          <div className="mt-1 flex flex-wrap gap-4">
            {CHANNELS.map((channel) => (
              <label key={channel} className="inline-flex items-center gap-2 text-sm">
                <input
                  type="checkbox"
                  className="size-4"
                  checked={draft.channels.includes(channel)}
                  onChange={(e) =>
                    setDraft({
                      ...draft,
                      channels: e.target.checked ? [...draft.channels, channel] : draft.channels.filter((c) => c !== channel),
                    })
                  }
                />
                {channel}
              </label>
            ))}
          </div>
          {fieldError("preferred_communication_channels") && (
            <p id={`${prefix}-channels-error`} className="mt-1 text-sm font-medium text-rose-700">
              {fieldError("preferred_communication_channels")}
            </p>
          )}
        </fieldset>
        <label className="inline-flex items-center gap-2 text-sm sm:col-span-2">
          <input type="checkbox" className="size-4" name="is_loyalty_member" checked={draft.loyalty}
            onChange={(e) => setDraft({ ...draft, loyalty: e.target.checked })} />
          Loyalty member
        </label>
      </div>
      <OtherFieldErrors error={error} known={FIELD_NAMES} />
      <div className="mt-4 flex flex-wrap gap-2">
        <Button type="submit" disabled={busy}>{original ? "Save changes" : "Create customer"}</Button>
        {onCancel && <Button variant="secondary" onClick={onCancel}>Cancel</Button>}
      </div>
      <StatusMessage status={status} testId={`customer-${prefix}-status`} />
    </form>
  );
}

// below the md breakpoint each row is a card: cells stack, each labelled by its data-label (no sideways scroll)
const CELL =
  "px-3 py-2 max-md:flex max-md:justify-between max-md:gap-3 max-md:py-1 " +
  "max-md:before:shrink-0 max-md:before:font-medium max-md:before:text-slate-600 max-md:before:content-[attr(data-label)]";

function CustomerRow({ customer, onEdit, onDeleted }: { customer: Customer; onEdit: () => void; onDeleted: (status: Status) => void }) {
  const api = useApi("crm");
  const write = useCan("crm", "write");
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const name = `${customer.first_name} ${customer.last_name}`;

  async function remove() {
    setBusy(true);
    try {
      await api.delete(`/customers/${seg(customer.customer_id)}`);
      onDeleted({ tone: "success", text: `Deleted ${name}.` });
    } catch (error) {
      onDeleted(error instanceof ApiError && error.kind === "not_found" ? { tone: "info", text: `${name} was already deleted.` } : errorStatus(error));
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  }

  return (
    <tr className="border-t border-slate-200 align-top max-md:block max-md:py-2" data-testid="customer-row">
      <td className="px-3 py-2 font-medium max-md:block max-md:py-1 max-md:text-base">
        {name}
        {customer.sample && (
          <span className="ml-2 rounded-full bg-amber-100 px-2 py-0.5 text-xs font-semibold text-amber-900" data-testid="sample-badge"
            title="A sample customer created by Seed sample customers">
            sample
          </span>
        )}
      </td>
      <td className={CELL} data-label="E-mail"><span className="min-w-0 break-all">{customer.email_address}</span></td>
      <td className={CELL} data-label="Status">{customer.customer_status}</td>
      <td className={CELL} data-label="Loyalty">{customer.is_loyalty_member === "y" ? "yes" : "no"}</td>
      <td className={`${CELL} md:text-right tabular-nums`} data-label="Lifetime value">{customer.lifetime_value ?? 0}</td>
      {write && (
        <td className="px-3 py-2 max-md:block">
          <div className="flex flex-wrap gap-2">
            {confirming ? (
              <>
                <Button variant="danger" disabled={busy} onClick={remove} aria-label={`Confirm delete ${name}`}>Confirm delete</Button>
                <Button variant="secondary" onClick={() => setConfirming(false)}>Keep</Button>
              </>
            ) : (
              <>
                <Button variant="secondary" onClick={onEdit} aria-label={`Edit ${name}`}>Edit</Button>
                <Button variant="secondary" onClick={() => setConfirming(true)} aria-label={`Delete ${name}`}>Delete</Button>
              </>
            )}
          </div>
        </td>
      )}
    </tr>
  );
}

/** The list in a stable order: on the first unfiltered page, the customers created in this view first
(newest first, wherever the API's paging put them), then the page by acquisition date, newest first (the
API pages in its own order, which is not chronological). */
function ordered(customers: Customer[], created: Customer[], pinned: boolean): Customer[] {
  const fresh = new Map(customers.map((c) => [c.customer_id, c]));
  const first = (pinned ? created : created.filter((c) => fresh.has(c.customer_id))).map((c) => fresh.get(c.customer_id) ?? c);
  const firstIds = new Set(first.map((c) => c.customer_id));
  const byDate = (a: Customer, b: Customer) =>
    String(b.customer_acquisition_date ?? "").localeCompare(String(a.customer_acquisition_date ?? ""));
  return [...first, ...customers.filter((c) => !firstIds.has(c.customer_id)).sort(byDate)];
}

export function CustomersPage() {
  const api = useApi("crm");
  const write = useCan("crm", "write");
  const [page, setPage] = useState<CustomerPage | null>(null);
  const [tokens, setTokens] = useState<(string | null)[]>([null]); // the token of each page seen so far
  const [filters, setFilters] = useState({ status: "", email: "", sample: "" });
  const [applied, setApplied] = useState(filters);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [status, setStatus] = useState<Status | null>(null);
  const [editing, setEditing] = useState<Customer | null>(null);
  const [created, setCreated] = useState<Customer[]>([]); // made here since the list was opened: shown first
  const editRef = useRef<HTMLDivElement>(null);
  const token = tokens[tokens.length - 1] ?? null;

  const load = useCallback(async () => {
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (token) query.set("next_token", token);
    if (applied.status) query.set("status", applied.status);
    if (applied.email) query.set("email", applied.email);
    if (applied.sample) query.set("sample", applied.sample);
    try {
      const { data } = await api.get<CustomerPage>(`/customers?${query}`);
      setPage(data);
      setLoadError(null);
    } catch (error) {
      setLoadError(error);
    }
  }, [api, token, applied]);

  useEffect(() => {
    void load();
  }, [load]);

  useEffect(() => {
    if (editing) editRef.current?.querySelector("input")?.focus();
  }, [editing]);

  if (!api.deployed || (loadError instanceof ApiError && loadError.kind === "not_deployed")) {
    return <NotDeployed service="crm" error={loadError} />;
  }

  async function seed() {
    setStatus({ tone: "pending", text: "Seeding sample customers…" });
    try {
      const { data } = await api.post<{ created: number }>("/seed");
      setStatus({
        tone: "success",
        text: data.created ? `Created ${data.created} sample customers.` : "The sample customers were already there: none created.",
      });
      setTokens([null]);
      await load();
    } catch (error) {
      setStatus(errorStatus(error));
    }
  }

  return (
    <div className="grid gap-4 xl:grid-cols-[1fr_26rem]">
      <div className="grid min-w-0 content-start gap-4">
        <Card title="Customers">
          <form
            noValidate
            className="mb-3 flex flex-wrap items-end gap-3"
            onSubmit={(e) => {
              e.preventDefault();
              setTokens([null]);
              setApplied(filters);
            }}
          >
            <Select label="Filter by status" value={filters.status} onChange={(e) => setFilters({ ...filters, status: e.target.value })}>
              <option value="">any</option>
              {STATUSES.map((s) => (
                <option key={s} value={s}>{s}</option>
              ))}
            </Select>
            <Select label="Show" name="sample" value={filters.sample} onChange={(e) => setFilters({ ...filters, sample: e.target.value })}>
              {KINDS.map((k) => (
                <option key={k.value} value={k.value}>{k.label}</option>
              ))}
            </Select>
            <Field label="Filter by e-mail" type="email" value={filters.email} className="min-w-48 grow"
              onChange={(e) => setFilters({ ...filters, email: e.target.value })} />
            <Button type="submit" variant="secondary">Apply</Button>
            {write && <Button onClick={seed} variant="secondary">Seed sample customers</Button>}
          </form>
          <StatusMessage status={status ?? (loadError ? errorStatus(loadError) : null)} testId="customers-status" />
          <div className="relative mt-3 md:overflow-x-auto" role="region" aria-label="Customer list">
            <table className="w-full text-left text-sm md:min-w-[40rem] max-md:block">
              <caption className="sr-only">Customers, page {tokens.length}</caption>
              <thead className="bg-slate-100 text-xs uppercase tracking-wide text-slate-700 max-md:sr-only">
                <tr>
                  <th scope="col" className="px-3 py-2">Name</th>
                  <th scope="col" className="px-3 py-2">E-mail</th>
                  <th scope="col" className="px-3 py-2">Status</th>
                  <th scope="col" className="px-3 py-2">Loyalty</th>
                  <th scope="col" className="px-3 py-2 text-right">Lifetime value</th>
                  {write && <th scope="col" className="px-3 py-2"><span className="sr-only">Actions</span></th>}
                </tr>
              </thead>
              <tbody className="max-md:block">
                {page && ordered(page.customers, created, tokens.length === 1 && !applied.status && !applied.email && !applied.sample).map((customer) => (
                  <CustomerRow
                    key={customer.customer_id}
                    customer={customer}
                    onEdit={() => setEditing(customer)}
                    onDeleted={(s) => {
                      setStatus(s);
                      setCreated(created.filter((c) => c.customer_id !== customer.customer_id));
                      if (editing?.customer_id === customer.customer_id) setEditing(null);
                      void load();
                    }}
                  />
                ))}
              </tbody>
            </table>
            {page && page.customers.length === 0 && <p className="px-3 py-4 text-sm text-slate-600">No customers on this page.</p>}
            {!page && !loadError && <p className="px-3 py-4 text-sm text-slate-600">Loading…</p>}
          </div>
          <nav aria-label="Customer pages" className="mt-3 flex flex-wrap items-center gap-2">
            <Button variant="secondary" disabled={tokens.length === 1} onClick={() => setTokens(tokens.slice(0, -1))}>Previous page</Button>
            <span className="text-sm text-slate-700" aria-live="polite">Page {tokens.length}</span>
            <Button variant="secondary" disabled={!page?.next_token} onClick={() => page?.next_token && setTokens([...tokens, page.next_token])}>
              Next page
            </Button>
          </nav>
        </Card>
      </div>
      <div className="grid content-start gap-4">
        {!write && <ReadOnlyNote>Your role may look customers up; creating, editing, deleting and seeding need the operator role.</ReadOnlyNote>}
        {write && editing && (
          <div ref={editRef}>
            <Card title={`Edit ${editing.first_name} ${editing.last_name}`}>
              <CustomerForm
                key={editing.customer_id}
                original={editing}
                onSaved={(saved) => {
                  setEditing(saved);
                  setCreated(created.map((c) => (c.customer_id === saved.customer_id ? saved : c)));
                  void load();
                }}
                onCancel={() => setEditing(null)}
              />
            </Card>
          </div>
        )}
        {write && (
          <Card title="New customer">
            <CustomerForm
              onSaved={(customer) => {
                setCreated([customer, ...created]);
                void load();
              }}
            />
          </Card>
        )}
      </div>
    </div>
  );
}
