// Starts a did:plc directory and the reference Bluesky PDS on 127.0.0.1 for Postguard's tests.
//
// Usage: node start.mjs --pds-port N --plc-port M [--data-dir DIR] [--modules DIR]
// Prints one line, `POSTGUARD-PDS-READY {"pds": URL, "plc": URL, ...}`, when both answer; stops
// both and removes a temporary data directory on SIGTERM or SIGINT. Installed by
// tools/install-platform-servers.sh; run with the Node 22 it installs.
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const HOST = '127.0.0.1'
const here = dirname(fileURLToPath(import.meta.url))

const { values: args } = parseArgs({
  options: {
    'pds-port': { type: 'string' },
    'plc-port': { type: 'string' },
    'data-dir': { type: 'string' },
    modules: { type: 'string', default: join(here, '..', '..', '.tools', 'pds') },
  },
})

function fail(message) {
  process.stderr.write(`start.mjs: ${message}\n`)
  process.exit(2)
}

function port(name) {
  const text = args[name]
  const number = Number(text)
  if (!text || !Number.isInteger(number) || number < 1 || number > 65535) {
    fail(`--${name} must be a port number between 1 and 65535, got ${JSON.stringify(text)}`)
  }
  return number
}

const pdsPort = port('pds-port')
const plcPort = port('plc-port')
// The PDS packages live in the project-local install, not next to this script.
const require = createRequire(join(resolve(args.modules), 'package.json'))
let pdsModule, plcModule, cryptoModule
try {
  pdsModule = require('@atproto/pds')
  plcModule = require('@did-plc/server')
  cryptoModule = require('@atproto/crypto')
} catch (error) {
  fail(
    `the PDS is not installed in ${args.modules} (${error.code ?? error.message}); ` +
      'run: make servers',
  )
}
const { PDS, envToCfg, envToSecrets, readEnv } = pdsModule
const { PlcServer, Database } = plcModule
const { Secp256k1Keypair } = cryptoModule

// Both servers call express's app.listen(port), which binds every interface; a test server
// must only be reachable from this machine.
function bindLoopback(app) {
  const listen = app.listen.bind(app)
  app.listen = (portNumber, ...rest) => listen(portNumber, HOST, ...rest)
}

const temporary = args['data-dir'] === undefined
const dataDir = temporary
  ? mkdtempSync(join(tmpdir(), 'postguard-pds-'))
  : resolve(args['data-dir'])
const started = Date.now()
let plc
let pds

async function stop(exitCode) {
  try {
    await pds?.destroy()
    await plc?.destroy()
  } finally {
    if (temporary) rmSync(dataDir, { recursive: true, force: true })
    process.exit(exitCode)
  }
}

let stopping = false
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    if (stopping) return
    stopping = true
    stop(0).catch((error) => {
      process.stderr.write(`start.mjs: error while stopping: ${error}\n`)
      process.exit(1)
    })
  })
}

try {
  plc = PlcServer.create({ db: Database.mock(), port: plcPort })
  bindLoopback(plc.app)
  await plc.start()

  const rotationKey = await Secp256k1Keypair.create({ exportable: true })
  const rotationKeyHex = Buffer.from(await rotationKey.export()).toString('hex')
  const env = {
    PDS_HOSTNAME: 'localhost',
    PDS_PORT: String(pdsPort),
    PDS_DEV_MODE: 'true',
    PDS_DATA_DIRECTORY: dataDir,
    PDS_BLOBSTORE_DISK_LOCATION: join(dataDir, 'blobs'),
    PDS_DID_PLC_URL: `http://${HOST}:${plcPort}`,
    PDS_JWT_SECRET: 'postguard-test-jwt-secret',
    PDS_ADMIN_PASSWORD: 'postguard-test-admin',
    PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX: rotationKeyHex,
    PDS_INVITE_REQUIRED: 'false',
    PDS_SERVICE_HANDLE_DOMAINS: '.test',
    // No crawlers, no AppView, no email: the tests talk only to this PDS.
    PDS_CRAWLERS: '',
    LOG_ENABLED: process.env.LOG_ENABLED ?? 'false',
  }
  Object.assign(process.env, env)
  const pdsEnv = readEnv()
  pds = await PDS.create(envToCfg(pdsEnv), envToSecrets(pdsEnv))
  bindLoopback(pds.app)
  await pds.start()
} catch (error) {
  process.stderr.write(`start.mjs: the PDS did not start: ${error?.stack ?? error}\n`)
  await stop(1)
}

const ready = {
  pds: `http://${HOST}:${pdsPort}`,
  plc: `http://${HOST}:${plcPort}`,
  dataDir,
  startMs: Date.now() - started,
  pid: process.pid,
}
process.stdout.write(`POSTGUARD-PDS-READY ${JSON.stringify(ready)}\n`)
