// The pages before the console: sign in (username and password; on the first sign-in, choose a new
// password), and the page of an account that has no role.
import { type FormEvent, type ReactNode, useEffect, useState } from "react";
import type { Auth, SignedInUser, SignInResult } from "./auth";
import { SavedSettingsForm } from "./settings";
import { Button, Card, Field, type Status, StatusMessage } from "./ui";

function Frame({ children }: { children: ReactNode }) {
  return (
    <main id="main" className="mx-auto max-w-md px-4 py-10">
      <p className="mb-6 text-2xl font-bold tracking-tight text-indigo-900">Patron console</p>
      {children}
    </main>
  );
}

type Complete = Extract<SignInResult, { kind: "new_password" }>["complete"];

function NewPasswordForm({ complete, onSignedIn }: { complete: Complete; onSignedIn: (user: SignedInUser) => void }) {
  const [password, setPassword] = useState("");
  const [again, setAgain] = useState("");
  const [mismatch, setMismatch] = useState<string>();
  const [status, setStatus] = useState<Status | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (password === "") {
      setMismatch("Enter a new password.");
      return;
    }
    if (password !== again) {
      setMismatch("The two passwords differ.");
      return;
    }
    setMismatch(undefined);
    setBusy(true);
    setStatus({ tone: "pending", text: "Setting the new password…" });
    try {
      const result = await complete(password);
      if (result.kind === "signed_in") onSignedIn(result.user);
      else setStatus({ tone: "error", text: "Cognito asked for a new password again: try another one." });
    } catch (error) {
      setStatus({ tone: "error", text: error instanceof Error ? error.message : String(error) });
      setBusy(false);
    }
  }

  return (
    <Card title="Choose a new password">
      <p className="mb-3 text-sm text-slate-700">
        This is your first sign-in: replace the temporary password you were given with one of your own.
      </p>
      <form noValidate onSubmit={submit} aria-busy={busy} data-testid="new-password" className="flex flex-col gap-3">
        <Field label="New password" type="password" autoComplete="new-password" autoFocus value={password}
          onChange={(e) => setPassword(e.target.value)} />
        <Field label="New password, again" type="password" autoComplete="new-password" value={again} error={mismatch}
          onChange={(e) => setAgain(e.target.value)} />
        <Button type="submit" disabled={busy}>Set password and sign in</Button>
        <StatusMessage status={status} testId="new-password-status" />
      </form>
    </Card>
  );
}

/** Username and password; the notice says why the user is here (an expired session). */
export function SignInPage({
  auth,
  notice,
  onSignedIn,
}: {
  auth: Auth;
  notice?: string;
  onSignedIn: (user: SignedInUser) => void;
}) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [status, setStatus] = useState<Status | null>(null);
  const [busy, setBusy] = useState(false);
  const [challenge, setChallenge] = useState<Complete | null>(null);

  useEffect(() => {
    document.title = "Sign in · Patron console";
  }, []);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (username.trim() === "" || password === "") {
      setStatus({ tone: "error", text: "Enter your username and password." });
      return;
    }
    setBusy(true);
    setStatus({ tone: "pending", text: "Signing in…" });
    try {
      const result = await auth.signIn(username.trim(), password);
      setPassword(""); // never kept longer than the sign-in
      if (result.kind === "signed_in") onSignedIn(result.user);
      else setChallenge(() => result.complete);
    } catch (error) {
      setPassword("");
      setStatus({ tone: "error", text: error instanceof Error ? error.message : String(error) });
      setBusy(false);
    }
  }

  return (
    <Frame>
      {notice && (
        <p role="alert" data-testid="signin-notice" className="mb-4 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-950">
          {notice}
        </p>
      )}
      {challenge ? (
        <NewPasswordForm complete={challenge} onSignedIn={onSignedIn} />
      ) : (
        <Card title="Sign in">
          <form noValidate onSubmit={submit} aria-busy={busy} data-testid="sign-in" className="flex flex-col gap-3">
            <Field label="Username" name="username" autoComplete="username" autoCapitalize="none" spellCheck={false}
              autoFocus value={username} onChange={(e) => setUsername(e.target.value)} />
            <Field label="Password" name="password" type="password" autoComplete="current-password" value={password}
              onChange={(e) => setPassword(e.target.value)} />
            <Button type="submit" disabled={busy}>Sign in</Button>
            <StatusMessage status={status} testId="sign-in-status" />
          </form>
          <p className="mt-3 text-xs text-slate-600">Accounts are created by an administrator of this stage.</p>
        </Card>
      )}
      <details className="mt-6 text-sm" data-testid="connection-settings">
        <summary className="cursor-pointer text-slate-700">Connection settings</summary>
        <SavedSettingsForm />
      </details>
    </Frame>
  );
}

/** Signed in, but in no group that is a role: nothing the console can offer. */
export function NoRolePage({ user, onSignOut }: { user: SignedInUser; onSignOut: () => void }) {
  useEffect(() => {
    document.title = "No role · Patron console";
  }, []);
  return (
    <Frame>
      <div role="alert" data-testid="no-role" className="rounded-lg border border-amber-300 bg-amber-50 p-4 text-amber-950">
        <h1 className="text-lg font-semibold">Your account has no role</h1>
        <p className="mt-2 text-sm">
          You are signed in as <strong>{user.username}</strong>, but your account is in none of the groups that give a role
          (viewer, operator, privacy, admin), so there is nothing you may do here yet. Ask an administrator of this stage
          to add you to the group of your role, then sign in again.
        </p>
      </div>
      <Button variant="secondary" className="mt-4" onClick={onSignOut}>
        Sign out
      </Button>
    </Frame>
  );
}
