// The agent workload every system runs: a top-level "agent" that awaits three
// children in sequence. Only the bodies live here; each system wraps them its own way.

const LOREM =
  'Retrieval augmented generation grounds a model in documents fetched for the query at hand; ' +
  'each passage carries an id, a title and roughly two hundred characters of text like this one here.';

/** Five documents' texts (~200 characters each), built once so every system does the same work. */
export const TEXTS = Array.from({ length: 5 }, (_, i) => `${LOREM} [${i}]`.padEnd(200, '.').slice(0, 200));

/** Queries cycled through by the driver (no allocation per call). */
export const QUERIES = Array.from({ length: 16 }, (_, i) => `How do I reset my password on device ${i}?`);

/** Returns 5 `{id, title, text}` documents. */
export async function retrieve(query) {
  const docs = [];
  for (let i = 0; i < 5; i++) docs.push({ id: `doc-${i}`, title: `Result ${i} for ${query.length}`, text: TEXTS[i] });
  return docs;
}

/** Returns the same array (a ranking that keeps the order). */
export async function rank(docs) {
  return docs;
}

/** Returns a ~300-character answer. */
export async function generate(query, docs) {
  let answer = `Answer to "${query}" based on ${docs.length} documents: `;
  for (const doc of docs) answer += `${doc.title} (${doc.id}); `;
  return answer.padEnd(300, '.');
}

/** The agent's body, given the three (possibly traced) children. */
export async function agentBody(children, query) {
  const docs = await children.retrieve(query);
  const ranked = await children.rank(docs);
  return children.generate(query, ranked);
}
