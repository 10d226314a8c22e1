// stripe-node's webhooks.constructEvent (verify + JSON.parse) on the payloads that
// peers/rust wrote, timed as the Rust side times: the median of seven rounds of about 0.2 s.
// Prints `payload<TAB>implementation<TAB>microseconds`, like the Rust side.
const fs = require("fs");
const path = require("path");
const Stripe = require("stripe");

const SECRET = "whsec_peers_bench_secret_0123456789";
const stripe = new Stripe("sk_test_unused");
// Read from the file: the package's `exports` do not include its package.json.
const version = JSON.parse(
  fs.readFileSync(path.join(__dirname, "node_modules", "stripe", "package.json"), "utf8"),
).version;
const dir = path.join(process.argv[2] || "target/peers", "payloads");

function time(call) {
  if (!call()) throw new Error("the call must succeed before it is timed");
  const now = () => Number(process.hrtime.bigint()) / 1e3;
  let start = now();
  let calls = 0;
  while (now() - start < 100e3) {
    call();
    calls += 1;
  }
  const perRound = Math.max(1, calls * 2);
  const rounds = [];
  for (let r = 0; r < 7; r++) {
    start = now();
    for (let i = 0; i < perRound; i++) call();
    rounds.push((now() - start) / perRound);
  }
  rounds.sort((a, b) => a - b);
  return rounds[3];
}

for (const file of fs.readdirSync(dir).sort()) {
  const name = path.basename(file, ".json");
  // A Buffer, as an HTTP server hands the raw body over.
  const body = fs.readFileSync(path.join(dir, file));
  const header = stripe.webhooks.generateTestHeaderString({ payload: body.toString("utf8"), secret: SECRET });
  const micros = time(() => stripe.webhooks.constructEvent(body, header, SECRET).id !== undefined);
  console.log(`${name}\tstripe-node ${version}: webhooks.constructEvent\t${micros.toFixed(2)}`);
}
