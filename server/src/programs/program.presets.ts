import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_PRESET, ProgramDocument, type PresetName } from './program';

/**
 * Presets ship as JSON files beside this module (`presets/<name>.json`, copied into dist by the build), so a
 * vendor can read and diff them; each is validated like any document an admin sends.
 */
export function loadPreset(name: PresetName): ProgramDocument {
  const file = path.join(__dirname, 'presets', `${name}.json`);
  return ProgramDocument.parse(JSON.parse(readFileSync(file, 'utf8')));
}

/** The preset a database with no program starts with: `PROGRAM_PRESET`, else the default (routes pass their app). */
export const presetOf = (app: { config: { programPreset?: PresetName } }): PresetName =>
  app.config.programPreset ?? DEFAULT_PRESET;
