// Run first by `npm start` and `npm test`: stops at once, with one clear line, on a Node older than
// the one the platform is built for (.nvmrc, package.json engines), instead of a screen of
// EBADENGINE warnings followed by a failure far from the cause. Plain CommonJS on purpose: it
// must itself run on any old Node.
const fs = require('fs');
const path = require('path');
const wanted = parseInt(fs.readFileSync(path.join(__dirname, '..', '.nvmrc'), 'utf8'), 10);
const have = parseInt(process.versions.node.split('.')[0], 10);
if (!(have >= wanted)) {
  console.error(
    'This project needs Node ' + wanted + ' or newer; this is Node ' + process.versions.node + ' (' + process.execPath + ').\n' +
    'Without root: `nvm install` (reads .nvmrc), or see "Node ' + wanted + ' without root" in README.md.'
  );
  process.exit(1);
}
