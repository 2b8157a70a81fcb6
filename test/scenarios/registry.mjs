// Cross-runtime scenario: `<module> <home> <step> [args...]`; prints JSON of what it saw.
const [modulePath, home, step, ...args] = process.argv.slice(2);
const { SecretManagement } = await import(modulePath);
const sm = await SecretManagement.open({ home });
const runtime = sm.runtime.name;
const before = (await sm.getVaults()).map((v) => ({ name: v.name, isDefault: v.isDefault, by: v.description }));
if (step === "register") {
  await sm.registerVault(args[0], "env", { description: runtime });
} else if (step === "default") {
  await sm.setDefaultVault(args[0]);
} else if (step === "unregister") {
  await sm.unregisterVault(args[0]);
} else if (step === "register-many") {
  for (let i = 0; i < Number(args[1]); i++) await sm.registerVault(`${args[0]}-${i}`, "env", { description: runtime });
}
console.log(JSON.stringify({ runtime, before }));
