import { packageBuild } from '../../tsup.base';

export default packageBuild(['src/index.ts', 'src/global-setup.ts'], {
  dts: false,
  external: ['vitest', '@testcontainers/mysql', '@testcontainers/postgresql'],
});
