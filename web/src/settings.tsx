// Connection settings kept in this browser: for a console served from elsewhere (a static host, another
// port) whose stage gives it no config.json. One base URL serves every API under /<service>; users sign in
// to the stage's user pool through its console app client (ids only: no secret is asked for or kept).
import { useState } from "react";
import { saveSettings, savedSettings } from "./config";

const POOL_ID = /^[\w-]+_[0-9a-zA-Z]+$/; // region_id, as amazon-cognito-identity-js checks it

export function SavedSettingsForm({ onSaved = () => window.location.reload() }: { onSaved?: () => void }) {
  const saved = savedSettings();
  const [baseUrl, setBaseUrl] = useState(saved?.baseUrl ?? "");
  const [apiKey, setApiKey] = useState(saved?.apiKey ?? "");
  const [userPoolId, setUserPoolId] = useState(saved?.userPoolId ?? "");
  const [clientId, setClientId] = useState(saved?.clientId ?? "");
  const [authEndpoint, setAuthEndpoint] = useState(saved?.authEndpoint ?? "");
  const [error, setError] = useState<string>();

  return (
    <form
      noValidate
      data-testid="saved-settings"
      className="mt-2 grid gap-2 rounded-md bg-white p-3 text-sm text-slate-900 shadow"
      onSubmit={(event) => {
        event.preventDefault();
        let url: URL;
        try {
          url = new URL(baseUrl.trim());
        } catch {
          setError("Enter the API base URL, e.g. http://127.0.0.1:3000");
          return;
        }
        if (!/^https?:$/.test(url.protocol)) {
          setError("The API base URL starts with http:// or https://");
          return;
        }
        if (apiKey.trim() === "") {
          setError("Enter the API key (x-api-key).");
          return;
        }
        if (!POOL_ID.test(userPoolId.trim())) {
          setError("Enter the user pool id, e.g. us-east-1_AbCdEf123");
          return;
        }
        if (clientId.trim() === "") {
          setError("Enter the console's app client id.");
          return;
        }
        const endpoint = authEndpoint.trim();
        if (endpoint !== "" && !/^https?:\/\//.test(endpoint)) {
          setError("The Cognito endpoint starts with http:// or https://");
          return;
        }
        saveSettings({
          baseUrl: url.toString().replace(/\/+$/, ""),
          apiKey: apiKey.trim(),
          userPoolId: userPoolId.trim(),
          clientId: clientId.trim(),
          ...(endpoint ? { authEndpoint: endpoint } : {}),
        });
        onSaved();
      }}
    >
      <p className="text-xs font-medium">Connection saved in this browser (instead of the stage's config.json)</p>
      <label className="block text-xs font-medium" htmlFor="saved-base-url">
        API base URL (every API under it: /ids, /crm, /enrollment, /marketing, /privacy)
      </label>
      <input
        id="saved-base-url"
        type="url"
        value={baseUrl}
        placeholder="http://127.0.0.1:3000"
        onChange={(e) => setBaseUrl(e.target.value)}
        className="block w-full rounded-md border border-slate-300 px-2 py-1 font-mono"
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? "saved-settings-error" : undefined}
      />
      <label className="block text-xs font-medium" htmlFor="saved-api-key">
        API key to save (x-api-key)
      </label>
      <input
        id="saved-api-key"
        type="password"
        autoComplete="off"
        value={apiKey}
        onChange={(e) => setApiKey(e.target.value)}
        className="block w-full rounded-md border border-slate-300 px-2 py-1 font-mono"
      />
      <label className="block text-xs font-medium" htmlFor="saved-user-pool">
        User pool id (where users sign in)
      </label>
      <input
        id="saved-user-pool"
        value={userPoolId}
        placeholder="us-east-1_AbCdEf123"
        spellCheck={false}
        onChange={(e) => setUserPoolId(e.target.value)}
        className="block w-full rounded-md border border-slate-300 px-2 py-1 font-mono"
      />
      <label className="block text-xs font-medium" htmlFor="saved-client-id">
        App client id of the console
      </label>
      <input
        id="saved-client-id"
        value={clientId}
        spellCheck={false}
        onChange={(e) => setClientId(e.target.value)}
        className="block w-full rounded-md border border-slate-300 px-2 py-1 font-mono"
      />
      <label className="block text-xs font-medium" htmlFor="saved-auth-endpoint">
        Cognito endpoint (a local cloud's AWS endpoint; empty on AWS)
      </label>
      <input
        id="saved-auth-endpoint"
        type="url"
        value={authEndpoint}
        placeholder="http://127.0.0.1:4566"
        onChange={(e) => setAuthEndpoint(e.target.value)}
        className="block w-full rounded-md border border-slate-300 px-2 py-1 font-mono"
      />
      {error && (
        <p id="saved-settings-error" className="text-sm font-medium text-rose-700">
          {error}
        </p>
      )}
      <div className="flex flex-wrap gap-2">
        <button type="submit" className="rounded-md bg-indigo-700 px-3 py-1 font-semibold text-white">
          Save and reload
        </button>
        {saved && (
          <button
            type="button"
            className="rounded-md border border-slate-300 px-3 py-1"
            onClick={() => {
              saveSettings(null);
              onSaved();
            }}
          >
            Forget saved settings
          </button>
        )}
      </div>
    </form>
  );
}
