import { packageBuild } from '../../tsup.base';

export default packageBuild({
  'mysql/index': 'src/mysql/index.ts',
  'postgres/index': 'src/postgres/index.ts',
});
