// PostGraphile 5 over the bench database, read-only, as the row-level-security role
// `dangjian_peer`; the caller's subtree comes from the `scope_path` claim of an HS256 JWT
// verified here with the bench's secret (node:crypto, no other dependency).
// Env: DATABASE_URL, JWT_SECRET, PORT. Started by bench/peer.py.
import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";
import { postgraphile } from "postgraphile";
import { makePgService } from "postgraphile/adaptors/pg";
import { grafserv } from "postgraphile/grafserv/node";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";

const secret = process.env.JWT_SECRET;

function claims(header) {
  const token = /^Bearer (.+)$/.exec(header ?? "")?.[1];
  const [head, body, signature] = token?.split(".") ?? [];
  if (!signature) return null;
  const expected = createHmac("sha256", secret).update(`${head}.${body}`).digest();
  const given = Buffer.from(signature, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  if (JSON.parse(Buffer.from(head, "base64url")).alg !== "HS256") return null;
  const payload = JSON.parse(Buffer.from(body, "base64url"));
  return payload.exp > Date.now() / 1000 ? payload : null;
}

const preset = {
  extends: [PostGraphileAmberPreset],
  disablePlugins: ["PgMutationCreatePlugin", "PgMutationUpdateDeletePlugin"],
  pgServices: [makePgService({ connectionString: process.env.DATABASE_URL, schemas: ["public"] })],
  grafserv: { port: Number(process.env.PORT), graphiql: false, watch: false },
  grafast: {
    explain: false,
    context(requestContext) {
      const scope = claims(requestContext.node?.req.headers.authorization)?.scope_path;
      // no valid token: the role still applies, with no subtree, so no rows
      return { pgSettings: { role: "dangjian_peer", "dangjian.scope_path": scope ?? "" } };
    },
  },
};

const serv = postgraphile(preset).createServ(grafserv);
const server = createServer();
server.on("error", (e) => { console.error(e); process.exit(1); });
await serv.addTo(server);
server.listen(Number(process.env.PORT), "127.0.0.1");
