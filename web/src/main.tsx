import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App, Fatal } from "./app";
import { loadConfig } from "./config";
import "./index.css";

const root = createRoot(document.getElementById("root")!);

loadConfig().then(
  (config) =>
    root.render(
      <StrictMode>
        <App config={config} />
      </StrictMode>,
    ),
  (error: unknown) =>
    root.render(
      <Fatal>
        <p className="font-semibold">Cannot load /config.json, the console's runtime configuration.</p>
        <p className="mt-1 text-sm">{error instanceof Error ? error.message : String(error)}</p>
      </Fatal>,
    ),
);
