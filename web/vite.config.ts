import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// `npm run dev` proxies the APIs and /config.json to a running `patron dev` (PATRON_URL).
const patron = process.env.PATRON_URL ?? "http://127.0.0.1:3000";

export default defineConfig({
  plugins: [react(), tailwindcss()],
  // amazon-cognito-identity-js bundles buffer@4, which reads Node's `global` (ReferenceError in a browser)
  define: { global: "globalThis" },
  build: { sourcemap: false, chunkSizeWarningLimit: 400 },
  server: {
    proxy: {
      "/config.json": patron,
      // the API base paths only: /enrollments and /preferences are the console's own routes
      "^/(ids|crm|enrollment|marketing|privacy)(/|$)": patron,
    },
  },
});
