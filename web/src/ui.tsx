// Small, accessible building blocks shared by every page.
import { type ComponentProps, type ReactNode, useId } from "react";
import { ApiError, describeError } from "./api";

export type Tone = "success" | "error" | "info" | "pending";

export interface Status {
  tone: Tone;
  text: string;
}

export function errorStatus(error: unknown): Status {
  return { tone: "error", text: describeError(error) };
}

/** The status line of a form whose submit failed. One message per fault: when every error the API named is
shown next to its field (`fields`), the line only points there; anything else says what happened. */
export function formErrorStatus(error: unknown, fields: readonly string[]): Status {
  if (error instanceof ApiError && error.kind === "validation" && error.details.length > 0) {
    const shown = error.details.filter((d) => fields.some((k) => d.field === k || d.field.endsWith(`.${k}`)));
    if (shown.length === error.details.length) {
      return { tone: "error", text: shown.length === 1 ? "Check the highlighted field." : "Check the highlighted fields." };
    }
  }
  return errorStatus(error);
}

const TONES: Record<Tone, string> = {
  success: "border-emerald-300 bg-emerald-50 text-emerald-900",
  error: "border-rose-300 bg-rose-50 text-rose-900",
  info: "border-sky-300 bg-sky-50 text-sky-900",
  pending: "border-amber-300 bg-amber-50 text-amber-900",
};

const LABELS: Record<Tone, string> = { success: "Success", error: "Error", info: "Info", pending: "Working" };

/** A polite live region: always in the DOM, so screen readers announce what appears in it. */
export function StatusMessage({ status, testId }: { status: Status | null; testId?: string }) {
  return (
    <div role="status" aria-live="polite" aria-atomic="true" data-testid={testId} className="min-h-0">
      {status && (
        <p data-tone={status.tone} className={`mt-3 rounded-md border px-3 py-2 text-sm ${TONES[status.tone]}`}>
          <span className="font-semibold">{LABELS[status.tone]}: </span>
          {status.text}
        </p>
      )}
    </div>
  );
}

export function Card({
  title,
  children,
  headingLevel = 2,
  className = "",
}: {
  title: string;
  children: ReactNode;
  headingLevel?: 2 | 3;
  className?: string;
}) {
  const id = useId();
  const Heading = headingLevel === 2 ? "h2" : "h3";
  return (
    <section aria-labelledby={id} className={`min-w-0 rounded-lg border border-slate-200 bg-white p-4 shadow-sm sm:p-5 ${className}`}>
      <Heading id={id} className="mb-3 text-lg font-semibold text-slate-900">
        {title}
      </Heading>
      {children}
    </section>
  );
}

const inputClass =
  "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-base text-slate-900 shadow-sm " +
  "aria-[invalid=true]:border-rose-500 aria-[invalid=true]:bg-rose-50";

interface FieldProps extends Omit<ComponentProps<"input">, "id"> {
  label: string;
  error?: string;
  hint?: string;
}

/** A labelled input with its hint and its error (from the API) announced with it. */
export function Field({ label, error, hint, className, ...input }: FieldProps) {
  const id = useId();
  // one message per fault: an error replaces the hint
  const described = (error ? `${id}-error` : hint && `${id}-hint`) || undefined;
  return (
    <div className={className}>
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      <input id={id} aria-invalid={error ? true : undefined} aria-describedby={described} className={inputClass} {...input} />
      {hint && !error && (
        <p id={`${id}-hint`} className="mt-1 text-xs text-slate-600">
          {hint}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} className="mt-1 text-sm font-medium text-rose-700">
          {error}
        </p>
      )}
    </div>
  );
}

interface SelectProps extends Omit<ComponentProps<"select">, "id"> {
  label: string;
  error?: string;
}

export function Select({ label, error, className, children, ...select }: SelectProps) {
  const id = useId();
  return (
    <div className={className}>
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      <select
        id={id}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
        className={inputClass}
        {...select}
      >
        {children}
      </select>
      {error && (
        <p id={`${id}-error`} className="mt-1 text-sm font-medium text-rose-700">
          {error}
        </p>
      )}
    </div>
  );
}

const VARIANTS = {
  primary: "bg-indigo-700 text-white hover:bg-indigo-800 disabled:bg-indigo-300",
  secondary: "border border-slate-300 bg-white text-slate-900 hover:bg-slate-100 disabled:text-slate-400",
  danger: "bg-rose-700 text-white hover:bg-rose-800 disabled:bg-rose-300",
};

export function Button({
  variant = "primary",
  className = "",
  ...button
}: ComponentProps<"button"> & { variant?: keyof typeof VARIANTS }) {
  return (
    <button
      type="button"
      className={`inline-flex min-h-10 items-center justify-center whitespace-nowrap rounded-md px-4 py-2 text-sm font-semibold shadow-sm disabled:cursor-not-allowed ${VARIANTS[variant]} ${className}`}
      {...button}
    />
  );
}

/** What a page shows instead of its forms when its API is not deployed on this stage. */
export function NotDeployed({ service, error }: { service: string; error?: unknown }) {
  return (
    <div role="status" className="rounded-lg border border-amber-300 bg-amber-50 p-4 text-amber-950" data-testid="not-deployed">
      <p className="font-semibold">The {service} API is not available on this stage.</p>
      <p className="mt-1 text-sm">
        {error instanceof ApiError && error.kind !== "not_deployed"
          ? describeError(error)
          : `config.json has no base URL for it, or the API has no such route yet. The other pages still work.`}
      </p>
    </div>
  );
}

/** Field errors that match no input of the form, listed under it. */
export function OtherFieldErrors({ error, known }: { error: unknown; known: readonly string[] }) {
  if (!(error instanceof ApiError)) return null;
  const others = error.details.filter((d) => !known.some((k) => d.field === k || d.field.endsWith(`.${k}`)));
  if (others.length === 0) return null;
  return (
    <ul className="mt-2 list-disc pl-5 text-sm text-rose-700">
      {others.map((d, i) => (
        <li key={i}>{d.field ? `${d.field}: ${d.message}` : d.message}</li>
      ))}
    </ul>
  );
}

/** Where a page leaves out the controls the user's role may not use: says so, and which role may. */
export function ReadOnlyNote({ children }: { children: ReactNode }) {
  return (
    <p data-testid="read-only" className="self-start rounded-md border border-slate-200 bg-slate-50 px-3 py-2 text-sm text-slate-700">
      {children}
    </p>
  );
}
