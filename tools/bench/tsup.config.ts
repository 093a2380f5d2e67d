import { packageBuild } from '../../tsup.base';

// Every top-level module is its own entry: index.js loads the optional steps (import.js, verify.js) and
// runs export-child.js in a separate process.
export default packageBuild(['src/*.ts'], {
  dts: false,
  // binlog.js starts its MariaDB through the test harness: load it at run time, do not bundle testcontainers.
  external: ['@conv/testkit'],
});
