import { describe, expect, it } from "vitest";
import { SecretManagement } from "../mod.ts";
import { variableName } from "../extensions/env/mod.ts";
import { tempHome } from "./helpers/home.ts";

describe("env vault", () => {
  it("maps names to PREFIX_NAME variables", () => {
    expect(variableName("APP", "db-password")).toBe("APP_DB_PASSWORD");
    expect(variableName("", "Api.Key")).toBe("API_KEY");
  });

  it("reads variables, lists them without the prefix, and refuses every write with UNSUPPORTED", async () => {
    process.env.SMTEST_DB_PASSWORD = "from-env ✓";
    process.env.SMTEST_TOKEN = "t";
    try {
      const sm = await SecretManagement.open({ home: tempHome("env") });
      await sm.registerVault("env", "env", { parameters: { prefix: "SMTEST" } });
      expect(await sm.getSecret("db-password")).toBe("from-env ✓");
      expect(await sm.getSecret("DB_PASSWORD", { vault: "env" })).toBe("from-env ✓");
      await expect(sm.getSecret("absent", { vault: "env" })).rejects.toMatchObject({ code: "SECRET_NOT_FOUND" });
      expect((await sm.getSecretInfo("*", { vault: "env" })).map((i) => [i.name, i.type])).toEqual([
        ["DB_PASSWORD", "string"],
        ["TOKEN", "string"],
      ]);
      await expect(sm.setSecret("x", "y", { vault: "env" })).rejects.toMatchObject({ code: "UNSUPPORTED" });
      await expect(sm.removeSecret("TOKEN", { vault: "env" })).rejects.toMatchObject({ code: "UNSUPPORTED" });
      await expect(sm.setSecretInfo("TOKEN", {}, { vault: "env" })).rejects.toMatchObject({ code: "UNSUPPORTED" });
      expect(process.env.SMTEST_TOKEN).toBe("t");
      expect(await sm.testVault("env")).toBe(true);
    } finally {
      delete process.env.SMTEST_DB_PASSWORD;
      delete process.env.SMTEST_TOKEN;
    }
  });

  it("refuses an invalid prefix at registration", async () => {
    const sm = await SecretManagement.open({ home: tempHome("env") });
    await expect(sm.registerVault("e", "env", { parameters: { prefix: "A-B" } })).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
    });
  });

  it("refuses unknown parameters at registration, listing the known one", async () => {
    const sm = await SecretManagement.open({ home: tempHome("env") });
    await expect(sm.registerVault("e", "env", { parameters: { prefx: "APP" } })).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
      message: expect.stringContaining("known: prefix"),
    });
    expect(await sm.getVaults()).toEqual([]);
  });
});
