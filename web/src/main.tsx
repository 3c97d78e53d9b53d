import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { Console, Fatal } from "./app";
import { startingConfig } from "./config";
import "./index.css";

const root = createRoot(document.getElementById("root")!);

startingConfig().then(
  (config) =>
    root.render(
      <StrictMode>
        <Console config={config} />
      </StrictMode>,
    ),
  (error: unknown) =>
    root.render(
      <Fatal>
        <p className="font-semibold">Cannot load /config.json, the console's runtime configuration.</p>
        <p className="mt-1 text-sm">{error instanceof Error ? error.message : String(error)}</p>
        <p className="mt-1 text-sm">Served from elsewhere? Give the API base URL and key below.</p>
      </Fatal>,
    ),
);
