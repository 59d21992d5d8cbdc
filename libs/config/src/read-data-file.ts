// Reading a configuration file as data (YAML, or JSON by its extension): the routes file, the
// providers file. A file that cannot be read or parsed is one problem, named with the file.
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';

export async function readDataFile(
  path: string,
  label: string,
): Promise<{ ok: true; raw: unknown } | { ok: false; problems: string[] }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    return { ok: false, problems: [`${label} ${path}: cannot be read (${code})`] };
  }
  const json = path.endsWith('.json');
  try {
    return { ok: true, raw: json ? JSON.parse(text) : parseYaml(text) };
  } catch (error) {
    return {
      ok: false,
      problems: [
        `${label} ${path}: not valid ${json ? 'JSON' : 'YAML'} (${(error as Error).message})`,
      ],
    };
  }
}
