// The memory store keeps the same contract as every other backend.
import { createMemoryStore } from "../../src/store/memory/index.js";
import { runStoreContract } from "./contract.js";

runStoreContract("memory", async () => {
  const store = createMemoryStore();
  return { store, cleanup: () => store.close() };
});
