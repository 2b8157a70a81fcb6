// A test vault that keeps its secrets in a JSON file (parameter `path`), so that separate `secret`
// processes see each other's writes. Plain JavaScript so that Node, Deno and Bun all load it as is.
import { readFileSync, writeFileSync } from "node:fs";

const toJson = (value) => {
  if (typeof value === "string") return value;
  if (value instanceof Uint8Array) return { bytes: Buffer.from(value).toString("base64") };
  if (typeof value.username === "string" && typeof value.password === "string" && Object.keys(value).length === 2) {
    return { username: value.username, password: value.password };
  }
  return { map: Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJson(v)])) };
};
const fromJson = (json) => {
  if (typeof json === "string") return json;
  if (json.bytes !== undefined) return new Uint8Array(Buffer.from(json.bytes, "base64"));
  if (json.map !== undefined) return Object.fromEntries(Object.entries(json.map).map(([k, v]) => [k, fromJson(v)]));
  return { username: json.username, password: json.password };
};
const typeOf = (json) => typeof json === "string" ? "string" : json.bytes !== undefined ? "bytes" : json.map !== undefined ? "map" : "credential";
const metaToJson = (m) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, v instanceof Date ? { date: v.toISOString() } : v]));
const metaFromJson = (m) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, typeof v === "object" ? new Date(v.date) : v]));
const matcher = (filter) => {
  const source = [...filter.toLowerCase()].map((c) => c === "*" ? ".*" : c === "?" ? "." : c.replace(/[\\^$.|+()[\]{}]/g, "\\$&")).join("");
  const regex = new RegExp(`^${source}$`, "su");
  return (name) => regex.test(name.toLowerCase());
};

export default (context) => {
  const path = context.parameters.path;
  const load = () => {
    try {
      return JSON.parse(readFileSync(path, "utf8"));
    } catch {
      return {};
    }
  };
  const save = (data) => writeFileSync(path, JSON.stringify(data), { mode: 0o600 });
  return {
    capabilities: { metadata: true, types: ["string", "bytes", "credential", "map"] },
    async getSecret(name) {
      const entry = load()[name.toLowerCase()];
      return entry && fromJson(entry.value);
    },
    async setSecret(name, value, metadata, options) {
      const data = load();
      const existing = data[name.toLowerCase()];
      if (existing && options?.noClobber) {
        const { SecretManagementError } = await import(context.parameters.core);
        throw new SecretManagementError("SECRET_EXISTS", `a secret named "${existing.name}" already exists`);
      }
      data[name.toLowerCase()] = { name, value: toJson(value), metadata: metadata ? metaToJson(metadata) : existing?.metadata ?? {} };
      save(data);
    },
    async removeSecret(name) {
      const data = load();
      if (!data[name.toLowerCase()]) {
        const { SecretManagementError } = await import(context.parameters.core);
        throw new SecretManagementError("SECRET_NOT_FOUND", `no secret named "${name}"`);
      }
      delete data[name.toLowerCase()];
      save(data);
    },
    async getSecretInfo(filter) {
      const matches = matcher(filter);
      return Object.values(load()).filter((e) => matches(e.name))
        .map((e) => ({ name: e.name, type: typeOf(e.value), metadata: metaFromJson(e.metadata) }));
    },
    async setSecretInfo(name, metadata) {
      const data = load();
      const entry = data[name.toLowerCase()];
      if (!entry) {
        const { SecretManagementError } = await import(context.parameters.core);
        throw new SecretManagementError("SECRET_NOT_FOUND", `no secret named "${name}"`);
      }
      entry.metadata = metaToJson(metadata);
      save(data);
    },
    async test() {
      return true;
    },
  };
};
