// Connection settings kept in this browser: for a console served from elsewhere (a static host, another
// port) whose stage gives it no config.json. One base URL serves every API under /<service>.
import { useState } from "react";
import { saveSettings, savedSettings } from "./config";

export function SavedSettingsForm({ onSaved = () => window.location.reload() }: { onSaved?: () => void }) {
  const saved = savedSettings();
  const [baseUrl, setBaseUrl] = useState(saved?.baseUrl ?? "");
  const [apiKey, setApiKey] = useState(saved?.apiKey ?? "");
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
        saveSettings({ baseUrl: url.toString().replace(/\/+$/, ""), apiKey: apiKey.trim() });
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
