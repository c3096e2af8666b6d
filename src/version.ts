// csm's version, in a module of its own so that `csm --version` can print it
// without loading the command-line parser.
export const VERSION = '0.1.0';
