/** One configuration file as read from disk (or a git tree): path relative to the config dir, `/`-separated. */
export interface ConfigFile {
  path: string;
  text: string;
}
