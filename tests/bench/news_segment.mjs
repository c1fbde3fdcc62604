// `cargo xtask bench`: the live count of a news segment over a network of 10,000 alumni
// (docs/design.md §13), on the relay as it ships. The first count works each member's facts out
// of their profile's parts; later counts read them from the relay's cache, which holds while the
// parts are unchanged. Prints Markdown.
import { Relay } from "../lib/relay.mjs";
import { signIn } from "../lib/automerge_repo.mjs";

const ALUMNI = 10000;
const WARM = 5;

const relay = await Relay.start({ args: ["--demo-alumni", String(ALUMNI)], patience: 600_000 });
try {
  const admin = await signIn(relay.url, "admin@example.com");
  const count = async (segment) => {
    const started = performance.now();
    const res = await fetch(`${relay.url}/api/news/segment`, {
      method: "POST",
      headers: { cookie: admin.cookie, "content-type": "application/json" },
      body: JSON.stringify(segment),
    });
    if (!res.ok) throw new Error(`counting a segment: ${res.status} ${await res.text()}`);
    const { members } = await res.json();
    return { members, ms: performance.now() - started };
  };
  const segment = { left_from: 2018, left_to: 2022, interests: ["rehire"] };
  const cold = await count(segment);
  const everyone = await count({});
  const warm = [];
  for (let i = 0; i < WARM; i++) warm.push((await count(segment)).ms);
  warm.sort((a, b) => a - b);
  const median = warm[Math.floor(WARM / 2)];
  console.log(`\n### News: a segment's live count over ${everyone.members} members\n`);
  console.log("| segment \"left 2018–2022, open to rehire\" | value |\n|---|---:|");
  console.log(`| members it reaches | ${cold.members} |`);
  console.log(`| first count (every profile read) | ${cold.ms.toFixed(0)} ms |`);
  console.log(`| later counts, median of ${WARM} (facts cached) | ${median.toFixed(1)} ms |`);
} finally {
  await relay.stop();
}
