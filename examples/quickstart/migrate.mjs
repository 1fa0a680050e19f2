// One-shot task: creates (or upgrades) the JSON "database" the API serves.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

const file = process.env.DB_FILE;
if (!file) {
  console.error("migrate: DB_FILE is not set");
  process.exit(1);
}
mkdirSync(dirname(file), { recursive: true });
const db = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : { version: 0, todos: [] };
if (db.version < 1) {
  db.todos.push({ id: 1, title: "Try berth", done: false, createdAt: new Date().toISOString() });
  db.version = 1;
  console.log("migrate: applied 001_initial (seeded one todo)");
} else {
  console.log(`migrate: database at version ${db.version}, nothing to do`);
}
writeFileSync(`${file}.tmp`, JSON.stringify(db, null, 2));
renameSync(`${file}.tmp`, file);
