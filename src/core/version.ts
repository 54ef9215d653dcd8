// The package version, shown by `--version` and on the agent card.

/** el-ipc's version (kept equal to package.json's by test/cli). */
export const VERSION = "0.1.0";
