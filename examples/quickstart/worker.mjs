// Background worker: every few seconds, adds a job to the API and reports the backlog.
const api = process.env.API_URL;
const interval = Number(process.env.INTERVAL_MS ?? 2000);
let jobs = 0;

async function tick() {
  jobs += 1;
  const created = await fetch(`${api}/todos`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ title: `job ${jobs} from worker` }),
  });
  if (!created.ok) throw new Error(`POST /todos answered ${created.status}`);
  const todos = await (await fetch(`${api}/todos`)).json();
  console.log(`worker: processed job ${jobs}; ${todos.length} todos in the API`);
}

const timer = setInterval(
  () => tick().catch((error) => console.error(`worker: ${error.message}`)),
  interval,
);
void tick().catch((error) => console.error(`worker: ${error.message}`));
process.on("SIGTERM", () => {
  clearInterval(timer);
  console.log(`worker: stopping after ${jobs} jobs`);
  process.exit(0);
});
