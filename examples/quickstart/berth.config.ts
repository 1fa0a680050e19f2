import { defineConfig } from "berth-dev";

/**
 * A small but real app: a one-shot migration prepares the database file, the API serves
 * it once the migration has completed, and a worker calls the API once it is ready.
 */
export default defineConfig({
  services: {
    migrate: {
      command: ["node", "migrate.mjs"],
      oneshot: true,
      env: { DB_FILE: "{{services.api.dataDir}}/todos.json" },
    },
    api: {
      command: ["node", "api.mjs"],
      port: 4310,
      dependsOn: { migrate: "completed" },
      env: {
        DB_FILE: "{{dataDir}}/todos.json",
        INSTANCE_NAME: "{{instance.name}}",
      },
      // The identity endpoint answers with this instance's name, so a different app
      // already on the port is told apart from "not up yet".
      ready: { http: { path: "/whoami", body: "{{instance.name}}" }, timeout: "20s" },
    },
    worker: {
      command: ["node", "worker.mjs"],
      port: false,
      dependsOn: ["api"],
      env: { API_URL: "{{services.api.url}}", INTERVAL_MS: 2000 },
    },
  },
});
