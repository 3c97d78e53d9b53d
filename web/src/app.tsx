// The shell: signing in (or not), the API key setting, client-side routing among the pages the user's role
// may use, and the layout (the session the pages share is in session.tsx, signing in in auth.ts).
import { type ReactNode, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { SESSION_EXPIRED } from "./api";
import { Auth, SessionExpired, type SignedInUser } from "./auth";
import { type ConsoleConfig, SERVICES } from "./config";
import { CustomersPage } from "./pages/Customers";
import { EnrollmentsPage } from "./pages/Enrollments";
import { IdsPage } from "./pages/Ids";
import { MarketingPage } from "./pages/Marketing";
import { PrivacyPage } from "./pages/Privacy";
import { can, type Role } from "./roles";
import { credentialsOf, type Session, SessionContext } from "./session";
import { SavedSettingsForm } from "./settings";
import { NoRolePage, SignInPage } from "./signin";

// Routes avoid the API base paths (/ids, /crm, /enrollment, /marketing, /privacy), which `patron dev` serves
// on this same origin.
const ROUTES = [
  { path: "/", label: "Customer IDs", title: "Customer IDs", service: "ids", Page: IdsPage },
  { path: "/customers", label: "Customers", title: "Customers", service: "crm", Page: CustomersPage },
  { path: "/enrollments", label: "Enrollments", title: "Enrollments", service: "enrollment", Page: EnrollmentsPage },
  { path: "/preferences", label: "Marketing", title: "Marketing preferences", service: "marketing", Page: MarketingPage },
  { path: "/privacy-requests", label: "Privacy", title: "Privacy requests", service: "privacy", Page: PrivacyPage },
] as const;

type Route = (typeof ROUTES)[number];

/** The pages a role may use: a page is there when the role may read through its API. */
const routesOf = (roles: readonly Role[]): Route[] => ROUTES.filter((r) => can(roles, r.service, "read"));

/** The page of the address bar; another page (the role's first) when the role may not use that one. */
function currentPath(routes: readonly Route[]): string {
  const path = window.location.pathname.replace(/\/+$/, "") || "/";
  if (routes.some((r) => r.path === path)) return path;
  const first = routes[0]?.path ?? "/";
  window.history.replaceState(null, "", first);
  return first;
}

function useRouter(routes: readonly Route[]): [string, (to: string) => void] {
  const [path, setPath] = useState(() => currentPath(routes));
  useEffect(() => {
    const onPop = () => setPath(currentPath(routes));
    window.addEventListener("popstate", onPop);
    return () => window.removeEventListener("popstate", onPop);
  }, [routes]);
  const navigate = useCallback(
    (to: string) => {
      if (to !== window.location.pathname) window.history.pushState(null, "", to);
      setPath(currentPath(routes));
    },
    [routes],
  );
  return [path, navigate];
}

/** Who is signed in, in which role, and the way out. */
function Account({ session }: { session: Session }) {
  const { username, roles } = session.user;
  return (
    <div className="flex items-center gap-3 text-sm" data-testid="account">
      <p>
        <span className="sr-only">Signed in as </span>
        <strong data-testid="account-username">{username}</strong>{" "}
        <span className="rounded-full bg-indigo-700 px-2 py-0.5 text-xs" data-testid="account-role">
          {roles.join(", ")}
        </span>
      </p>
      <button
        type="button"
        onClick={session.signOut}
        className="rounded-md border border-indigo-300 px-3 py-1 font-medium text-white hover:bg-indigo-800"
      >
        Sign out
      </button>
    </div>
  );
}

function KeySettings({ session }: { session: Session }) {
  const [draft, setDraft] = useState(session.apiKey);
  const [shown, setShown] = useState(false);
  const changed = session.apiKey !== session.config.apiKey;
  return (
    <details className="group text-sm" data-testid="key-settings">
      <summary className="cursor-pointer rounded px-2 py-1 text-indigo-100 hover:text-white">
        API key{changed ? " (changed)" : ""}
      </summary>
      <form
        className="mt-2 flex flex-wrap items-end gap-2 rounded-md bg-white p-3 text-slate-900 shadow"
        onSubmit={(event) => {
          event.preventDefault();
          session.setApiKey(draft.trim());
        }}
      >
        <div className="min-w-0 grow">
          <label htmlFor="api-key" className="block text-xs font-medium">
            x-api-key sent with every request (kept in this tab only)
          </label>
          <input
            id="api-key"
            type={shown ? "text" : "password"}
            autoComplete="off"
            spellCheck={false}
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            className="mt-1 block w-full rounded-md border border-slate-300 px-2 py-1 font-mono"
          />
        </div>
        <button type="button" className="rounded-md border border-slate-300 px-3 py-1" onClick={() => setShown(!shown)}>
          {shown ? "Hide" : "Show"}
        </button>
        <button type="submit" className="rounded-md bg-indigo-700 px-3 py-1 font-semibold text-white">
          Use key
        </button>
        <button
          type="button"
          className="rounded-md border border-slate-300 px-3 py-1"
          onClick={() => {
            setDraft(session.config.apiKey);
            session.setApiKey(session.config.apiKey);
          }}
        >
          Reset
        </button>
      </form>
      <SavedSettingsForm />
    </details>
  );
}

type Phase =
  | { name: "restoring" }
  | { name: "signed_out"; notice?: string }
  | { name: "signed_in"; user: SignedInUser };

/** The console: the sign-in page until there is a session (a stored one is restored), then the pages. */
export function Console({ config }: { config: ConsoleConfig }) {
  const auth = useMemo(() => new Auth(config.auth), [config.auth]);
  const [phase, setPhase] = useState<Phase>({ name: "restoring" });

  useEffect(() => {
    let current = true;
    auth.currentUser().then(
      (user) => {
        if (current) setPhase(user ? { name: "signed_in", user } : { name: "signed_out" });
      },
      (error: unknown) => {
        // a stored session that cannot be refreshed is over; one Cognito cannot be reached for is kept
        if (error instanceof SessionExpired) auth.signOut();
        if (current) setPhase({ name: "signed_out", notice: error instanceof Error ? error.message : String(error) });
      },
    );
    return () => {
      current = false;
    };
  }, [auth]);

  const signOut = useCallback(
    (notice?: string) => {
      auth.signOut();
      setPhase({ name: "signed_out", notice });
    },
    [auth],
  );

  if (phase.name === "restoring") return <p className="p-6 text-sm text-slate-600">Loading…</p>;
  if (phase.name === "signed_out") {
    return <SignInPage auth={auth} notice={phase.notice} onSignedIn={(user) => setPhase({ name: "signed_in", user })} />;
  }
  if (phase.user.roles.length === 0) return <NoRolePage user={phase.user} onSignOut={() => signOut()} />;
  return <App config={config} auth={auth} user={phase.user} onSignOut={signOut} />;
}

export function App({
  config,
  auth,
  user,
  onSignOut,
}: {
  config: ConsoleConfig;
  auth: Auth;
  user: SignedInUser;
  onSignOut: (notice?: string) => void;
}) {
  const [apiKey, setApiKey] = useState(config.apiKey);
  const credentials = useMemo(() => credentialsOf(auth, () => onSignOut(SESSION_EXPIRED)), [auth, onSignOut]);
  const session = useMemo<Session>(
    () => ({ config, apiKey, setApiKey, user, credentials, signOut: () => onSignOut() }),
    [config, apiKey, user, credentials, onSignOut],
  );
  const routes = useMemo(() => routesOf(user.roles), [user.roles]);
  const [path, navigate] = useRouter(routes);
  const route = routes.find((r) => r.path === path) ?? routes[0] ?? ROUTES[0];
  const heading = useRef<HTMLHeadingElement>(null);
  const firstRender = useRef(true);

  useEffect(() => {
    document.title = `${route.title} · Patron console`;
    // after a client-side navigation, move focus to the new page's heading (as a page load would)
    if (!firstRender.current) heading.current?.focus();
    firstRender.current = false;
  }, [route]);

  return (
    <SessionContext.Provider value={session}>
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-10 focus:rounded focus:bg-white focus:px-3 focus:py-2"
      >
        Skip to content
      </a>
      <header className="bg-indigo-900 text-white">
        <div className="mx-auto flex max-w-7xl flex-wrap items-center justify-between gap-x-6 gap-y-2 px-4 py-3">
          <p className="text-lg font-bold tracking-tight">Patron console</p>
          <div className="flex flex-wrap items-center gap-x-4 gap-y-2">
            <KeySettings session={session} />
            <Account session={session} />
          </div>
        </div>
        <nav aria-label="Main" className="mx-auto max-w-7xl px-2 pb-2">
          <ul className="flex flex-wrap gap-1">
            {routes.map((r) => {
              const available = config.apis[r.service] !== undefined;
              return (
                <li key={r.path}>
                  <a
                    href={r.path}
                    aria-current={r.path === route.path ? "page" : undefined}
                    onClick={(event) => {
                      if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey || event.button !== 0) return;
                      event.preventDefault();
                      navigate(r.path);
                    }}
                    className="block rounded-md px-3 py-2 text-sm font-medium text-indigo-100 hover:bg-indigo-800 hover:text-white aria-[current=page]:bg-white aria-[current=page]:text-indigo-900"
                  >
                    {r.label}
                    {!available && <span className="ml-1 text-xs opacity-80">(not deployed)</span>}
                  </a>
                </li>
              );
            })}
          </ul>
        </nav>
      </header>
      <main id="main" className="mx-auto max-w-7xl px-4 py-6">
        <h1 ref={heading} tabIndex={-1} className="mb-4 text-2xl font-bold text-slate-900">
          {route.title}
        </h1>
        <route.Page key={route.path} />
      </main>
      <footer className="mx-auto max-w-7xl px-4 pb-8 text-xs text-slate-600">
        APIs on this stage: {SERVICES.filter((s) => config.apis[s] !== undefined).join(", ") || "none"}.
      </footer>
    </SessionContext.Provider>
  );
}

export function Fatal({ children }: { children: ReactNode }) {
  return (
    <main className="mx-auto max-w-xl p-6">
      <h1 className="text-2xl font-bold">Patron console</h1>
      <div role="alert" className="mt-4 rounded-lg border border-rose-300 bg-rose-50 p-4 text-rose-900">
        {children}
      </div>
      <SavedSettingsForm />
    </main>
  );
}
