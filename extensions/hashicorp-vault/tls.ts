/**
 * A private CA for the server's certificate (`caFile`). fetch has no standard option for it; the
 * runtime adapter gives the fields its fetch takes (Node: an undici dispatcher, Deno: an HTTP client,
 * Bun: `tls.ca`), one set per certificate so every open shares its connections. Edge runtimes have
 * neither files nor such an option: there the server needs a publicly trusted certificate.
 */
import { SecretManagementError } from "../../core/errors.ts";
import type { Runtime } from "../../core/runtime.ts";

export async function tlsInit(runtime: Runtime, caFile: string): Promise<Record<string, unknown>> {
  if (!runtime.fs || !runtime.trustCertificate) {
    throw new SecretManagementError("UNSUPPORTED", `caFile is not supported on the ${runtime.name} runtime`);
  }
  const bytes = runtime.fs.readFile(caFile);
  if (bytes === undefined) {
    throw new SecretManagementError("INVALID_ARGUMENT", `caFile ${caFile} does not exist`);
  }
  const pem = new TextDecoder().decode(bytes);
  if (!pem.includes("-----BEGIN CERTIFICATE-----")) {
    throw new SecretManagementError("INVALID_ARGUMENT", `caFile ${caFile} holds no PEM certificate`);
  }
  const init = await runtime.trustCertificate(pem);
  if (init === undefined) {
    throw new SecretManagementError(
      "UNSUPPORTED",
      `this Node version gives no way to pass caFile to fetch; start Node with NODE_EXTRA_CA_CERTS=${caFile} instead`,
    );
  }
  return init;
}
