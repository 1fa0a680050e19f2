// HTTP API over the JSON file the migration prepared.
import { createServer } from "node:http";
import { readFileSync, renameSync, writeFileSync } from "node:fs";

const file = process.env.DB_FILE;
const port = Number(process.env.PORT);
const load = () => JSON.parse(readFileSync(file, "utf8"));
const save = (db) => {
  writeFileSync(`${file}.tmp`, JSON.stringify(db, null, 2));
  renameSync(`${file}.tmp`, file);
};

const server = createServer((req, res) => {
  const send = (status, body) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  if (req.method === "GET" && req.url === "/whoami") {
    res.writeHead(200, { "content-type": "text/plain" });
    return res.end(process.env.INSTANCE_NAME ?? "");
  }
  if (req.method === "GET" && req.url === "/todos") return send(200, load().todos);
  if (req.method === "POST" && req.url === "/todos") {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      let title;
      try {
        title = JSON.parse(body).title;
      } catch {
        return send(400, { error: 'expected a JSON body like {"title": "..."}' });
      }
      const db = load();
      const todo = {
        id: db.todos.length + 1,
        title,
        done: false,
        createdAt: new Date().toISOString(),
      };
      db.todos.push(todo);
      save(db);
      console.log(`api: created todo ${todo.id} "${title}"`);
      send(201, todo);
    });
    return;
  }
  send(404, { error: `no route for ${req.method} ${req.url}` });
});

// Loopback unless told otherwise: published with `berth publish`, the API runs in a container
// of its own, where berth sets HOST=0.0.0.0 so the worker's container can reach it.
const host = process.env.HOST ?? "127.0.0.1";
server.listen(port, host, () => console.log(`api: listening on http://${host}:${port}`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
