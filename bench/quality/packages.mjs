// The packages the code-retrieval sets are built from, pinned by version and by the sha256 of the
// archive their registry serves (fetch.mjs checks it before anything is read).
//
// EVALUATION: the sets that bench/quality measures (build-sets.mjs). Chosen for breadth (popular
// packages of different domains), before any result was seen, and never changed to move a figure.
// TRAINING: a separate, smaller list per language whose functions make a training corpus for work that
// fits anything (a static embedding table, say). No package, nor any package of the same project,
// is in both: assertDisjoint() checks the names, and build-sets.mjs drops a training function whose
// code is also in an evaluation set.
//
// Python's evaluation set is this interpreter's standard library (bench/corpus/); no other
// language's standard library is used. Licences are as each package declares them (package.json,
// Cargo.toml, the pom or the module's LICENSE file), read when it was pinned.
//
// `dirs`: the folders of the package that are read (default: all of it); `skip`: file names left out.

/** @typedef {{registry: string, name: string, version: string, sha256: string, license: string, domain?: string, dirs?: string[], skip?: RegExp, file?: string}} Pin */

const npm = (name, version, sha256, license, domain, more = {}) => ({
  registry: 'npm',
  name,
  version,
  sha256,
  license,
  domain,
  ...more,
})
const go = (name, version, sha256, license, domain) => ({ registry: 'go', name, version, sha256, license, domain })
const maven = (name, version, sha256, license, domain) => ({
  registry: 'maven',
  name,
  version,
  sha256,
  license,
  domain,
})
const crate = (name, version, sha256, license, domain) => ({
  registry: 'crate',
  name,
  version,
  sha256,
  license,
  domain,
})
const pypi = (name, version, file, sha256, license, domain) => ({
  registry: 'pypi',
  name,
  version,
  file,
  sha256,
  license,
  domain,
})

/** @type {Record<string, Pin[]>} */
export const EVALUATION = {
  // python: this interpreter's standard library (bench/corpus/extract_python.py), not a pin.
  javascript: [
    npm('lodash', '4.17.21', '6a087ac9e5702a0c9d60fbcd48696012646ec8df1491dea472b150e79fcaf804', 'MIT', 'utilities', {
      dirs: ['.'],
      skip: /^(lodash|core|fp)(\.min)?\.js$/,
    }),
    npm('ramda', '0.30.1', '76a1e5c64d5e46c58067f90fb556f7e803bcc741228312ce8bb88035a2157d9a', 'MIT', 'functional', {
      dirs: ['src'],
    }),
    npm('async', '3.2.6', '6bb45cfba08cd2eea39eb3ce6eaa94113070fe137ec0bd4a9f122be9a0250e6f', 'MIT', 'control flow', {
      dirs: ['.', 'internal'],
    }),
    npm('date-fns', '4.1.0', '90718290bbf34bf3d0c80bb70456e0069e0cc547caccaf1464fe42f1f602c460', 'MIT', 'dates', {
      dirs: ['.'],
      skip: /\.cjs$/,
    }),
    npm('mathjs', '13.2.0', '95bd067be586f561190e485b151778c853116fd059671aa03106dc84f3c8f1f8', 'Apache-2.0', 'math', {
      dirs: ['lib/esm'],
    }),
    npm('axios', '1.7.7', '5f2dde3882446ea1cb5094dd7db99b4ed7cf09f0c96be646a8d30959b0923bec', 'MIT', 'http client', {
      dirs: ['lib'],
    }),
    npm('express', '4.21.1', '4097da0999b7078263460df02b0990244794d84e79e185e6d4ff50ce06d79462', 'MIT', 'web server', {
      dirs: ['lib'],
    }),
    npm('moment', '2.30.1', '52219a9fee5e1faade4c72536c173c54cedd5e2619272dd0c251a30aeafcde8c', 'MIT', 'dates', {
      dirs: ['src/lib'],
    }),
    npm(
      'validator',
      '13.12.0',
      '9189b3c1d90b55e4822c4106504b16ce77a431267d17abb9527e4f1b1400ae13',
      'MIT',
      'validation',
      { dirs: ['es/lib'] },
    ),
  ],
  go: [
    go(
      'github.com/gin-gonic/gin',
      'v1.10.0',
      'c983efe780ee7c250a287eb26f228e0f7b77667c5ff9f4448cd54f05d28f5e70',
      'MIT',
      'web framework',
    ),
    go(
      'github.com/spf13/cobra',
      'v1.8.1',
      'bf27a276f87257c93bc057309df30265a19beefc3d5fc887cbd8fc99ad35466a',
      'Apache-2.0',
      'command line',
    ),
    go(
      'github.com/spf13/viper',
      'v1.19.0',
      '5b773a712a646ff2f1bca4c45d50853e881ad8f6c363ca30fab1c4a9b19e59b2',
      'MIT',
      'configuration',
    ),
    go(
      'github.com/prometheus/client_golang',
      'v1.20.5',
      'b76de10864f49c87a347b9a3e6fe606c1f93ed091de7d0d1d17a5967a60f5ce2',
      'Apache-2.0',
      'metrics',
    ),
    go(
      'go.uber.org/zap',
      'v1.27.0',
      'b994b96ff0bb504a3d58288ab88b9f3c6604689ea1afb69d25b509769705a6c2',
      'MIT',
      'logging',
    ),
    go(
      'github.com/redis/go-redis/v9',
      'v9.7.0',
      '51fe9ef07d73cbea5bbee29af2c0847535acce1d0a825c0dd69edfc9b8a86e4e',
      'BSD-2-Clause',
      'database client',
    ),
    go(
      'github.com/jackc/pgx/v5',
      'v5.7.1',
      '84af0c4f579bb7a19e6e89b31c6d5a6ba547ac6cf2374756d5c84ea2cb3d3f32',
      'MIT',
      'database driver',
    ),
    go(
      'gonum.org/v1/gonum',
      'v0.15.1',
      '7a1b124a144b2c97a29829464d4b7258e04235c1fb14bbcea902086618414a43',
      'BSD-3-Clause',
      'numerics',
    ),
    go(
      'github.com/yuin/goldmark',
      'v1.7.8',
      'a3b80d641264c40cac795f578066fa20c7cd17d2f0abdc6c5e6f5771a68cdcb8',
      'MIT',
      'markdown',
    ),
    go(
      'github.com/klauspost/compress',
      'v1.17.11',
      '88dea800cc6a11ccb9dd2f0dd487f30e8701870abdfc11245e41dcfc9f3d428e',
      'BSD-3-Clause AND Apache-2.0',
      'compression',
    ),
    go(
      'github.com/shopspring/decimal',
      'v1.4.0',
      '751d4cd3460984afc72973d2a0df56ed9b10499c5cd0508d7f2207245d9e3315',
      'MIT',
      'decimal arithmetic',
    ),
    go(
      'github.com/google/uuid',
      'v1.6.0',
      'd0f02f377217f42702e259684e06441edbf5140dddcc34ba9bea56038b38a6ed',
      'BSD-3-Clause',
      'identifiers',
    ),
    go(
      'github.com/gorilla/mux',
      'v1.8.1',
      '728243623caa67f64e4a0b6c59dde3f762918d9e729266167ba46d8df56c193a',
      'BSD-3-Clause',
      'http routing',
    ),
    go(
      'github.com/BurntSushi/toml',
      'v1.4.0',
      'd9274d5bffdb7ff09889055b42d9e123783565ee776d63a7315219ec15a98276',
      'MIT',
      'toml',
    ),
    go(
      'github.com/hashicorp/golang-lru/v2',
      'v2.0.7',
      '2eb92ff13970bccd460efae14255bfc03bb51474da0137e477a60f95561acc30',
      'MPL-2.0',
      'caching',
    ),
    go(
      'github.com/Masterminds/semver/v3',
      'v3.3.0',
      'b492e8f6fa4c8240234a6d5095521f75d9e2e7c52672b90b5afde533281b540f',
      'MIT',
      'versions',
    ),
  ],
  java: [
    maven(
      'com.google.guava:guava',
      '33.3.1-jre',
      'b7cbdad958b791f2a036abff7724570bf9836531c460966f8a3d0df8eaa1c21d',
      'Apache-2.0',
      'core utilities',
    ),
    maven(
      'org.apache.commons:commons-lang3',
      '3.17.0',
      '5fdcac21ad329766054a95367d7583dfcdca737d221d5e01a5f2a198c04c6b18',
      'Apache-2.0',
      'strings and objects',
    ),
    maven(
      'commons-io:commons-io',
      '2.17.0',
      '7063020faaa2b0841cf4d197fc5041c388f7bd539eed2ee182f78b595cb463eb',
      'Apache-2.0',
      'files and streams',
    ),
    maven(
      'org.apache.commons:commons-math3',
      '3.6.1',
      'e2ff85a3c360d56c51a7021614a194f3fbaf224054642ac535016f118322934d',
      'Apache-2.0',
      'math and statistics',
    ),
    maven(
      'org.apache.commons:commons-collections4',
      '4.4',
      '93b4ff13ee810830a247dfa83bf5b73c401a591af4c11f3efb9b9da581e70452',
      'Apache-2.0',
      'collections',
    ),
    maven(
      'com.google.code.gson:gson',
      '2.11.0',
      '49a853f71bc874ee1898a4ad5009b57d0c536e5a998b3890253ffbf4b7276ad3',
      'Apache-2.0',
      'json',
    ),
    maven(
      'com.fasterxml.jackson.core:jackson-databind',
      '2.18.0',
      '0531788c8193e81e40e16ff7c16401d7c5cb629ed493bb13d091d980bc425123',
      'Apache-2.0',
      'json binding',
    ),
    maven(
      'org.jsoup:jsoup',
      '1.18.1',
      'e145c1a259fe76a3570ea2d2e8e779367f4e5eb1ca86295990a5dfabe87e4d0e',
      'MIT',
      'html parsing',
    ),
    maven(
      'joda-time:joda-time',
      '2.13.0',
      '01b8181284ec774ac34ae3b831c6c9c1750c6e9760df8a9560d58e3849dafb1c',
      'Apache-2.0',
      'dates',
    ),
    maven(
      'org.slf4j:slf4j-api',
      '2.0.16',
      'd938ad56953d65bd0806f75d17535fa32b1fc5078051212e0b010f69ec43f8cb',
      'MIT',
      'logging',
    ),
    maven(
      'io.netty:netty-buffer',
      '4.1.114.Final',
      '62bec4230845ec978832f602b9a118b57955cf816da07b99fccd33430d5da3a8',
      'Apache-2.0',
      'network buffers',
    ),
    maven(
      'org.apache.httpcomponents.core5:httpcore5',
      '5.3',
      '59bf7c95074604c1fc89fa329675d0f82f19c584de88c12b2461bbcddc496309',
      'Apache-2.0',
      'http',
    ),
  ],
  typescript: [
    npm(
      'rxjs',
      '7.8.1',
      'c532167725ab7d085123209156c93cef22f2479cb9c8527060f1cd903aa9d149',
      'Apache-2.0',
      'reactive streams',
      { dirs: ['src'] },
    ),
    npm(
      'effect',
      '3.10.0',
      '624f9620d493535bdaff102720f4425be541f94f90be0e356e93af85bdb68799',
      'MIT',
      'functional runtime',
      { dirs: ['src'] },
    ),
    npm(
      'immer',
      '10.1.1',
      '946cc79684ad1e080b09d4f2da14247b272aa667f3aaa100f35846148689f08f',
      'MIT',
      'immutable state',
      { dirs: ['src'] },
    ),
    npm(
      'mobx',
      '6.13.5',
      'b85a7f765065c081724a7c49e91f59950151607b2f1c5a77c8ec4231f7129a1b',
      'MIT',
      'observable state',
      { dirs: ['src'] },
    ),
    npm(
      '@reduxjs/toolkit',
      '2.3.0',
      '08b1d2ee2734db303144369c3bf908fc92269c6540673fbbd2b2af51021e1f76',
      'MIT',
      'state management',
      { dirs: ['src'] },
    ),
    npm(
      '@tanstack/query-core',
      '5.59.0',
      '2586579316ffc0957be3c4c33e2f9dfa7732b55c15013b7139244d2ab60d27fc',
      'MIT',
      'data fetching',
      { dirs: ['src'] },
    ),
    npm('@trpc/server', '10.45.2', '7b861ef0a4410e1f988645c29a7680be8c860b459136716e3b91941c0fd1783e', 'MIT', 'rpc', {
      dirs: ['src'],
    }),
    npm(
      'ethers',
      '6.13.4',
      '32aad3770eafe954d29bbb9fb44d16bddf1bb2c2d5c3b575a3ec5ca5b4fd8a1a',
      'MIT',
      'blockchain client',
      { dirs: ['src.ts'] },
    ),
    npm(
      '@grpc/grpc-js',
      '1.12.2',
      'a1066ca50bdd81ea3c9815ac0f4b1a0d5ad79360728d5a332f7b823797391f1b',
      'Apache-2.0',
      'rpc and networking',
      { dirs: ['src'] },
    ),
    npm(
      '@azure/msal-common',
      '14.15.0',
      '7a6a5b2dafbaaea0e99996be30fcc246ea75f41196b1416b66c6983a9e4ac0c0',
      'MIT',
      'authentication',
      { dirs: ['src'] },
    ),
    npm(
      '@tiptap/core',
      '2.8.0',
      '90adb8d02d76a9b01ce6ad981d4608a0a29cd781747d671e21bc1c3fbd3bf560',
      'MIT',
      'editor framework',
      { dirs: ['src'] },
    ),
    npm(
      '@deck.gl/core',
      '9.0.33',
      'afbee80f4fb2b3f9c4443a9446d42eb71f170cd14e3d212fcc7d8f16b7cfdab8',
      'MIT',
      'visualisation',
      { dirs: ['src'] },
    ),
    npm('msw', '2.4.11', '8c8ca89a3928b01d3125864049b8d83fc803ec124d795dff0b0842703f4f473c', 'MIT', 'http mocking', {
      dirs: ['src'],
    }),
  ],
  rust: [
    crate(
      'serde_json',
      '1.0.132',
      'd726bfaff4b320266d395898905d0eba0345aae23b54aee3a737e260fd46db03',
      'MIT OR Apache-2.0',
      'json',
    ),
    crate(
      'regex',
      '1.11.1',
      'b544ef1b4eac5dc2db33ea63606ae9ffcfac26c1416a2806ae0bf5f56b201191',
      'MIT OR Apache-2.0',
      'regular expressions',
    ),
    crate(
      'regex-syntax',
      '0.8.5',
      '2b15c43186be67a4fd63bee50d0303afffcef381492ebe2c5d87f324e1b8815c',
      'MIT OR Apache-2.0',
      'regex parsing',
    ),
    crate(
      'clap_builder',
      '4.5.20',
      '19bc80abd44e4bed93ca373a0704ccbd1b710dc5749406201bb018272808dc54',
      'MIT OR Apache-2.0',
      'command line',
    ),
    crate(
      'tokio',
      '1.41.0',
      '145f3413504347a2be84393cc8a7d2fb4d863b375909ea59f2158261aa258bbb',
      'MIT',
      'async runtime',
    ),
    crate(
      'rand',
      '0.8.5',
      '34af8d1a0e25924bc5b7c43c079c942339d8f0a8b57c39049bef581b46327404',
      'MIT OR Apache-2.0',
      'random numbers',
    ),
    crate(
      'chrono',
      '0.4.38',
      'a21f936df1771bf62b77f047b726c4625ff2e8aa607c01ec06e5a05bd8463401',
      'MIT OR Apache-2.0',
      'dates',
    ),
    crate(
      'itertools',
      '0.13.0',
      '413ee7dfc52ee1a4949ceeb7dbc8a33f2d6c088194d9f922fb8318faf1f01186',
      'MIT OR Apache-2.0',
      'iterators',
    ),
    crate('bytes', '1.8.0', '9ac0150caa2ae65ca5bd83f25c7de183dea78d4d366469f148435e2acfbad0da', 'MIT', 'byte buffers'),
    crate(
      'url',
      '2.5.2',
      '22784dbdf76fdde8af1aeda5622b546b422b6fc585325248a2bf9f5e41e94d6c',
      'MIT OR Apache-2.0',
      'urls',
    ),
    crate(
      'semver',
      '1.0.23',
      '61697e0a1c7e512e84a621326239844a24d8207b4669b41bc18b32ea5cbf988b',
      'MIT OR Apache-2.0',
      'versions',
    ),
    crate(
      'rayon',
      '1.10.0',
      'b418a60154510ca1a002a752ca9714984e21e4241e804d32555251faf8b78ffa',
      'MIT OR Apache-2.0',
      'parallelism',
    ),
    crate(
      'indexmap',
      '2.6.0',
      '707907fe3c25f5424cce2cb7e1cbcafee6bdbe735ca90ef77c29e84591e5b9da',
      'Apache-2.0 OR MIT',
      'collections',
    ),
    crate(
      'petgraph',
      '0.6.5',
      'b4c5cc86750666a3ed20bdaf5ca2a0344f9c67674cae0515bec2da16fbaa47db',
      'MIT OR Apache-2.0',
      'graphs',
    ),
    crate(
      'num-bigint',
      '0.4.6',
      'a5e44f723f1133c9deac646763579fdb3ac745e418f2a7af9cd0c431da1f20b9',
      'MIT OR Apache-2.0',
      'big integers',
    ),
    crate(
      'image',
      '0.25.4',
      'bc144d44a31d753b02ce64093d532f55ff8dc4ebf2ffb8a63c0dda691385acae',
      'MIT OR Apache-2.0',
      'images',
    ),
    crate('hyper', '1.5.0', 'bbbff0a806a4728c99295b254c8838933b5b082d75e3cb70c8dab21fdfbcfa9a', 'MIT', 'http'),
    crate(
      'toml_edit',
      '0.22.22',
      '4ae48d6208a266e853d946088ed816055e556cc6028c5e8e2b84d9fa5dd7c7f5',
      'MIT OR Apache-2.0',
      'toml',
    ),
  ],
}

/** @type {Record<string, Pin[]>} */
export const TRAINING = {
  python: [
    pypi(
      'requests',
      '2.32.3',
      'requests-2.32.3-py3-none-any.whl',
      '70761cfe03c773ceb22aa2f671b4757976145175cdfca038c02654d061d6dcc6',
      'Apache-2.0',
      'http client',
    ),
    pypi(
      'click',
      '8.1.7',
      'click-8.1.7-py3-none-any.whl',
      'ae74fb96c20a0277a1d615f1e4d73c8414f5a98db8b799a7931d1582f3390c28',
      'BSD-3-Clause',
      'command line',
    ),
    pypi(
      'attrs',
      '24.2.0',
      'attrs-24.2.0-py3-none-any.whl',
      '81921eb96de3191c8258c199618104dd27ac608d9366f5e35d011eae1867ede2',
      'MIT',
      'classes',
    ),
    pypi(
      'more-itertools',
      '10.5.0',
      'more_itertools-10.5.0-py3-none-any.whl',
      '037b0d3203ce90cca8ab1defbbdac29d5f993fc20131f3664dc8d6acfa872aef',
      'MIT',
      'iterators',
    ),
    pypi(
      'python-dateutil',
      '2.9.0.post0',
      'python_dateutil-2.9.0.post0-py2.py3-none-any.whl',
      'a8b2bc7bffae282281c8140a97d3aa9c14da0b136dfe83f850eea9a5f7470427',
      'BSD-3-Clause AND Apache-2.0',
      'dates',
    ),
    pypi(
      'jinja2',
      '3.1.4',
      'jinja2-3.1.4-py3-none-any.whl',
      'bc5dd2abb727a5319567b7a813e6a2e7318c39f4f487cfe6c89c6f9c7d25197d',
      'BSD-3-Clause',
      'templates',
    ),
    pypi(
      'networkx',
      '3.4.2',
      'networkx-3.4.2-py3-none-any.whl',
      'df5d4365b724cf81b8c6a7312509d0c22386097011ad1abe274afd5e9d3bbc5f',
      'BSD-3-Clause',
      'graphs',
    ),
  ],
  javascript: [
    npm(
      'underscore',
      '1.13.7',
      'a252090ea284c52edc7c8a90e05cf97fb56e2d151a1e70c203e8ec27eb50cd66',
      'MIT',
      'utilities',
      { dirs: ['modules'] },
    ),
    npm('bluebird', '3.7.2', 'c68b0b2a44f58961277e975053c6f0053d93bac8f68cef9dae596f2a04806ddc', 'MIT', 'promises', {
      dirs: ['js/release'],
    }),
    npm(
      'commander',
      '12.1.0',
      '56affc6ddafe486f94b428ae2823d059cf60d4dae2f33eaaf1b1ec4306f73173',
      'MIT',
      'command line',
      { dirs: ['lib'] },
    ),
    npm(
      'qs',
      '6.13.0',
      'abffeabbdedc8e466c1bd75227e14ceb76e77f61be475dfcee0d3bbe6dd608fd',
      'BSD-3-Clause',
      'query strings',
      { dirs: ['lib'] },
    ),
    npm('jquery', '3.7.1', '68a9f787516da47c680e09c187bcbac4536b6f85d90eb882844e12919e583f53', 'MIT', 'dom', {
      dirs: ['src'],
    }),
    npm('d3-array', '3.2.4', '6dbf3f2be39e48f86775be6e166a5d3e5a585ca7144453cd6ad1912f5ae4417f', 'ISC', 'data arrays', {
      dirs: ['src'],
    }),
    npm('handlebars', '4.7.8', '2dadfd6743a1e0d876e55d5c5622450a99c1316848048bc6c131a5fc42e776a6', 'MIT', 'templates', {
      dirs: ['lib'],
    }),
    npm('three', '0.169.0', 'c86d0937570fb425d981e156ddf919c43dbc45d4e91fd7c8dd0de56723b3ec71', 'MIT', '3d graphics', {
      dirs: ['src'],
    }),
    npm('ws', '8.18.0', 'a08221f2851472c944ca0178d89a9888c7f43fbd9998afc8a7ec6fe417c4ca20', 'MIT', 'websockets', {
      dirs: ['lib'],
    }),
  ],
  go: [
    go(
      'github.com/urfave/cli/v2',
      'v2.27.5',
      '2680d4da6e48b375a0778d096524ac3a9dd6791f9ecf12886dfb0fdd6d107879',
      'MIT',
      'command line',
    ),
    go(
      'github.com/go-chi/chi/v5',
      'v5.1.0',
      'fa8a5399419187b3b29218067214d5e3fdfe23e2bb4ad1390df51c3e8741d7aa',
      'MIT',
      'http routing',
    ),
    go(
      'github.com/rs/zerolog',
      'v1.33.0',
      'ae98d0882a46553680e2a46aff41fd78ddaba44d4fafe30fc29bd2d57f59a064',
      'MIT',
      'logging',
    ),
    go(
      'github.com/golang-jwt/jwt/v5',
      'v5.2.1',
      'ad5cdc5c6bac562a2b890e96347208ffdb30a940243b558465ab7de90913a180',
      'MIT',
      'tokens',
    ),
    go(
      'github.com/fsnotify/fsnotify',
      'v1.8.0',
      '84a12670be61c6c4bf9519955ce9046168c4835cdf99018290a57ee74dddb361',
      'BSD-3-Clause',
      'file events',
    ),
    go(
      'gopkg.in/yaml.v3',
      'v3.0.1',
      'aab8fbc4e6300ea08e6afe1caea18a21c90c79f489f52c53e2f20431f1a9a015',
      'MIT AND Apache-2.0',
      'yaml',
    ),
    go(
      'github.com/gorilla/websocket',
      'v1.5.3',
      'dbbd31dd0f08548c5dc43e4c2f12bbba66abff5252b224b1cd06afbb72783a76',
      'BSD-2-Clause',
      'websockets',
    ),
    go(
      'github.com/valyala/fasthttp',
      'v1.57.0',
      '72ed8a33a76b8e33dc1d81d2764d20779b99967fa53303d1a2410393b4bd9adf',
      'MIT',
      'http',
    ),
    go(
      'github.com/pkg/errors',
      'v0.9.1',
      'd4c36b8bcd0616290a3913215e0f53b931bd6e00670596f2960df1b44af2bd07',
      'BSD-2-Clause',
      'errors',
    ),
  ],
  java: [
    maven(
      'org.yaml:snakeyaml',
      '2.3',
      '127d0e66b80324f65821451827affb8c2f70914f0d7b7b0cb99d56d12e9901cc',
      'Apache-2.0',
      'yaml',
    ),
    maven(
      'com.github.ben-manes.caffeine:caffeine',
      '3.1.8',
      '7c8237f5d8f23654e7091056316a3730636b7a0f2e6fce450e2bd522090d6b7f',
      'Apache-2.0',
      'caching',
    ),
    maven(
      'com.zaxxer:HikariCP',
      '6.0.0',
      '79e095ba2e689db8a08f47dba2d6c0325f859a620a75648c91738d103cb3ff3f',
      'Apache-2.0',
      'connection pool',
    ),
    maven(
      'org.antlr:antlr4-runtime',
      '4.13.2',
      '4100b1df2f38152d8502e89195b94654d9aa22f5b6c47aca7b6a7f3194b5fbb0',
      'BSD-3-Clause',
      'parsing',
    ),
    maven(
      'com.squareup:javapoet',
      '1.13.0',
      'd1699067787846453fdcc104aeba3946f070fb2c167cfb3445838e4c86bb1f11',
      'Apache-2.0',
      'code generation',
    ),
  ],
  typescript: [
    npm(
      'viem',
      '2.21.32',
      '41dd659df0414ffd20ddcba40224adf80fad032c61f9e13720c7b175c019900a',
      'MIT',
      'blockchain client',
      { dirs: ['.'] },
    ),
    npm(
      '@noble/hashes',
      '1.5.0',
      '26ee46e84afee689c89fafbda53025b531856277233572e48cc55863b7e60ff8',
      'MIT',
      'hashing',
      { dirs: ['src'] },
    ),
    npm(
      '@noble/curves',
      '1.6.0',
      '0cfed0ec45d8e2779f2158231ca0b8e99ec12fe25f2df1fd76c598726f03610d',
      'MIT',
      'elliptic curves',
      { dirs: ['src'] },
    ),
    npm(
      '@microsoft/signalr',
      '8.0.7',
      'f1df3e72ae1833f5666563881c2051a239ff32a1ae94a48258db008765437612',
      'MIT',
      'real-time messaging',
      { dirs: ['src'] },
    ),
    npm(
      '@solana/web3.js',
      '1.95.4',
      '85e15810bd50474d3b47f02e06c24d2aa7e5760972bb621b295e88e271804493',
      'MIT',
      'blockchain rpc',
      { dirs: ['src'] },
    ),
    npm(
      '@preact/signals-core',
      '1.8.0',
      '0436934304fd2f7b137fbf974b25cc3d3d6e0b08469d4c6947c67ba4836feedc',
      'MIT',
      'signals',
      { dirs: ['src'] },
    ),
  ],
  rust: [
    crate(
      'log',
      '0.4.22',
      'a7a70ba024b9dc04c27ea2f0c0548feb474ec5c54bba33a7f72f873a39d07b24',
      'MIT OR Apache-2.0',
      'logging',
    ),
    crate(
      'smallvec',
      '1.13.2',
      '3c5e1a9a646d36c3599cd173a41282daf47c44583ad367b8e6837255952e5c67',
      'MIT OR Apache-2.0',
      'collections',
    ),
    crate(
      'hashbrown',
      '0.15.0',
      '1e087f84d4f86bf4b218b927129862374b72199ae7d8657835f1e89000eea4fb',
      'MIT OR Apache-2.0',
      'hash maps',
    ),
    crate(
      'memchr',
      '2.7.4',
      '78ca9ab1a0babb1e7d5695e3530886289c18cf2f87ec19a575a0abdce112e3a3',
      'Unlicense OR MIT',
      'byte search',
    ),
    crate(
      'base64',
      '0.22.1',
      '72b3254f16251a8381aa12e40e3c4d2f0199f8c6508fbecb9d91f575e0fbb8c6',
      'MIT OR Apache-2.0',
      'encoding',
    ),
    crate(
      'glob',
      '0.3.1',
      'd2fabcfbdc87f4758337ca535fb41a6d701b65693ce38287d856d1674551ec9b',
      'MIT OR Apache-2.0',
      'paths',
    ),
    crate(
      'tempfile',
      '3.13.0',
      'f0f2c9fc62d0beef6951ccffd757e241266a2c833136efbe35af6cd2567dca5b',
      'MIT OR Apache-2.0',
      'files',
    ),
    crate('nom', '7.1.3', 'd273983c5a657a70a3e8f2a01329822f3b8c8172b73826411a55751e404a0a4a', 'MIT', 'parsing'),
    crate(
      'syn',
      '2.0.79',
      '89132cd0bf050864e1d38dc3bbc07a0eb8e7530af26344d3d2bbbef83499f590',
      'MIT OR Apache-2.0',
      'rust parsing',
    ),
    crate(
      'bitflags',
      '2.6.0',
      'b048fb63fd8b5923fc5aa7b340d8e156aec7ec02f0c78fa8a6ddc2613f6f71de',
      'MIT OR Apache-2.0',
      'flags',
    ),
    crate(
      'once_cell',
      '1.20.2',
      '1261fe7e33c73b354eab43b1273a57c8f967d0391e80353e51f764ac02cf6775',
      'MIT OR Apache-2.0',
      'lazy values',
    ),
    crate(
      'crossbeam-channel',
      '0.5.13',
      '33480d6946193aa8033910124896ca395333cae7e2d1113d1fef6c3272217df2',
      'MIT OR Apache-2.0',
      'concurrency',
    ),
  ],
}

/** Python's evaluation package: the standard library of the interpreter the corpus came from. */
const PYTHON_EVALUATION = 'cpython'

/** The evaluation packages' names per language: {python: ['cpython'], javascript: ['lodash', ...], ...}. */
export function evaluationPackages() {
  const out = { python: [PYTHON_EVALUATION] }
  for (const [language, pins] of Object.entries(EVALUATION)) out[language] = pins.map((p) => p.name)
  return out
}

/** The training packages' names per language. */
export function trainingPackages() {
  return Object.fromEntries(Object.entries(TRAINING).map(([language, pins]) => [language, pins.map((p) => p.name)]))
}

/** The names shared by an evaluation and a training list of the same language ({} when none). */
export function overlap() {
  const evaluation = evaluationPackages()
  const shared = {}
  for (const [language, names] of Object.entries(trainingPackages())) {
    const both = names.filter((n) => (evaluation[language] ?? []).includes(n))
    if (both.length) shared[language] = both
  }
  return shared
}

/** Throws when a package is both evaluated and trained on. */
export function assertDisjoint() {
  const shared = overlap()
  if (Object.keys(shared).length)
    throw new Error(`quality: packages both evaluated and trained on: ${JSON.stringify(shared)}`)
}
