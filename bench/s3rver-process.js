// s3rver in a process of its own, as a real store is: started by bench/offsite.js so that the server's work
// (receiving parts, hashing them, assembling the object) runs beside the client's rather than on its event
// loop. Prints the port it listens on as one JSON line, then serves until killed.
import S3rver from 's3rver';

const [directory, bucket] = process.argv.slice(2);
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket, configs: [] }] });
const { port } = await server.run();
process.stdout.write(JSON.stringify({ port }) + '\n');
process.on('SIGTERM', () => server.close().then(() => process.exit(0)));
